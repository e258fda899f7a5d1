// Rule list -> kube-proxy's iptables-restore input, token for token (reference §2.3, §3).
import { goHex08, restoreProbability } from './numbers.ts';
import type { Match, Rule, RuleSet, Target } from './rules.ts';

function matchTokens(m: Match, out: string[]): void {
  switch (m.kind) {
    case 'comment':
      out.push('-m', 'comment', '--comment', m.quoted ? `"${m.text}"` : m.text);
      return;
    case 'proto':
      out.push('-m', m.proto, '-p', m.proto);
      return;
    case 'dport':
      out.push('--dport', String(m.port));
      return;
    case 'src':
    case 'dst':
      if (m.negate) out.push('!');
      out.push(m.kind === 'src' ? '-s' : '-d', m.addr);
      return;
    case 'in':
      if (m.negate) out.push('!');
      out.push('-i', m.name);
      return;
    case 'addrtype':
      out.push('-m', 'addrtype', m.dir === 'src' ? '--src-type' : '--dst-type', 'LOCAL');
      return;
    case 'mark': {
      const v = goHex08(m.value);
      out.push('-m', 'mark');
      if (m.negate) out.push('!');
      out.push('--mark', `${v}/${v}`);
      return;
    }
    case 'ctstate':
      out.push('-m', 'conntrack');
      if (m.negate) out.push('!');
      out.push('--ctstate', m.states);
      return;
    case 'nfacct':
      out.push('-m', 'nfacct', '--nfacct-name', m.name);
      return;
    case 'statistic':
      out.push('-m', 'statistic', '--mode', 'random', '--probability', restoreProbability(m.n));
      return;
    case 'recentSet':
      out.push('-m', 'recent', '--name', m.name, '--set');
      return;
    case 'recentCheck':
      out.push('-m', 'recent', '--name', m.name, '--rcheck', '--seconds', String(m.seconds), '--reap');
      return;
  }
}

function targetTokens(t: Target, out: string[]): void {
  if (t === null) return;
  switch (t.kind) {
    case 'jump':
      out.push('-j', t.chain);
      return;
    case 'verdict':
      out.push('-j', t.verdict);
      return;
    case 'dnat':
      out.push('-j', 'DNAT', '--to-destination', t.to);
      return;
    case 'mark':
      out.push('-j', 'MARK', t.op === 'or' ? '--or-mark' : '--xor-mark', goHex08(t.value));
      return;
    case 'masquerade':
      out.push('-j', 'MASQUERADE');
      if (t.randomFully) out.push('--random-fully');
      return;
  }
}

/** One rule in kube-proxy's restore spelling ("-A CHAIN ..."), without the newline. */
export function restoreRuleLine(r: Rule): string {
  const out: string[] = ['-A', r.chain];
  for (const m of r.matches) matchTokens(m, out);
  targetTokens(r.target, out);
  return out.join(' ');
}

export function renderRestore(rules: RuleSet): string {
  const lines: string[] = [];
  for (const table of rules.tables) {
    lines.push(`*${table.name}`);
    for (const c of table.chains) lines.push(`:${c} - [0:0]`);
    for (const r of table.rules) lines.push(restoreRuleLine(r));
    lines.push('COMMIT');
  }
  return lines.join('\n') + '\n';
}
