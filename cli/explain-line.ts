// The ready-to-paste `ksvc explain` line a verify or diff finding ends with, its words quoted so
// that a shell reads them back as they were and a terminal never sees a raw control character.
import { hasTerminalUnsafe, TERMINAL_UNSAFE } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import type { Packet } from '../compiler/ir/packet.ts';
import { optionWords } from './args.ts';

const QUOTED_UNSAFE = new RegExp(`[\\\\']|${TERMINAL_UNSAFE.source}`, 'g');

/**
 * One shell word for a paste-able command line. A word with characters a terminal must not see
 * raw (a planted file name) is written in bash's $'…' form, its controls as escapes the shell
 * turns back into the same bytes.
 */
export const shellWord = (s: string): string => {
  if (/^[A-Za-z0-9_./:@,+=-]+$/.test(s)) return s;
  if (!hasTerminalUnsafe(s)) return `'${s.replace(/'/g, "'\\''")}'`;
  const escaped = s.replace(QUOTED_UNSAFE, (c) => {
    if (c === '\\' || c === "'") return `\\${c}`;
    const code = c.codePointAt(0)!;
    // \u (\U past U+FFFF) for the rest: bash writes it as UTF-8, as the name is (\x would write one raw byte)
    if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `$'${escaped}'`;
};

/** The `ksvc explain` command line for a packet; `base`: the inputs and flags of the run that found it. */
export function explainCommandLine(base: readonly string[], node: string | null, family: Family, p: Packet): string {
  const args = [...base];
  if (node !== null) args.push(...optionWords('--node', node));
  args.push('--family', family, '--src', p.src, '--dst', p.dst, '--proto', p.protocol);
  if (p.protocol === 'tcp' || p.protocol === 'udp' || p.protocol === 'sctp') {
    args.push('--dport', String(p.dport), '--sport', String(p.sport));
  }
  args.push('--from', p.path === 'local' ? 'node' : 'external');
  if (p.inInterface) args.push(...optionWords('--iface', p.inInterface));
  if (p.mark !== 0) args.push('--mark', `0x${p.mark.toString(16)}`);
  if (p.ct.state !== 'new') args.push('--ct', `${p.ct.state}${p.ct.dnat ? '+dnat' : ''}`);
  for (const [list, age] of Object.entries(p.affinityAges)) args.push('--affinity', `${list}=${age}`);
  return ['ksvc', 'explain', ...args].map(shellWord).join(' ');
}
