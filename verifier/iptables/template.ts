// The fast path's second half: match a line's skeleton with the ohm grammar once, and keep what
// the semantic actions build — a template that says which token index holds which value — for
// every later line with the same skeleton. A 10,000-service dump has ~430,000 lines but only a
// few dozen distinct skeletons, so ohm runs a few dozen times.
//
// The same semantics also runs on a real line matched directly (matchLineDirect); then token
// indexes refer to the leaf tokens ohm itself found and their texts come from the grammar's own
// unquoting. Tests compare the two paths on every corpus line.
import type { Grammar, MatchResult, Node, Semantics } from 'ohm-js';
import { iptablesGrammar } from './grammar.ts';
import type { Tokens } from './tokenize.ts';

/** One option as written: token indexes, never texts (the template is shared by many lines). */
export interface OptionUse {
  /** Canonical name: "-s", "-d", "-p", "-i", "-o", "-c", "--dport", "--ctstate", ... */
  name: string;
  /** Token index of the option itself. */
  at: number;
  /** A '!' stands before the option. */
  negated: boolean;
  /** Token index of a '!' written after the option (the old intrapositioned form), or -1. */
  lateBang: number;
  /** Token indexes of its values. */
  values: number[];
}

export interface MatchUse {
  module: string;
  /** Token index of the module name. */
  at: number;
  options: OptionUse[];
}

export interface TargetUse {
  kind: 'jump' | 'goto';
  /** Token index of -j / -g. */
  at: number;
  /** Token index of the target or chain name. */
  name: number;
  /** The target's name when it is one the grammar knows (ACCEPT, DNAT, ...); null for a chain name. */
  word: string | null;
  options: OptionUse[];
}

export type LineTemplate =
  | { kind: 'table'; name: number }
  | { kind: 'chain'; name: number; policy: number; counters: number | null }
  | { kind: 'commit' }
  | { kind: 'delete-chain'; at: number; chain: number; counters: number | null }
  | {
      kind: 'rule';
      /** The `[pkts:bytes]` prefix of `iptables-save -c`, or null. */
      counters: number | null;
      chain: number;
      /** -s, -d, -p, -i, -o in the order written. */
      header: OptionUse[];
      /** -c PKTS BYTES options. */
      setCounters: OptionUse[];
      matches: MatchUse[];
      /** Every -j / -g (more than one is an error the converter reports). */
      targets: TargetUse[];
    };

export type RuleTemplate = Extract<LineTemplate, { kind: 'rule' }>;

/** A skeleton the grammar refused: the token where matching failed (-1: the end of the line). */
export interface TemplateFailure {
  kind: 'failure';
  at: number;
  expected: string;
}

const CANONICAL: Record<string, string> = {
  '--source': '-s',
  '--src': '-s',
  '--destination': '-d',
  '--dst': '-d',
  '--protocol': '-p',
  '--in-interface': '-i',
  '--out-interface': '-o',
  '--set-counters': '-c',
  '--destination-port': '--dport',
  '--source-port': '--sport',
  '--destination-ports': '--dports',
  '--source-ports': '--sports',
};
const canonical = (name: string): string => CANONICAL[name] ?? name;

type Piece =
  | { kind: 'header' | 'counters' | 'option'; use: OptionUse }
  | { kind: 'match'; use: MatchUse }
  | { kind: 'target'; use: TargetUse };

// The leaf-token index of a node, valid while one match is being built (set by build()).
let leafIndex: Map<number, number> = new Map();
const ref = (n: Node): number => {
  const i = leafIndex.get(n.source.startIdx);
  if (i === undefined) throw new Error(`internal: no leaf token at ${n.source.startIdx}`);
  return i;
};
const optionalRef = (iter: Node): number | null => (iter.numChildren > 0 ? ref(iter.children[0]!) : null);

function option(bang: Node, name: Node, lateBang: Node | null, values: Node[]): OptionUse {
  return {
    name: canonical(name.sourceString),
    at: ref(name),
    negated: bang.numChildren > 0,
    lateBang: lateBang && lateBang.numChildren > 0 ? ref(lateBang.children[0]!) : -1,
    values: values.map(ref),
  };
}

/** A module or target group: its own options, and the generic items written among them. */
function group(items: Node): { own: OptionUse[]; rest: Piece[] } {
  const own: OptionUse[] = [];
  const rest: Piece[] = [];
  for (const child of items.children) {
    const p = child.build() as Piece;
    if (p.kind === 'option') own.push(p.use);
    else rest.push(p);
  }
  return { own, rest };
}

function moduleGroup(this: Node, name: Node, items: Node): Piece[] {
  const { own, rest } = group(items);
  return [{ kind: 'match', use: { module: name.sourceString, at: ref(name), options: own } }, ...rest];
}

function targetGroup(this: Node, name: Node, items: Node) {
  const { own, rest } = group(items);
  return { word: name.sourceString, name: ref(name), options: own, rest };
}

// Compiled on first use: commands that read no iptables text do not pay for it.
let compiled: { grammar: Grammar; semantics: Semantics } | undefined;

function ohmParts(): { grammar: Grammar; semantics: Semantics } {
  if (compiled) return compiled;
  const grammar = iptablesGrammar();
  const semantics = grammar.createSemantics();
  addOperations(semantics);
  compiled = { grammar, semantics };
  return compiled;
}

function addOperations(semantics: Semantics): void {
  semantics.addOperation<Node[]>('leaves', {
    _nonterminal(...children) {
      return children.flatMap((c) => c.leaves() as Node[]);
    },
    _iter(...children) {
      return children.flatMap((c) => c.leaves() as Node[]);
    },
    _terminal() {
      return [];
    },
    TableLine(star, name) {
      return [star, name];
    },
    ChainLine(colon, name, policy, counters) {
      return [colon, name, policy, ...(counters.leaves() as Node[])];
    },
    lit(_text) {
      return [this];
    },
    bang(_b) {
      return [this];
    },
    val(_v) {
      return [this];
    },
    anyVal(_v) {
      return [this];
    },
  });

  semantics.addOperation<string>('text', {
    val(v) {
      return v.text();
    },
    anyVal(v) {
      return v.text();
    },
    placeholder(_p) {
      return this.sourceString;
    },
    word_bare(chars, quoted) {
      return chars.sourceString + (quoted.numChildren > 0 ? quoted.children[0]!.text() : '');
    },
    word_quoted(quoted) {
      return quoted.text();
    },
    quoted(_open, chars, _close) {
      return chars.children.map((c) => c.text()).join('');
    },
    qchar_escape(_backslash, c) {
      return c.sourceString;
    },
    qchar_plain(c) {
      return c.sourceString;
    },
    _nonterminal(...children) {
      return children.length === 1 ? (children[0]!.text() as string) : this.sourceString;
    },
    _terminal() {
      return this.sourceString;
    },
  });

  semantics.addOperation<unknown>('build', {
    Line(line) {
      return line.build();
    },
    TableLine(_star, name) {
      return { kind: 'table', name: ref(name) };
    },
    ChainLine(_colon, name, policy, counters) {
      return { kind: 'chain', name: ref(name), policy: ref(policy), counters: optionalRef(counters) };
    },
    CommitLine(_c) {
      return { kind: 'commit' };
    },
    DeleteLine(counters, opt, chain) {
      return { kind: 'delete-chain', at: ref(opt), chain: ref(chain), counters: optionalRef(counters) };
    },
    RuleLine(counters, _append, chain, items) {
      const tpl: RuleTemplate = {
        kind: 'rule',
        counters: optionalRef(counters),
        chain: ref(chain),
        header: [],
        setCounters: [],
        matches: [],
        targets: [],
      };
      for (const item of items.children) {
        for (const p of item.build() as Piece[]) {
          if (p.kind === 'header') tpl.header.push(p.use);
          else if (p.kind === 'counters') tpl.setCounters.push(p.use);
          else if (p.kind === 'match') tpl.matches.push(p.use);
          else if (p.kind === 'target') tpl.targets.push(p.use);
        }
      }
      return tpl;
    },
    Item(item) {
      const built = item.build();
      return Array.isArray(built) ? built : [built];
    },
    Header(bang, name, lateBang, value) {
      return { kind: 'header', use: option(bang, name, lateBang, [value]) };
    },
    Counters(name, pkts, bytes) {
      return {
        kind: 'counters',
        use: {
          name: canonical(name.sourceString),
          at: ref(name),
          negated: false,
          lateBang: -1,
          values: [ref(pkts), ref(bytes)],
        },
      };
    },
    Match(_m, spec) {
      return spec.build();
    },
    MatchSpec(spec) {
      return spec.build();
    },
    Comment: moduleGroup,
    Tcp: moduleGroup,
    Udp: moduleGroup,
    Sctp: moduleGroup,
    Multiport: moduleGroup,
    Addrtype: moduleGroup,
    Conntrack: moduleGroup,
    State: moduleGroup,
    Mark: moduleGroup,
    Recent: moduleGroup,
    Statistic: moduleGroup,
    Nfacct: moduleGroup,
    Target_jump(opt, spec) {
      const t = spec.build() as ReturnType<typeof targetGroup>;
      const use: TargetUse = { kind: 'jump', at: ref(opt), name: t.name, word: t.word, options: t.options };
      return [{ kind: 'target', use }, ...t.rest];
    },
    Target_goto(opt, chain) {
      const use: TargetUse = { kind: 'goto', at: ref(opt), name: ref(chain), word: null, options: [] };
      return [{ kind: 'target', use }];
    },
    TargetSpec(spec) {
      return spec.build();
    },
    Reject: targetGroup,
    Dnat: targetGroup,
    Masquerade: targetGroup,
    MarkTarget: targetGroup,
    Verdict(name) {
      return { word: name.sourceString, name: ref(name), options: [], rest: [] };
    },
    ChainTarget(name) {
      return { word: null, name: ref(name), options: [], rest: [] };
    },
    Opt(bang, name, lateBang, value) {
      return { kind: 'option', use: option(bang, name, lateBang, [value]) };
    },
    Flag(bang, name) {
      return { kind: 'option', use: option(bang, name, null, []) };
    },
    Text(bang, name, value) {
      return { kind: 'option', use: option(bang, name, null, [value]) };
    },
    // Option-name rules (headerOpt, portOpt, ...) are passed as nodes; `lit` is read via sourceString.
  });
}

function buildFrom(m: MatchResult): { template: LineTemplate; leaves: Node[] } {
  const { semantics } = ohmParts();
  const leaves = semantics(m).leaves() as Node[];
  leafIndex = new Map(leaves.map((n, i) => [n.source.startIdx, i]));
  try {
    return { template: semantics(m).build() as LineTemplate, leaves };
  } finally {
    leafIndex = new Map();
  }
}

/** The token at a skeleton offset: the token there or the next one; -1 past the last token. */
function tokenAtSkeleton(tokens: Tokens, pos: number): number {
  const n = tokens.count;
  for (let k = 0; k < n; k++) {
    const end = k + 1 < n ? tokens.skelStarts[k + 1]! - 1 : tokens.skeleton.length;
    if (pos < end) return k;
  }
  return -1;
}

/** Match one skeleton (the cached path does this once per distinct skeleton). */
export function templateOfSkeleton(tokens: Tokens): LineTemplate | TemplateFailure {
  const m = ohmParts().grammar.match(tokens.skeleton);
  if (m.failed()) {
    return {
      kind: 'failure',
      at: tokenAtSkeleton(tokens, m.getRightmostFailurePosition()),
      expected: m.getExpectedText(),
    };
  }
  return buildFrom(m).template;
}

/** The template cache: skeleton -> template. Shared by every read (templates hold no line data). */
const cache = new Map<string, LineTemplate | TemplateFailure>();

export function cachedTemplate(tokens: Tokens): LineTemplate | TemplateFailure {
  let t = cache.get(tokens.skeleton);
  if (t === undefined) {
    t = templateOfSkeleton(tokens);
    cache.set(tokens.skeleton, t);
  }
  return t;
}

/** How many distinct skeletons have been matched (for tests and benchmarks). */
export const cachedSkeletonCount = (): number => cache.size;

/**
 * Match a whole real line with the grammar (no tokenizer, no cache): the template and the token
 * texts as ohm reads them. Used by tests to show the cached path means the same thing.
 */
export function matchLineDirect(
  line: string,
): { template: LineTemplate; texts: string[]; starts: number[]; ends: number[] } | { failed: string } {
  const m = ohmParts().grammar.match(line);
  if (m.failed()) return { failed: m.shortMessage };
  const { template, leaves } = buildFrom(m);
  return {
    template,
    texts: leaves.map((n) => n.text() as string),
    starts: leaves.map((n) => n.source.startIdx),
    ends: leaves.map((n) => n.source.endIdx),
  };
}
