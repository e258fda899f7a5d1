// Rule list -> kube-proxy's iptables-restore input, token for token (syncProxyRules in
// pkg/proxy/iptables/proxier.go).

import type { IRProgram } from '../../compiler/ir/types.ts';
import { type BuildOptions, emitFilterAndChains, emitNatRules } from './build.ts';
import { type LineBuffer, lineBuffer } from './lines.ts';
import { chainNames } from './names.ts';
import { goHex08, restoreProbability } from './numbers.ts';
import type { Match, Rule, RuleSet, Target } from './rules.ts';

function matchText(m: Match): string {
  switch (m.kind) {
    case 'comment':
      return m.quoted ? ` -m comment --comment "${m.text}"` : ` -m comment --comment ${m.text}`;
    case 'proto':
      return ` -m ${m.proto} -p ${m.proto}`;
    case 'dport':
      return ` --dport ${m.port}`;
    case 'src':
      return m.negate ? ` ! -s ${m.addr}` : ` -s ${m.addr}`;
    case 'dst':
      return m.negate ? ` ! -d ${m.addr}` : ` -d ${m.addr}`;
    case 'in':
      return m.negate ? ` ! -i ${m.name}` : ` -i ${m.name}`;
    case 'addrtype':
      return m.dir === 'src' ? ' -m addrtype --src-type LOCAL' : ' -m addrtype --dst-type LOCAL';
    case 'mark': {
      const v = goHex08(m.value);
      return ` -m mark${m.negate ? ' !' : ''} --mark ${v}/${v}`;
    }
    case 'ctstate':
      return ` -m conntrack${m.negate ? ' !' : ''} --ctstate ${m.states}`;
    case 'nfacct':
      return ` -m nfacct --nfacct-name ${m.name}`;
    case 'statistic':
      return ` -m statistic --mode random --probability ${restoreProbability(m.n)}`;
    case 'recentSet':
      return ` -m recent --name ${m.name} --set`;
    case 'recentCheck':
      return ` -m recent --name ${m.name} --rcheck --seconds ${m.seconds} --reap`;
  }
}

function targetText(t: Target): string {
  if (t === null) return '';
  switch (t.kind) {
    case 'jump':
      return ` -j ${t.chain}`;
    case 'verdict':
      return ` -j ${t.verdict}`;
    case 'dnat':
      return ` -j DNAT --to-destination ${t.to}`;
    case 'mark':
      return ` -j MARK ${t.op === 'or' ? '--or-mark' : '--xor-mark'} ${goHex08(t.value)}`;
    case 'masquerade':
      return t.randomFully ? ' -j MASQUERADE --random-fully' : ' -j MASQUERADE';
  }
}

/** One rule in kube-proxy's restore spelling ("-A CHAIN ..."), without the newline. */
export function restoreRuleLine(r: Rule): string {
  let line = `-A ${r.chain}`;
  for (const m of r.matches) line += matchText(m);
  return line + targetText(r.target);
}

export function renderRestore(rules: RuleSet): string {
  const lines: string[] = [];
  for (const table of rules.tables) {
    lines.push(`*${table.name}`);
    for (const c of table.chains) lines.push(`:${c} - [0:0]`);
    for (const r of table.rules) lines.push(restoreRuleLine(r));
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Restore text straight from the IR, in pieces of about a thousand lines: the pieces joined are
 * renderRestoreFromIR's text, byte for byte. kube-proxy's order puts each table's chain list
 * before its rules, so the filter table and every chain name are built first (small), then the
 * nat rules — nearly all of the text — are yielded as they are built: a writer streams them to a
 * file instead of holding 60+ MB until the last rule exists.
 */
export function* renderRestoreChunksFromIR(ir: IRProgram, options: BuildOptions = {}): Generator<string> {
  const filterChains = lineBuffer();
  const filterRules = lineBuffer();
  const natChains = lineBuffer();
  const natRules = lineBuffer();
  // One item a call, nearly always: the first is a parameter of its own, so a call makes no list
  // of its arguments (a rest list per rule was ~40 MB at 10,000 services x 10 endpoints).
  const ruleSink = (lines: LineBuffer) => ({
    push(first?: Rule, ...more: Rule[]) {
      if (first === undefined) return;
      lines.add(restoreRuleLine(first));
      for (let i = 0; i < more.length; i++) lines.add(restoreRuleLine(more[i]!));
    },
  });
  const chainSink = (lines: LineBuffer) => ({
    push(first?: string, ...more: string[]) {
      if (first === undefined) return;
      lines.add(`:${first} - [0:0]`);
      for (let i = 0; i < more.length; i++) lines.add(`:${more[i]!} - [0:0]`);
    },
  });
  const names = chainNames();
  emitFilterAndChains(
    ir,
    options,
    { filterChains: chainSink(filterChains), filterRules: ruleSink(filterRules), natChains: chainSink(natChains) },
    names,
  );
  // A buffer's chunks end without a newline: each is followed by one, as the joined text would be.
  const head = function* (name: string, chains: LineBuffer): Generator<string> {
    yield `*${name}\n`;
    if (chains.count === 0) yield '\n';
    for (const c of chains.chunks()) yield `${c}\n`;
  };
  yield* head('filter', filterChains);
  for (const c of filterRules.chunks()) yield `${c}\n`;
  yield 'COMMIT\n';
  yield* head('nat', natChains);
  for (const _ of emitNatRules(ir, options, ruleSink(natRules), names)) {
    for (const c of natRules.takeFull()) yield `${c}\n`;
  }
  for (const c of natRules.chunks()) yield `${c}\n`;
  yield 'COMMIT\n';
}

/** Restore text straight from the IR: rules are spelled as they are built (see emitRules). */
export function renderRestoreFromIR(ir: IRProgram, options: BuildOptions = {}): string {
  return [...renderRestoreChunksFromIR(ir, options)].join('');
}
