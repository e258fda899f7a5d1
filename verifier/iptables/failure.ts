// A line the grammar refused, explained: which token, and why in the user's terms (an unknown
// match module, an option of a module or target the verifier does not support, a command other
// than -A/-X, ...). The grammar lists only what the model can express, so "refused" usually
// means "not supported" rather than "malformed".
import type { Diagnostic } from '../../common/diagnostics.ts';
import { iptCodes } from './codes.ts';
import type { Where } from './context.ts';
import type { TemplateFailure } from './template.ts';
import { isPlain, looksLikeOption, PLACEHOLDER, TARGET_WORDS, type Tokens } from './tokenize.ts';

export interface LineFailure {
  /** Token index of the chain of an -A line (-1: not a rule line). */
  ruleChain: number;
  /** Token index of the -j/-g name, found by a plain scan (null: none). */
  targetName: number | null;
  diagnostic(pos: (at: number) => Where): Diagnostic;
}

/** The token is an option in the skeleton (plain, option-shaped, and not a free-text value); tokens completed. */
const isOptionToken = (tokens: Tokens, k: number): boolean =>
  k >= 0 &&
  k < tokens.count &&
  isPlain(tokens, k) &&
  looksLikeOption(tokens.texts[k]!) &&
  tokens.skeleton.startsWith(tokens.texts[k]!, tokens.skelStarts[k]!);

const JUMPS = new Set(['-j', '--jump', '-g', '--goto']);

/** The owner of the options around token `at`: the nearest -m NAME / -j NAME / -g NAME before it. */
function owner(tokens: Tokens, at: number): { kind: 'match' | 'target'; name: number } | null {
  for (let k = at - 1; k >= 1; k--) {
    if (!isOptionToken(tokens, k - 1)) continue;
    const opt = tokens.texts[k - 1]!;
    if (opt === '-m' || opt === '--match') return { kind: 'match', name: k };
    if (JUMPS.has(opt)) return { kind: 'target', name: k };
  }
  return null;
}

/** Each protocol's own match options: what iptables takes after `-p P` as if `-m P` preceded them. */
const PROTOCOL_OPTIONS: Readonly<Record<string, ReadonlySet<string>>> = {
  tcp: new Set(['--dport', '--sport', '--destination-port', '--source-port', '--tcp-flags', '--syn', '--tcp-option']),
  udp: new Set(['--dport', '--sport', '--destination-port', '--source-port']),
  sctp: new Set(['--dport', '--sport', '--destination-port', '--source-port', '--chunk-types']),
};

/**
 * The protocol of a `-p P` before token `at` whose own option `at` is, with no `-m P` in between:
 * iptables loads P's match implicitly there; iptables-save always writes `-m P`.
 */
function implicitProtocol(tokens: Tokens, at: number): string | null {
  let protocol: string | null = null;
  for (let k = 0; k + 1 < at; k++) {
    if (!isOptionToken(tokens, k)) continue;
    const opt = tokens.texts[k]!;
    const value = tokens.texts[k + 1]!;
    if ((opt === '-p' || opt === '--protocol') && value in PROTOCOL_OPTIONS) protocol = value;
    else if ((opt === '-m' || opt === '--match') && value === protocol) return null;
  }
  return protocol !== null && PROTOCOL_OPTIONS[protocol]!.has(tokens.texts[at]!) ? protocol : null;
}

const readable = (expected: string): string => expected.split(`"${PLACEHOLDER}"`).join('a value');

export function lineFailure(f: TemplateFailure, tokens: Tokens): LineFailure {
  const texts = tokens.texts;
  const n = tokens.count;
  const k0 = n > 1 && !looksLikeOption(texts[0]!) && texts[0] !== ':' && texts[0] !== '*' ? 1 : 0;
  const command = texts[k0] ?? '';
  const ruleChain = (command === '-A' || command === '--append') && k0 + 1 < n ? k0 + 1 : -1;
  let targetName: number | null = null;
  for (let k = k0; k + 1 < n; k++) {
    if (JUMPS.has(texts[k]!) && isOptionToken(tokens, k)) targetName = k + 1;
  }
  const diagnostic = (pos: (at: number) => Where): Diagnostic => {
    const at = f.at;
    if (at < 0) return iptCodes['ipt-syntax'](pos(-1), `the line ends too early; expected ${readable(f.expected)}`);
    const text = texts[at]!;
    if (at === k0 && looksLikeOption(text)) return iptCodes['ipt-unsupported-command'](pos(at), text);
    const prev = texts[at - 1];
    if ((prev === '-m' || prev === '--match') && isOptionToken(tokens, at - 1)) {
      return iptCodes['ipt-unsupported-match'](pos(at), text);
    }
    if (isOptionToken(tokens, at)) {
      const implicit = implicitProtocol(tokens, at);
      if (implicit !== null) return iptCodes['ipt-implicit-match'](pos(at), text, implicit);
      const o = owner(tokens, at);
      if (o === null) return iptCodes['ipt-unsupported-option'](pos(at), text, '');
      const name = texts[o.name]!;
      if (o.kind === 'match') return iptCodes['ipt-unsupported-option'](pos(at), text, `'-m ${name}'`);
      if (TARGET_WORDS.has(name)) return iptCodes['ipt-unsupported-option'](pos(at), text, `target ${name}`);
      return iptCodes['ipt-unsupported-target'](
        pos(o.name),
        name,
        ` (it takes option '${text}'; a jump to a chain takes no options)`,
      );
    }
    if (text === '!') return iptCodes['ipt-syntax'](pos(at), `'!' is not allowed here`);
    return iptCodes['ipt-syntax'](pos(at), `unexpected '${text}'; expected ${readable(f.expected)}`);
  };
  return { ruleChain, targetName, diagnostic };
}
