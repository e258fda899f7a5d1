// Plain-word syntax error messages. chevrotain asks this provider for a message whenever a rule
// fails; we answer with "expected <what> after <previous>, found <actual>" in the user's vocabulary
// instead of a dump of token type names. The keywords that would have been valid ride along after
// a NUL separator so the driver (grammar/parse-ksvc.ts) can offer "did you mean ...?".

import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType, tokenMatcher } from 'chevrotain';
import { escapeControls } from '../common/diagnostics.ts';
import {
  Address,
  Arrow,
  ClientIPCat,
  Colon,
  Comma,
  ConditionCat,
  Dash,
  Equals,
  IPv4,
  IPv6,
  Keyword,
  LBrace,
  LBracket,
  Name,
  NoneCat,
  NumberRange,
  NumberTok,
  OnOffCat,
  PolicyCat,
  PortName,
  ProtocolCat,
  RBrace,
  RBracket,
  ServiceTypeCat,
  Slash,
} from './tokens.ts';

export const EXPECTED_SEPARATOR = '\u0000';

const descriptions = new Map<TokenType, string>([
  [Name, 'a name'],
  [PortName, 'a port name'],
  [NumberTok, 'a number'],
  [NumberRange, 'a number range'],
  [Address, 'an IP address'],
  [IPv4, 'an IPv4 address'],
  [IPv6, 'an IPv6 address'],
  [ServiceTypeCat, 'a service type (ClusterIP, NodePort or LoadBalancer)'],
  [ProtocolCat, 'a protocol (tcp, udp or sctp)'],
  [PolicyCat, 'a traffic policy (local or cluster)'],
  [ConditionCat, 'an endpoint condition (ready, not-ready, serving, not-serving or terminating)'],
  [OnOffCat, "'on' or 'off'"],
  [ClientIPCat, "'clientIP'"],
  [NoneCat, "'none'"],
  [Arrow, "'->'"],
  [Dash, "'-'"],
  [LBrace, "'{'"],
  [RBrace, "'}'"],
  [LBracket, "'['"],
  [RBracket, "']'"],
  [Slash, "'/'"],
  [Colon, "':'"],
  [Comma, "','"],
  [Equals, "'='"],
]);

/** Keywords are named by their text: the token type name is already "'word'". */
export const describeType = (t: TokenType): string => descriptions.get(t) ?? t.name;

/** How a token is shown in a message: quoted, shortened, control characters made visible. */
export function showToken(tok: IToken | undefined): string {
  if (tok === undefined || tok.tokenType === EOF) return 'the end of the file';
  let s = tok.image;
  if (s.length > 40) s = `${s.slice(0, 37)}...`;
  return `'${escapeControls(s)}'`;
}

const categoryMembers = new Map<TokenType, string[]>();
for (const [text, type] of Object.entries(Keyword)) {
  for (const cat of type.CATEGORIES ?? []) {
    if (cat === Name) continue;
    const list = categoryMembers.get(cat) ?? [];
    list.push(text);
    categoryMembers.set(cat, list);
  }
}

/** The keyword spellings a token type stands for (for "did you mean"). */
export function keywordsOf(t: TokenType): string[] {
  const members = categoryMembers.get(t);
  if (members) return members;
  const m = /^'(.*)'$/.exec(t.name);
  return m ? [m[1]!] : [];
}

const withExpected = (message: string, types: readonly TokenType[]): string => {
  const words = [...new Set(types.flatMap(keywordsOf))];
  return words.length > 0 ? `${message}${EXPECTED_SEPARATOR}${words.join(',')}` : message;
};

const after = (prev: IToken | undefined): string => {
  if (prev === undefined || prev.tokenType === EOF || Number.isNaN(prev.startOffset)) return '';
  if (tokenMatcher(prev, ProtocolCat)) return ' after the protocol';
  return ` after ${showToken(prev)}`;
};

/** `after(prev)`, unless the rule's own description already says what it follows ("… after 'masq'"). */
const afterUnlessSaid = (what: string, prev: IToken | undefined): string =>
  what.includes(' after ') ? '' : after(prev);

const is = (prev: IToken | undefined, t: TokenType): boolean =>
  prev !== undefined && prev.tokenType !== EOF && tokenMatcher(prev, t);

/** Wording for the places where the generic "expected X after Y" would be vague. */
function specificMismatch(rule: string, expected: TokenType, prev: IToken | undefined): string | undefined {
  if (expected === Slash && rule === 'portLine')
    return "expected '/' and a protocol after the port number (as in 10.0.0.1:53/udp)";
  if (expected === Slash && rule === 'cidr')
    return "expected '/' and a prefix length after the address (a CIDR such as 10.64.0.0/16)";
  if (expected === NumberTok && rule === 'cidr') return "expected a prefix length after '/'";
  if (expected === NumberTok && rule === 'hostPort') return "expected a port number after ':'";
  if (expected === Colon && rule === 'hostPort')
    return "expected ':' and a port number after the address (IP:PORT, e.g. 10.0.0.1:80)";
  if (expected === NumberTok && is(prev, Keyword.nodePort)) return "expected a port number after 'nodePort'";
  if (expected === Name && rule === 'portLine')
    return "expected a target port (a number or a port name) after 'endpoints:'";
  if (expected === Slash && rule === 'serviceBlock')
    return "expected '/' after the namespace: a service is written 'service NAMESPACE/NAME {'";
  if (expected === Name && rule === 'serviceBlock') {
    return is(prev, Slash) ? "expected the service name after '/'" : "expected 'NAMESPACE/NAME' after 'service'";
  }
  if (expected === Name && rule === 'nodeBlock') return "expected a node name after 'node'";
  if (expected === LBrace) return `expected '{' to open the block${after(prev)}`;
  return undefined;
}

/** Statements each block accepts, for the "unexpected X in the block" message. */
export const blockStatements: Record<
  'Cluster' | 'Node' | 'Service',
  { what: string; list: string; keywords: string[] }
> = {
  Cluster: {
    what: 'a cluster setting',
    list: "cluster settings: 'masq from outside ...', 'masq all', 'masq bit N', 'nodePort addresses ...', 'nodePort range A-B', 'localhost nodePorts on|off'",
    keywords: ['masq', 'nodePort', 'localhost'],
  },
  Node: {
    what: 'a node statement',
    list: "node statements: 'address IP, ...', 'podCIDR CIDR, ...', 'zone ZONE'",
    keywords: ['address', 'podCIDR', 'zone'],
  },
  Service: {
    what: 'a service statement',
    list:
      "service statements: a port line 'NAME: TYPE IP:PORT/PROTO -> endpoints', 'endpoints ...', 'externalIPs ...', 'loadBalancerIngress ...', " +
      "'loadBalancerSourceRanges ...', 'healthCheckNodePort N', 'externalTrafficPolicy ...', 'internalTrafficPolicy ...', 'sessionAffinity ...', 'masq from outside ...'",
    keywords: [
      'ClusterIP',
      'NodePort',
      'LoadBalancer',
      'endpoints',
      'externalIPs',
      'loadBalancerIngress',
      'loadBalancerSourceRanges',
      'healthCheckNodePort',
      'externalTrafficPolicy',
      'internalTrafficPolicy',
      'sessionAffinity',
      'masq',
    ],
  },
};

const bodyRules: Record<string, keyof typeof blockStatements> = {
  clusterBody: 'Cluster',
  nodeBody: 'Node',
  serviceBody: 'Service',
};

export const TOP_LEVEL_MESSAGE = "expected 'service NAMESPACE/NAME {', 'node NAME {' or 'cluster {' at the top level";

export const messageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    const body = bodyRules[ruleName];
    if (expected === RBrace && body !== undefined) {
      const s = blockStatements[body];
      return `unexpected ${showToken(actual)} in the ${body.toLowerCase()} block: expected ${s.what} or '}'${EXPECTED_SEPARATOR}${s.keywords.join(',')}${EXPECTED_SEPARATOR}${s.list}`;
    }
    const text =
      specificMismatch(ruleName, expected, previous) ?? `expected ${describeType(expected)}${after(previous)}`;
    return withExpected(`${text}, found ${showToken(actual)}`, [expected]);
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `${TOP_LEVEL_MESSAGE}, found ${showToken(firstRedundant)}${EXPECTED_SEPARATOR}service,node,cluster`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, customUserDescription }) {
    const firsts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0]!).filter((t) => t !== undefined));
    const what = customUserDescription ?? [...new Set(firsts.map(describeType))].join(' or ');
    return withExpected(`expected ${what}${afterUnlessSaid(what, previous)}, found ${showToken(actual[0])}`, firsts);
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, customUserDescription }) {
    const firsts = expectedIterationPaths.map((path) => path[0]!).filter((t) => t !== undefined);
    const what = customUserDescription ?? [...new Set(firsts.map(describeType))].join(' or ');
    return withExpected(`expected ${what}${afterUnlessSaid(what, previous)}, found ${showToken(actual[0])}`, firsts);
  },
};
