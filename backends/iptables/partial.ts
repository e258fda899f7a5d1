// kube-proxy's partial restore (MinimizeIPTablesRestore, GA in 1.28): the iptables-restore
// --noflush input that turns a node holding `previous`'s rules into one holding `next`'s while
// rewriting only what changed. kube-proxy always writes the filter table and nat's own chains
// (KUBE-SERVICES, KUBE-NODEPORTS, KUBE-POSTROUTING, KUBE-MARK-MASQ) whole; a service's chains
// (KUBE-SVC/SVL/EXT/FW/SEP) only when the service changed — then all of them, SEPs whose rules
// did not change too; chains no longer used are declared (which flushes them) and deleted with
// -X after every rule but the tail-call to KUBE-NODEPORTS, as kube-proxy writes them. A chain not
// declared keeps the rules the node holds.
//
// kube-proxy learns what changed from its Service and EndpointSlice change trackers; here a
// service changed when the chains it owns (by name) or any of their rules differ between the two
// renderings. The outcome is the same node state; the choice differs for an edit that changes an
// object but no rule of it (kube-proxy rewrites that service's chains with the same rules), for a
// zone label change on the node (kube-proxy writes a full restore) and for a change across 1,000
// endpoints (every comment comes or goes: this rewrites every service, kube-proxy only the changed
// ones, leaving the others' comments until its next full sync). kube-proxy in large-cluster mode
// (over 1,000 endpoints) deletes stale chains at most once a sync period; this deletes them every
// time. README, "Which iptables output to use".
import type { IRProgram } from '../../compiler/ir/types.ts';
import { emitFilterAndChains, emitNatRules } from './build.ts';
import { chainNames } from './names.ts';
import { restoreRuleLine } from './restore.ts';
import type { Out, Rule } from './rules.ts';

export interface PartialRestore {
  /** the restore input (apply with iptables-restore --noflush) */
  text: string;
  /** services (namespace/name) in `next`, and how many of them are rewritten (new or changed) */
  services: number;
  rewritten: string[];
  /** chains deleted (-X): in `previous`, a service's, and no longer in `next` */
  deleted: string[];
  /**
   * filter chains `previous` has and `next` does not (KUBE-FIREWALL, when localhost NodePorts are
   * turned off): no partial restore can remove them, since the hook rules kube-proxy inserted in
   * INPUT and OUTPUT jump to them (-X would fail, and kube-proxy itself leaves them until the
   * node is cleaned up). Not empty: `text` does not turn the node into `next`'s; do not apply it.
   */
  stranded: string[];
  /**
   * filter chains `next` has and `previous` does not (KUBE-FIREWALL, when localhost NodePorts are
   * turned on): the hook rules that jump to them are not on the node, and a partial restore writes
   * none (kube-proxy inserts them outside its restores). Not empty: do not apply `text` either.
   */
  unhooked: string[];
}

/** nat's own chains: written whole by every restore; every other nat chain is a service's. */
const NAT_OWN = new Set(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']);

/** A program's restore text as lines, and which service (namespace/name) owns each service chain. */
interface RenderedLines {
  filterChains: string[];
  filterLines: string[];
  natChains: string[];
  natLines: string[];
  /** natLines[i]'s chain */
  natLineChains: string[];
  /** service chain -> its service (the service port whose rules write it) */
  owners: Map<string, string>;
  /**
   * Per service, the rules of its chains (one text per service port, sorted: reordered ports are
   * no change) — what "the service changed" compares
   */
  texts: Map<string, string>;
}

/** `lines`: keep the nat lines (the version written); the other needs only its texts and chains. */
function renderedLines(ir: IRProgram, lines: boolean): RenderedLines {
  const r: RenderedLines = {
    filterChains: [],
    filterLines: [],
    natChains: [],
    natLines: [],
    natLineChains: [],
    owners: new Map(),
    texts: new Map(),
  };
  const names = chainNames();
  emitFilterAndChains(
    ir,
    {},
    { filterChains: r.filterChains, filterRules: spell(r.filterLines), natChains: r.natChains },
    names,
  );
  // emitNatRules pauses after each service port: the rules pushed since the last pause are the
  // next service port's (nat's own rules are not a service's)
  const ports = ir.servicePorts;
  let index = 0;
  let portLines: string[] = [];
  const portTexts = new Map<string, string[]>();
  const natRules: Out<Rule> = {
    push(...rules: Rule[]) {
      const sp = ports[index];
      for (const rule of rules) {
        const own = sp !== undefined && !NAT_OWN.has(rule.chain);
        if (!lines && !own) continue;
        const line = restoreRuleLine(rule);
        if (lines) {
          r.natLines.push(line);
          r.natLineChains.push(rule.chain);
        }
        if (!own) continue;
        r.owners.set(rule.chain, `${sp.namespace}/${sp.name}`);
        portLines.push(line);
      }
    },
  };
  for (const _ of emitNatRules(ir, {}, natRules, names)) {
    const sp = ports[index++]!;
    const service = `${sp.namespace}/${sp.name}`;
    const list = portTexts.get(service);
    if (list) list.push(portLines.join('\n'));
    else portTexts.set(service, [portLines.join('\n')]);
    portLines = [];
  }
  for (const [service, list] of portTexts) r.texts.set(service, list.sort().join('\n'));
  return r;
}

/** A rule sink that spells each rule as kube-proxy's restore line. */
function spell(lines: string[]): Out<Rule> {
  return {
    push(...rules: Rule[]) {
      for (const rule of rules) lines.push(restoreRuleLine(rule));
    },
  };
}

export function renderPartialRestore(previous: IRProgram, next: IRProgram): PartialRestore {
  if (previous.family !== next.family)
    throw new Error('renderPartialRestore: the two programs are of different families');
  const [before, after] = [renderedLines(previous, false), renderedLines(next, true)];
  const rewritten = [...after.texts.keys()].filter((s) => before.texts.get(s) !== after.texts.get(s));
  const write = new Set(rewritten);
  const declaredAfter = new Set(after.natChains);
  const deleted = before.natChains.filter((c) => !NAT_OWN.has(c) && !declaredAfter.has(c));
  const stranded = before.filterChains.filter((c) => !after.filterChains.includes(c));
  const unhooked = after.filterChains.filter((c) => !before.filterChains.includes(c));
  // a chain is written unless a service owns it and that service is unchanged
  const written = (chain: string) => {
    const service = after.owners.get(chain);
    return service === undefined || write.has(service);
  };

  const lines: string[] = [
    '*filter',
    ...after.filterChains.map((c) => `:${c} - [0:0]`),
    ...after.filterLines,
    'COMMIT',
  ];
  lines.push('*nat');
  for (const c of after.natChains) if (written(c)) lines.push(`:${c} - [0:0]`);
  for (const c of deleted) lines.push(`:${c} - [0:0]`);
  // kube-proxy deletes stale chains before its tail-call to KUBE-NODEPORTS (the last rules of
  // KUBE-SERVICES, always written): the -X lines go right before those
  let tail = after.natLines.length;
  while (
    tail > 0 &&
    after.natLineChains[tail - 1] === 'KUBE-SERVICES' &&
    after.natLines[tail - 1]!.endsWith(' -j KUBE-NODEPORTS')
  )
    tail--;
  for (let i = 0; i < tail; i++) if (written(after.natLineChains[i]!)) lines.push(after.natLines[i]!);
  for (const c of deleted) lines.push(`-X ${c}`);
  for (let i = tail; i < after.natLines.length; i++) lines.push(after.natLines[i]!);
  lines.push('COMMIT');
  const services = new Set(next.servicePorts.map((sp) => `${sp.namespace}/${sp.name}`)).size;
  return { text: `${lines.join('\n')}\n`, services, rewritten, deleted, stranded, unhooked };
}
