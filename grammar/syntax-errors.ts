// From a chevrotain error (whose message grammar/messages.ts wrote) to a located diagnostic, with
// the hints that need more context than the grammar rule has: the tokens around the error and the
// statement the parser was in (a missing ':' after a port name, a missing ',' between endpoints,
// `-> 8080` for `-> endpoints:8080`, ...).
import { EOF, type IToken, tokenMatcher } from 'chevrotain';
import type { Diagnostic } from '../common/diagnostics.ts';
import { closestKeyword } from '../common/did-you-mean.ts';
import { positionAt, type SourceFile, type Span, spanOf } from '../common/source.ts';
import { syntaxCodes } from './codes.ts';
import type { OpenBlock } from './grammar.ts';
import { EXPECTED_SEPARATOR, showToken } from './messages.ts';
import {
  Address,
  Colon,
  endOf,
  Keyword,
  keywordByText,
  LBracket,
  NumberTok,
  PortName,
  ServiceTypeCat,
  Word,
} from './tokens.ts';

interface ChevrotainError {
  name: string;
  message: string;
  token: IToken;
  previousToken?: IToken;
}

const ENDPOINT_MODIFIERS = [
  'on',
  'zone',
  'for-zone',
  'for-node',
  'ready',
  'not-ready',
  'serving',
  'not-serving',
  'terminating',
  'ports',
];
/** Words people write for an endpoint modifier (Kubernetes field names, other tenses). */
const MODIFIER_ALIASES: Record<string, string> = {
  node: 'on',
  nodeName: 'on',
  notready: 'not-ready',
  unready: 'not-ready',
  terminated: 'terminating',
  port: 'ports',
  notserving: 'not-serving',
};
const MODIFIER_HINT =
  "after an endpoint come its modifiers (on NODE, zone ZONE, for-zone ZONE, for-node NODE, ready, not-ready, serving, not-serving, terminating, ports NAME=PORT), then ',' and the next endpoint";

const isType = (tok: IToken | undefined, type: typeof Word): boolean =>
  tok !== undefined && tok.tokenType !== EOF && tokenMatcher(tok, type);

export function syntaxDiagnostic(
  source: SourceFile,
  err: ChevrotainError,
  idx: number,
  tokens: readonly IToken[],
  open: OpenBlock | null,
): Diagnostic {
  const tok = err.token;
  const atEnd = tok.tokenType === EOF || Number.isNaN(tok.startOffset);
  const [providerMessage, expectedCsv, fallbackHint] = err.message.split(EXPECTED_SEPARATOR) as [
    string,
    string | undefined,
    string | undefined,
  ];
  let message = providerMessage;
  let code: 'expected-token' | 'unexpected-token' =
    err.name === 'NotAllInputParsedException' || message.startsWith('unexpected ')
      ? 'unexpected-token'
      : 'expected-token';
  const prev =
    err.previousToken !== undefined && !Number.isNaN(err.previousToken.startOffset)
      ? err.previousToken
      : tokens[idx - 1];
  const next = tokens[idx + 1];
  const candidates = expectedCsv ? expectedCsv.split(',') : [];
  let hint: string | undefined;
  let at: Span | undefined;

  // Context-specific readings of an unexpected token inside a service.
  if (code === 'unexpected-token' && open?.kind === 'Service' && !atEnd) {
    const last = open.node.items.at(-1);
    const afterEndpoint = last?.kind === 'Endpoints' && prev !== undefined && endOf(prev) === last.span.end.offset;
    if (afterEndpoint && isType(tok, Address)) {
      code = 'expected-token';
      message = `expected ',' between endpoints, found ${showToken(tok)}`;
      hint = "separate endpoints with ','";
    } else if (afterEndpoint && tok.tokenType === Colon) {
      message = `unexpected ':' after the endpoint ${showToken(prev)}`;
      hint =
        "an endpoint has no port of its own: the port line's target gives it ('-> endpoints:8080'), or name it with 'ports NAME=PORT'";
    } else if (afterEndpoint) {
      message = `unexpected ${showToken(tok)} after an endpoint`;
      const s = MODIFIER_ALIASES[tok.image] ?? closestKeyword(tok.image, ENDPOINT_MODIFIERS);
      hint = s !== undefined ? `did you mean '${s}'? (${MODIFIER_HINT})` : MODIFIER_HINT;
    } else if ((isType(tok, Word) || keywordByText.has(tok.image)) && isType(next, ServiceTypeCat)) {
      code = 'expected-token';
      message = `expected ':' after the port name ${showToken(tok)}`;
      at = spanOf(source, endOf(tok), endOf(tok));
      hint = `a port line reads '${tok.image}: ${next!.image} IP:PORT/PROTO -> endpoints'`;
    }
  }
  if (hint === undefined && code === 'expected-token' && !atEnd) {
    // `[fd00::1]` outside an ip:port
    if (tok.tokenType === LBracket && message.startsWith('expected an IP address')) {
      hint = `addresses are written without brackets here (${tokens[idx + 1]?.image ?? 'fd00::1'}); brackets are only for [IPv6]:PORT in port lines`;
    }
    // `-> 8080` for `-> endpoints:8080`; a word close to 'endpoints' (`endpoint`, `Endpoints`) is
    // its typo: `-> endpoints:endpoint` would name a target port no endpoint has (every packet rejected)
    if (message.startsWith("expected 'endpoints' after '->'") && (isType(tok, NumberTok) || isType(tok, Word))) {
      hint =
        isType(tok, Word) && closestKeyword(tok.image, ['endpoints']) !== undefined
          ? "did you mean 'endpoints'?"
          : `write '-> endpoints:${tok.image}'`;
    }
    // `nodePort: 30080`: a keyword written like a port name
    if (tok.tokenType === PortName && keywordByText.has(tok.image)) {
      hint = `'${tok.image}' takes its value without ':' (write '${tok.image} ${tokens[idx + 2]?.image ?? 'VALUE'}')`;
    }
    if (hint === undefined && tok.tokenType === Keyword.endpoints && message.startsWith("expected '->'"))
      hint = "a port line reads 'NAME: TYPE IP:PORT/PROTO -> endpoints'";
  }
  if (hint === undefined && !atEnd && tok.image.length > 0) {
    const s = closestKeyword(tok.image, candidates);
    hint = s !== undefined ? `did you mean '${s}'?` : fallbackHint;
  }

  let span: Span;
  // "expected X after Y" where the offending token is on a later line: point just after Y.
  if (at !== undefined) {
    span = at;
  } else if (
    code === 'expected-token' &&
    prev !== undefined &&
    (atEnd || positionAt(source, endOf(prev) - 1).line !== positionAt(source, tok.startOffset).line)
  ) {
    span = spanOf(source, endOf(prev), endOf(prev));
  } else if (atEnd) {
    span = spanOf(source, source.text.length, source.text.length);
  } else {
    span = spanOf(source, tok.startOffset, endOf(tok));
  }
  return syntaxCodes[code]({ file: source.path, span, ...(hint !== undefined ? { hint } : {}) }, message);
}
