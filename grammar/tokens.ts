// The .ksvc vocabulary and lexer. The chevrotain lexer only knows a handful of shapes (words,
// IPv6 literals, punctuation, comments); every word is then classified by its text (keyword,
// number, number range, dotted address, or plain name). Classifying after lexing keeps keywords
// usable as names (a port named `http`, a namespace `local`, a node `node`): every keyword, number
// and dotted word also belongs to the `Name` category, which NAME positions consume.
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';

// ---------------------------------------------------------------------------------------------
// Categories (never lexed directly)

/** Anything that may stand where a name is expected. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA });
/** An IP address literal: a dotted word (IPv4, broadly) or an IPv6 literal. */
export const Address = createToken({ name: 'Address', pattern: Lexer.NA });
export const ServiceTypeCat = createToken({ name: 'ServiceType', pattern: Lexer.NA });
export const ProtocolCat = createToken({ name: 'Protocol', pattern: Lexer.NA });
export const PolicyCat = createToken({ name: 'Policy', pattern: Lexer.NA });
export const ConditionCat = createToken({ name: 'Condition', pattern: Lexer.NA });
export const OnOffCat = createToken({ name: 'OnOff', pattern: Lexer.NA });
export const ClientIPCat = createToken({ name: 'ClientIP', pattern: Lexer.NA });
export const NoneCat = createToken({ name: 'None', pattern: Lexer.NA });

// ---------------------------------------------------------------------------------------------
// Lexed shapes

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/, group: 'comments' });

// IPv6 needs two colons somewhere (`fd00::1`, `fd00:10:180::1`, `::ffff:1.2.3.4`), so `dns:`
// stays a name followed by ':'. Deliberately broad; the checker validates the address.
const ipv6Re = /[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*/y;
const hexStart = [...'0123456789abcdefABCDEF:'];
export const IPv6 = createToken({
  name: 'IPv6',
  pattern: {
    exec: (text: string, offset: number) => {
      ipv6Re.lastIndex = offset;
      return ipv6Re.exec(text);
    },
  },
  start_chars_hint: hexStart,
  line_breaks: false,
  categories: [Address],
});

// A word: letters, digits, '_', '.', '-' (but not the '-' of '->'), starting with a letter, digit or
// '_'. Non-ASCII letters are accepted so the checker, not the lexer, explains why a name is bad.
const wordRe = /[\p{L}\p{N}_](?:[\p{L}\p{N}_.]|-(?!>))*/uy;
const wordStart: string[] = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'];
for (let c = 0x80; c < 0x100; c++) wordStart.push(String.fromCharCode(c));
// chevrotain buckets char codes above 255 by 255; one representative per bucket is enough.
for (let c = 0x100, seen = new Set<number>(); c < 0x10000; c++) {
  const bucket = 255 + Math.floor(c / 255);
  if (!seen.has(bucket)) {
    seen.add(bucket);
    wordStart.push(String.fromCharCode(c));
  }
}
export const Word = createToken({
  name: 'Word',
  pattern: {
    exec: (text: string, offset: number) => {
      wordRe.lastIndex = offset;
      return wordRe.exec(text);
    },
  },
  start_chars_hint: wordStart,
  line_breaks: false,
  categories: [Name],
});

export const Arrow = createToken({ name: 'Arrow', pattern: /->/ });
export const Dash = createToken({ name: 'Dash', pattern: /-/ });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/ });
export const Slash = createToken({ name: 'Slash', pattern: /\// });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });

// ---------------------------------------------------------------------------------------------
// Word classes (assigned after lexing)

export const NumberTok = createToken({ name: 'Number', pattern: Lexer.NA, categories: [Name] });
/** `30000-32767` written as one word. */
export const NumberRange = createToken({ name: 'NumberRange', pattern: Lexer.NA, categories: [Name] });
/** Digits and dots with at least one dot: `10.0.0.1`, but also `10.1` or `300.1.1.1`. */
export const IPv4 = createToken({ name: 'IPv4', pattern: Lexer.NA, categories: [Name, Address] });
/** A word directly followed by ':' at the start of a port line (`dns:`). */
export const PortName = createToken({ name: 'PortName', pattern: Lexer.NA });

const kw = (word: string, ...categories: TokenType[]): TokenType =>
  createToken({ name: `'${word}'`, pattern: Lexer.NA, categories: [Name, ...categories] });

export const K = {
  cluster: kw('cluster', PolicyCat),
  node: kw('node'),
  service: kw('service'),
  masq: kw('masq'),
  from: kw('from'),
  outside: kw('outside'),
  all: kw('all'),
  bit: kw('bit'),
  nodePort: kw('nodePort'),
  addresses: kw('addresses'),
  range: kw('range'),
  localhost: kw('localhost'),
  nodePorts: kw('nodePorts'),
  on: kw('on', OnOffCat),
  off: kw('off', OnOffCat),
  podCIDR: kw('podCIDR'),
  interface: kw('interface'),
  prefix: kw('prefix'),
  address: kw('address'),
  externalIPs: kw('externalIPs'),
  loadBalancerIngress: kw('loadBalancerIngress'),
  loadBalancerSourceRanges: kw('loadBalancerSourceRanges'),
  healthCheckNodePort: kw('healthCheckNodePort'),
  endpoints: kw('endpoints'),
  ClusterIP: kw('ClusterIP', ServiceTypeCat),
  NodePort: kw('NodePort', ServiceTypeCat),
  LoadBalancer: kw('LoadBalancer', ServiceTypeCat),
  tcp: kw('tcp', ProtocolCat),
  udp: kw('udp', ProtocolCat),
  sctp: kw('sctp', ProtocolCat),
  externalTrafficPolicy: kw('externalTrafficPolicy'),
  internalTrafficPolicy: kw('internalTrafficPolicy'),
  sessionAffinity: kw('sessionAffinity'),
  clientIP: kw('clientIP', ClientIPCat),
  ClientIP: kw('ClientIP', ClientIPCat),
  none: kw('none', NoneCat),
  None: kw('None', NoneCat),
  local: kw('local', PolicyCat),
  Local: kw('Local', PolicyCat),
  Cluster: kw('Cluster', PolicyCat),
  zone: kw('zone'),
  ports: kw('ports'),
  ready: kw('ready', ConditionCat),
  'not-ready': kw('not-ready', ConditionCat),
  serving: kw('serving', ConditionCat),
  'not-serving': kw('not-serving', ConditionCat),
  terminating: kw('terminating', ConditionCat),
} as const;

export const keywordByText: ReadonlyMap<string, TokenType> = new Map(Object.entries(K));
export const KEYWORDS: readonly string[] = Object.keys(K);

const lexedTokens = [WhiteSpace, Comment, IPv6, Word, Arrow, Dash, LBrace, RBrace, LBracket, RBracket, Slash, Colon, Comma, Equals];

/** Every token type the parser may see (the parser's vocabulary). */
export const allTokens: TokenType[] = [
  Name,
  Address,
  ServiceTypeCat,
  ProtocolCat,
  PolicyCat,
  ConditionCat,
  OnOffCat,
  ClientIPCat,
  NoneCat,
  ...lexedTokens,
  NumberTok,
  NumberRange,
  IPv4,
  PortName,
  ...Object.values(K),
];

export const ksvcLexer = new Lexer(lexedTokens, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: true,
});

/** Offset just past a token (the lexer tracks start offsets only; images are exact). */
export const endOf = (tok: IToken): number => tok.startOffset + tok.image.length;

function retype(tok: IToken, type: TokenType): void {
  tok.tokenType = type;
  tok.tokenTypeIdx = type.tokenTypeIdx!;
}

const numberRe = /^[0-9]+$/;
const rangeRe = /^[0-9]+-[0-9]+$/;
const dottedRe = /^[0-9][0-9.]*\.[0-9.]*$/;

/**
 * Give every word its class. A word (or keyword, or number) right before ':' is a port name, unless
 * it is the `endpoints` of `-> endpoints:8080`.
 */
export function classifyTokens(tokens: IToken[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.tokenType !== Word) continue;
    const text = tok.image;
    const next = tokens[i + 1];
    const keyword = keywordByText.get(text);
    if (next !== undefined && next.tokenType === Colon && !dottedRe.test(text)) {
      const prev = tokens[i - 1];
      if (!(keyword === K.endpoints && prev !== undefined && prev.tokenType === Arrow)) {
        retype(tok, PortName);
        continue;
      }
    }
    if (keyword !== undefined) retype(tok, keyword);
    else if (numberRe.test(text)) retype(tok, NumberTok);
    else if (rangeRe.test(text)) retype(tok, NumberRange);
    else if (dottedRe.test(text)) retype(tok, IPv4);
  }
}
