// Rule list -> what `iptables-save` prints once the restore text is loaded (iptables' own printers): the
// kernel's canonical match order (-s -d -i -p, then modules in rule order), /32 and /128 host
// prefixes, libxtables quoting, --set-xmark, rounded probabilities, REJECT's default --reject-with.
// Verified line for line against iptables-nft 1.8.9 by test/kernel/iptables-save.test.ts.

import type { IRProgram } from '../../compiler/ir/types.ts';
import { type BuildOptions, emitRules } from './build.ts';
import { lineBuffer } from './lines.ts';
import { saveHex, saveProbability } from './numbers.ts';
import { BUILTIN_CHAINS, type Match, type Rule, type RuleSet, type TableName, type TableRules } from './rules.ts';

const NO_QUOTE = /^[A-Za-z0-9_-]+$/;

/** libxtables' xtables_save_string: bare when only [A-Za-z0-9_-], else quoted with \" \\ \' escaped. */
export const saveString = (s: string): string => (NO_QUOTE.test(s) ? s : `"${s.replace(/["\\']/g, (c) => `\\${c}`)}"`);

function withPrefix(addr: string, family: 'ipv4' | 'ipv6'): string {
  return addr.includes('/') ? addr : `${addr}/${family === 'ipv4' ? 32 : 128}`;
}

/**
 * `-s`/`-d` as iptables-save prints it: a /0 matches every address and is stored as no match at
 * all, so it is not printed; negated it is kept (measured with iptables-legacy; iptables-nft
 * refuses to load `! -s 0.0.0.0/0`).
 */
function addressMatch(flag: '-s' | '-d', addr: string, negate: boolean, family: 'ipv4' | 'ipv6'): string {
  if (!negate && addr.endsWith('/0')) return '';
  return `${negate ? '! ' : ''}${flag} ${withPrefix(addr, family)}`;
}

export function saveRuleLine(r: Rule, family: 'ipv4' | 'ipv6'): string {
  const head: string[] = [];
  const mods: string[] = [];
  let src = '';
  let dst = '';
  let iface = '';
  let proto = '';
  const mask = family === 'ipv4' ? '255.255.255.255' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
  // The protocol module collects the --dport that follows it in kube-proxy's order.
  let protoModule: string[] = [];
  let protoIndex = -1;
  for (const m of r.matches) {
    switch (m.kind) {
      case 'src':
        src = addressMatch('-s', m.addr, m.negate, family);
        break;
      case 'dst':
        dst = addressMatch('-d', m.addr, m.negate, family);
        break;
      case 'in':
        iface = `${m.negate ? '! ' : ''}-i ${m.name}`;
        break;
      case 'proto':
        proto = `-p ${m.proto}`;
        protoModule = [`-m ${m.proto}`];
        protoIndex = mods.length;
        mods.push(''); // filled below, once its --dport is known
        break;
      case 'dport':
        protoModule.push(`--dport ${m.port}`);
        break;
      default:
        mods.push(moduleText(m, mask));
    }
  }
  if (protoIndex >= 0) mods[protoIndex] = protoModule.join(' ');
  for (const part of [src, dst, iface, proto]) if (part) head.push(part);
  const out = [`-A ${r.chain}`, ...head, ...mods];
  const t = r.target;
  if (t !== null) {
    switch (t.kind) {
      case 'jump':
        out.push(`-j ${t.chain}`);
        break;
      case 'verdict':
        out.push(
          t.verdict === 'REJECT'
            ? `-j REJECT --reject-with ${family === 'ipv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable'}`
            : `-j ${t.verdict}`,
        );
        break;
      case 'dnat':
        out.push(`-j DNAT --to-destination ${t.to}`);
        break;
      case 'mark':
        out.push(`-j MARK --set-xmark ${saveHex(t.value)}/${t.op === 'or' ? saveHex(t.value) : '0x0'}`);
        break;
      case 'masquerade':
        out.push(t.randomFully ? '-j MASQUERADE --random-fully' : '-j MASQUERADE');
        break;
    }
  }
  return out.join(' ');
}

function moduleText(m: Exclude<Match, { kind: 'src' | 'dst' | 'in' | 'proto' | 'dport' }>, mask: string): string {
  switch (m.kind) {
    case 'comment':
      return `-m comment --comment ${saveString(m.text)}`;
    case 'addrtype':
      return `-m addrtype --${m.dir}-type LOCAL`;
    case 'mark':
      return `-m mark ${m.negate ? '! ' : ''}--mark ${saveHex(m.value)}/${saveHex(m.value)}`;
    case 'ctstate':
      return `-m conntrack ${m.negate ? '! ' : ''}--ctstate ${m.states}`;
    case 'nfacct':
      return `-m nfacct --nfacct-name  ${m.name}`;
    case 'statistic':
      return `-m statistic --mode random --probability ${saveProbability(m.n)}`;
    case 'recentSet':
      return `-m recent --set --name ${m.name} --mask ${mask} --rsource`;
    case 'recentCheck':
      return `-m recent --rcheck --seconds ${m.seconds} --reap --name ${m.name} --mask ${mask} --rsource`;
  }
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One table as iptables-save lists it (without the "#" header/footer lines). */
export function saveTableLines(table: TableRules, family: 'ipv4' | 'ipv6'): string[] {
  const builtins = BUILTIN_CHAINS[table.name];
  const user = [...new Set(table.chains)].sort(byName);
  const lines = [`*${table.name}`];
  for (const b of builtins) lines.push(`:${b} ACCEPT [0:0]`);
  for (const c of user) lines.push(`:${c} - [0:0]`);
  const byChain = new Map<string, Rule[]>();
  for (const r of table.rules) {
    let list = byChain.get(r.chain);
    if (!list) byChain.set(r.chain, (list = []));
    list.push(r);
  }
  for (const c of [...builtins, ...user]) for (const r of byChain.get(c) ?? []) lines.push(saveRuleLine(r, family));
  lines.push('COMMIT');
  return lines;
}

export function renderSave(rules: RuleSet, tableOrder: readonly ('filter' | 'nat')[] = ['filter', 'nat']): string {
  const lines: string[] = [];
  for (const name of tableOrder) {
    const table = rules.tables.find((t) => t.name === name)!;
    for (const l of saveTableLines(table, rules.family)) lines.push(l); // not a spread: arguments are limited
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Save text straight from the IR, in pieces of about a thousand lines (see
 * renderRestoreChunksFromIR): joined, they are renderSaveFromIR's text byte for byte.
 */
export function* renderSaveChunksFromIR(ir: IRProgram, options: BuildOptions = {}): Generator<string> {
  const family = ir.family;
  const tables = (['filter', 'nat'] as TableName[]).map((name) => ({
    name,
    chains: [] as string[],
    byChain: new Map<string, string[]>(),
  }));
  const chainSink = (t: (typeof tables)[number]) => ({ push: (...names: string[]) => void t.chains.push(...names) });
  const ruleSink = (t: (typeof tables)[number]) => ({
    push(...rules: Rule[]) {
      for (const r of rules) {
        let list = t.byChain.get(r.chain);
        if (!list) t.byChain.set(r.chain, (list = []));
        list.push(saveRuleLine(r, family));
      }
    },
  });
  const [filter, nat] = tables as [(typeof tables)[number], (typeof tables)[number]];
  emitRules(ir, options, {
    filterChains: chainSink(filter),
    filterRules: ruleSink(filter),
    natChains: chainSink(nat),
    natRules: ruleSink(nat),
  });
  for (const t of tables) {
    const builtins = BUILTIN_CHAINS[t.name];
    const user = [...new Set(t.chains)].sort(byName);
    const lines = lineBuffer();
    lines.add(`*${t.name}`);
    for (const b of builtins) lines.add(`:${b} ACCEPT [0:0]`);
    for (const c of user) lines.add(`:${c} - [0:0]`);
    for (const c of [...builtins, ...user]) for (const l of t.byChain.get(c) ?? []) lines.add(l);
    lines.add('COMMIT');
    for (const c of lines.chunks()) yield `${c}\n`;
  }
}

/** Save text straight from the IR: each rule is spelled as it is built and grouped by chain. */
export function renderSaveFromIR(ir: IRProgram, options: BuildOptions = {}): string {
  return [...renderSaveChunksFromIR(ir, options)].join('');
}
