// The .ksvc vocabulary: chevrotain token types for the parser. grammar/lexer.ts reads the text into
// a handful of shapes (words, IPv6 literals, punctuation) and classifies every word by its text
// (keyword, number, number range, dotted address, or plain word). Keywords stay usable as names (a
// port named `http`, a namespace `local`, a node `node`): every keyword, number and dotted word also
// belongs to the `Name` category, which NAME positions consume.
import { createToken, type IToken, Lexer, type TokenType } from 'chevrotain';

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
// Lexed shapes (grammar/lexer.ts produces them; the patterns are documented there)

export const IPv6 = createToken({ name: 'IPv6', pattern: Lexer.NA, categories: [Address] });
/** A word that is not a keyword, a number, a number range or a dotted address. */
export const Word = createToken({ name: 'Word', pattern: Lexer.NA, categories: [Name] });
export const Arrow = createToken({ name: 'Arrow', pattern: Lexer.NA });
export const Dash = createToken({ name: 'Dash', pattern: Lexer.NA });
export const LBrace = createToken({ name: 'LBrace', pattern: Lexer.NA });
export const RBrace = createToken({ name: 'RBrace', pattern: Lexer.NA });
export const LBracket = createToken({ name: 'LBracket', pattern: Lexer.NA });
export const RBracket = createToken({ name: 'RBracket', pattern: Lexer.NA });
export const Slash = createToken({ name: 'Slash', pattern: Lexer.NA });
export const Colon = createToken({ name: 'Colon', pattern: Lexer.NA });
export const Comma = createToken({ name: 'Comma', pattern: Lexer.NA });
export const Equals = createToken({ name: 'Equals', pattern: Lexer.NA });

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

/** The keyword token types, by spelling (`Keyword.service`, `Keyword['not-ready']`). */
export const Keyword = {
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
  primary: kw('primary'),
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
  'for-zone': kw('for-zone'),
  'for-node': kw('for-node'),
  ports: kw('ports'),
  ready: kw('ready', ConditionCat),
  'not-ready': kw('not-ready', ConditionCat),
  serving: kw('serving', ConditionCat),
  'not-serving': kw('not-serving', ConditionCat),
  terminating: kw('terminating', ConditionCat),
} as const;

export const keywordByText: ReadonlyMap<string, TokenType> = new Map(Object.entries(Keyword));
export const KEYWORDS: readonly string[] = Object.keys(Keyword);

const lexedTokens = [IPv6, Word, Arrow, Dash, LBrace, RBrace, LBracket, RBracket, Slash, Colon, Comma, Equals];

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
  ...Object.values(Keyword),
];

/** Offset just past a token. */
export const endOf = (tok: IToken): number => tok.startOffset + tok.image.length;
