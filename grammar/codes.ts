// Every diagnostic the lexer and parser can report. Messages are composed by grammar/messages.ts
// (they say what was expected in plain words), so most templates here take the finished text.
import { defineCodes } from '../common/diagnostics.ts';

const e = 'error' as const;

export const { codes: syntaxCodes, table: syntaxCodeTable } = defineCodes({
  /** A character no token can start with (e.g. '%', '@', a NUL byte). */
  'unexpected-character': {
    severity: e,
    message: (shown: string, count: number) =>
      count > 1 ? `unexpected characters ${shown} (${count} characters skipped)` : `unexpected character ${shown}`,
  },
  /** A token was required and something else (or the end of the file) was found. */
  'expected-token': { severity: e, message: (text: string) => text },
  /** A token that cannot start anything at this point (a stray word, a statement in the wrong block). */
  'unexpected-token': { severity: e, message: (text: string) => text },
  /**
   * A block whose closing '}' is missing. Its parts are arguments of their own, so that a long
   * name is cut alone and the rest of the sentence stays (a 253-character node name cut it off).
   */
  'missing-brace': {
    severity: e,
    message: (block: string, openedAt: string, reached: string) =>
      `missing '}' for the ${block} opened at ${openedAt}: reached ${reached}`,
  },
  /** `fd00::1:53` where `[fd00::1]:53` is required. */
  'ipv6-needs-brackets': {
    severity: e,
    message: (written: string) =>
      `IPv6 addresses in ip:port positions are written in brackets: '${written}' is ambiguous, write [ADDRESS]:PORT (e.g. [fd00::1]:53)`,
  },
  /** `10.0.0.1 on a on b`: an endpoint modifier that can appear only once. */
  'duplicate-endpoint-modifier': {
    severity: e,
    message: (modifier: string) =>
      `'${modifier}' is given twice for this endpoint; an endpoint has one ${modifier === 'on' ? 'node' : modifier}`,
  },
  /** A defect in the parser itself (it must never happen; the fuzz tests look for it). */
  'internal-parser-error': {
    severity: e,
    message: (detail: string) => `internal error in the .ksvc parser (please report it): ${detail}`,
  },
  /** Kubernetes YAML or JSON given where a .ksvc file is read: said once, not as a syntax error per line. */
  'kubernetes-input': {
    severity: e,
    message: (format: string) => `this is Kubernetes ${format}, not a .ksvc file`,
  },
  /**
   * A comment holding a control, bidirectional or invisible character (tab aside): kept as written,
   * but the file then shows one thing in an editor or terminal and holds another.
   */
  'comment-control-character': {
    severity: 'warning',
    message: (shown: string) =>
      `this comment holds ${shown}, a character a terminal or editor acts on or hides; it is kept as written`,
  },
  /** The cap on reported syntax errors was reached; the rest of the file was not checked. */
  'too-many-syntax-errors': {
    severity: e,
    message: (max: number) => `too many syntax errors (more than ${max}); stopped reading the file here`,
  },
});

export type SyntaxCode = keyof typeof syntaxCodeTable;
