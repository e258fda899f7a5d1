// The chevrotain grammar of .ksvc, building the AST directly (embedded actions). Decisions are LL(1)
// wherever the language allows it (port lines start with a PortName token, see tokens.ts), so an
// error is reported inside the statement the user was writing, with a specific message.
//
// Recovery is driven from grammar/parse.ts: chevrotain's own recovery is off, every parse runs until
// its first error, and the driver re-enters the grammar at the next statement or block (the `*Rest`
// entry rules). Blocks are therefore attached to the file as soon as their header is read and
// statements as soon as they are complete, so a failed parse still leaves everything before it.
import {
  type DSLMethodOpts,
  EmbeddedActionsParser,
  type IOrAlt,
  type IToken,
  type OrMethodOpts,
  tokenMatcher,
} from 'chevrotain';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { Protocol, ServiceType, TrafficPolicy } from '../common/kubernetes.ts';
import { type Position, positionAt, type SourceFile, type Span } from '../common/source.ts';
import type {
  AddressLit,
  CidrLit,
  ClusterBlock,
  ClusterSetting,
  DetectorSpec,
  EndpointCondition,
  EndpointEntry,
  FileNode,
  Located,
  MasqFromOutside,
  NodeBlock,
  NodeStatement,
  PortLine,
  ServiceAttribute,
  ServiceBlock,
  ServiceItem,
} from './ast.ts';
import { syntaxCodes } from './codes.ts';
import { messageProvider } from './messages.ts';
import {
  Address,
  Arrow,
  allTokens,
  ClientIPCat,
  Colon,
  Comma,
  ConditionCat,
  Dash,
  Equals,
  endOf,
  IPv4,
  IPv6,
  K,
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

export type OpenBlock =
  | { kind: 'Cluster'; node: ClusterBlock }
  | { kind: 'Node'; node: NodeBlock }
  | { kind: 'Service'; node: ServiceBlock };

/** A placeholder while chevrotain records the grammar (rule bodies run once with dummy tokens). */
const RECORDING_SPAN: Span = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

const joinSpans = (a: Span, b: Span): Span => ({ start: a.start, end: b.end });

function detectorSpan(d: DetectorSpec): Span {
  switch (d.kind) {
    case 'Cidr':
      return d.cidr.span;
    case 'NodePodCIDR':
      return d.span;
    case 'BridgeInterface':
      return d.name.span;
    case 'InterfaceNamePrefix':
      return d.prefix.span;
  }
}

type HostPort = { address: AddressLit; bracketed: boolean; port: Located<number> };

const policyOf = (image: string): TrafficPolicy => (image === 'local' || image === 'Local' ? 'Local' : 'Cluster');

export class KsvcParser extends EmbeddedActionsParser {
  private src: SourceFile = { path: '', text: '', lineStarts: [0] };
  private out: FileNode | null = null;
  /** The block whose '{' was read and whose '}' was not (yet). */
  open: OpenBlock | null = null;
  /** Errors found while the grammar itself succeeded (e.g. an unbracketed IPv6 host:port). */
  extra: Diagnostic[] = [];

  constructor() {
    super(allTokens, { maxLookahead: 3, recoveryEnabled: false, errorMessageProvider: messageProvider });
    this.performSelfAnalysis();
  }

  /** Drop the references to the last file, so the shared parser does not keep it alive. */
  finish(): void {
    this.src = { path: '', text: '', lineStarts: [0] };
    this.out = null;
    this.open = null;
    this.extra = [];
    this.input = [];
  }

  /** Start a new file: parse results are attached to `file` as they are recognised. */
  begin(source: SourceFile, file: FileNode): void {
    this.src = source;
    this.out = file;
    this.open = null;
    this.extra = [];
    this.line = 0;
  }

  // Positions are computed with a cursor on the current line: the parser moves forward, so this
  // is almost always a comparison or two instead of a binary search.
  private line = 0;

  private position(offset: number): Position {
    const starts = this.src.lineStarts;
    let i = this.line;
    if (starts[i]! > offset || (i + 1 < starts.length && starts[i + 1]! <= offset)) {
      if (i + 2 < starts.length && starts[i + 1]! <= offset && starts[i + 2]! > offset) i++;
      else i = positionAt(this.src, offset).line - 1;
      this.line = i;
    }
    return { line: i + 1, column: offset - starts[i]! + 1, offset };
  }

  private spanAt(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }

  private span(a: IToken, b: IToken): Span {
    return this.spanAt(a.startOffset, endOf(b));
  }

  private loc<T>(tok: IToken, value: T): Located<T> {
    return { value, span: this.span(tok, tok) };
  }

  private num(tok: IToken): Located<number> {
    return this.loc(tok, Number(tok.image));
  }

  private openBlock(b: OpenBlock): void {
    this.out!.blocks.push(b.node);
    this.open = b;
  }

  private closeBlock(rb: IToken): void {
    if (this.open) this.open.node.span = joinSpans(this.open.node.span, this.span(rb, rb));
    this.open = null;
  }

  // -------------------------------------------------------------------------------------------
  // Entry points: a whole file, or the rest of a file from inside a block body.
  //
  // Performance note: alternatives and repetition options are built once (fields below), not per
  // call: tsx compiles with esbuild's keepNames, which makes every named closure created in a hot
  // path cost a defineProperty call.

  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.block));
  });

  clusterRest = this.RULE('clusterRest', () => {
    this.SUBRULE(this.clusterBody);
    this.MANY(() => this.SUBRULE(this.block));
  });

  nodeRest = this.RULE('nodeRest', () => {
    this.SUBRULE(this.nodeBody);
    this.MANY(() => this.SUBRULE(this.block));
  });

  serviceRest = this.RULE('serviceRest', () => {
    this.SUBRULE(this.serviceBody);
    this.MANY(() => this.SUBRULE(this.block));
  });

  private readonly blockAlts: IOrAlt<void>[] = [
    { ALT: () => this.SUBRULE(this.clusterBlock) },
    { ALT: () => this.SUBRULE(this.nodeBlock) },
    { ALT: () => this.SUBRULE(this.serviceBlock) },
  ];
  private block = this.RULE('block', () => {
    this.OR(this.blockAlts);
  });

  // -------------------------------------------------------------------------------------------
  // cluster { ... }

  private clusterBlock = this.RULE('clusterBlock', () => {
    const kw = this.CONSUME(K.cluster);
    const lb = this.CONSUME(LBrace);
    this.ACTION(() =>
      this.openBlock({ kind: 'Cluster', node: { kind: 'Cluster', span: this.span(kw, lb), settings: [] } }),
    );
    this.SUBRULE(this.clusterBody);
  });

  private clusterBody = this.RULE('clusterBody', () => {
    this.MANY(() => {
      const s = this.SUBRULE(this.clusterSetting);
      this.ACTION(() => {
        if (this.open?.kind === 'Cluster') this.open.node.settings.push(s);
      });
    });
    const rb = this.CONSUME(RBrace);
    this.ACTION(() => this.closeBlock(rb));
  });

  private readonly clusterSettingAlts: OrMethodOpts<ClusterSetting> = {
    ERR_MSG: "a cluster setting ('masq', 'nodePort' or 'localhost nodePorts')",
    DEF: [
      { ALT: () => this.SUBRULE(this.clusterMasq) },
      { ALT: () => this.SUBRULE(this.clusterNodePort) },
      { ALT: () => this.SUBRULE(this.clusterLocalhost) },
    ],
  };
  private clusterSetting = this.RULE('clusterSetting', (): ClusterSetting => this.OR(this.clusterSettingAlts));

  private clusterLocalhost = this.RULE('clusterLocalhost', (): ClusterSetting => {
    const kw = this.CONSUME(K.localhost);
    this.CONSUME(K.nodePorts);
    const v = this.CONSUME(OnOffCat);
    return this.ACTION(() => ({
      kind: 'LocalhostNodePorts' as const,
      span: this.span(kw, v),
      enabled: this.loc(v, v.image === 'on'),
    }));
  });

  private readonly masqAlts: OrMethodOpts<{ all?: IToken; bit?: IToken; detector?: DetectorSpec }> = {
    ERR_MSG: "'from outside', 'all' or 'bit' after 'masq'",
    DEF: [
      { ALT: () => ({ detector: this.SUBRULE(this.fromOutside) }) },
      { ALT: () => ({ all: this.CONSUME(K.all) }) },
      {
        ALT: () => {
          this.CONSUME(K.bit);
          return { bit: this.CONSUME(NumberTok) };
        },
      },
    ],
  };
  private clusterMasq = this.RULE('clusterMasq', (): ClusterSetting => {
    const m = this.CONSUME(K.masq);
    const r = this.OR(this.masqAlts);
    return this.ACTION((): ClusterSetting => {
      if (r.all) return { kind: 'MasqAll', span: this.span(m, r.all) };
      if (r.bit) return { kind: 'MasqBit', span: this.span(m, r.bit), bit: this.num(r.bit) };
      return this.masqFromOutside(m, r.detector!);
    });
  });

  private readonly rangeAlts: OrMethodOpts<{ min: Located<number>; max: Located<number>; end: IToken }> = {
    ERR_MSG: 'a port range such as 30000-32767',
    DEF: [
      {
        ALT: () => {
          const r = this.CONSUME(NumberRange);
          return this.ACTION(() => {
            const dash = r.image.indexOf('-');
            const min = {
              value: Number(r.image.slice(0, dash)),
              span: this.spanAt(r.startOffset, r.startOffset + dash),
            };
            const max = {
              value: Number(r.image.slice(dash + 1)),
              span: this.spanAt(r.startOffset + dash + 1, endOf(r)),
            };
            return { min, max, end: r };
          });
        },
      },
      {
        ALT: () => {
          const lo = this.CONSUME(NumberTok);
          this.CONSUME(Dash);
          const hi = this.CONSUME2(NumberTok);
          return this.ACTION(() => ({ min: this.num(lo), max: this.num(hi), end: hi }));
        },
      },
    ],
  };
  private readonly nodePortAlts: OrMethodOpts<{
    cidrs?: CidrLit[];
    range?: { min: Located<number>; max: Located<number>; end: IToken };
  }> = {
    ERR_MSG: "'addresses' or 'range' after 'nodePort'",
    DEF: [
      {
        ALT: () => {
          this.CONSUME(K.addresses);
          return { cidrs: this.SUBRULE(this.cidrList) };
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.range);
          return { range: this.OR2(this.rangeAlts) };
        },
      },
    ],
  };
  private clusterNodePort = this.RULE('clusterNodePort', (): ClusterSetting => {
    const kw = this.CONSUME(K.nodePort);
    const r = this.OR(this.nodePortAlts);
    return this.ACTION((): ClusterSetting => {
      if (r.cidrs)
        return { kind: 'NodePortAddresses', span: joinSpans(this.span(kw, kw), r.cidrs.at(-1)!.span), cidrs: r.cidrs };
      const g = r.range!;
      return { kind: 'NodePortRange', span: this.span(kw, g.end), min: g.min, max: g.max };
    });
  });

  /** `from outside DETECTOR`, after a `masq` the caller consumed. */
  private fromOutside = this.RULE('fromOutside', (): DetectorSpec => {
    this.CONSUME(K.from);
    this.CONSUME(K.outside);
    return this.SUBRULE(this.detector);
  });

  private masqFromOutside(m: IToken, detector: DetectorSpec): MasqFromOutside {
    return { kind: 'MasqFromOutside', span: joinSpans(this.span(m, m), detectorSpan(detector)), detector };
  }

  private readonly interfaceAlts: OrMethodOpts<DetectorSpec> = {
    // `interface prefix veth` is the prefix mode; an interface literally named "prefix" still works
    // when nothing name-like follows it.
    IGNORE_AMBIGUITIES: true,
    ERR_MSG: "an interface name or 'prefix NAME' after 'interface'",
    DEF: [
      {
        ALT: () => {
          this.CONSUME(K.prefix);
          const name = this.CONSUME(Name);
          return this.ACTION(() => ({ kind: 'InterfaceNamePrefix' as const, prefix: this.loc(name, name.image) }));
        },
      },
      {
        ALT: () => {
          const name = this.CONSUME2(Name);
          return this.ACTION(() => ({ kind: 'BridgeInterface' as const, name: this.loc(name, name.image) }));
        },
      },
    ],
  };
  private readonly detectorAlts: OrMethodOpts<DetectorSpec> = {
    ERR_MSG:
      "a local-traffic detector after 'masq from outside' (a CIDR, 'node podCIDR', 'interface NAME' or 'interface prefix NAME')",
    DEF: [
      { ALT: () => ({ kind: 'Cidr' as const, cidr: this.SUBRULE(this.cidr) }) },
      {
        ALT: () => {
          const n = this.CONSUME(K.node);
          const p = this.CONSUME(K.podCIDR);
          return this.ACTION(() => ({ kind: 'NodePodCIDR' as const, span: this.span(n, p) }));
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.interface);
          return this.OR2(this.interfaceAlts);
        },
      },
    ],
  };
  private detector = this.RULE('detector', (): DetectorSpec => this.OR(this.detectorAlts));

  // -------------------------------------------------------------------------------------------
  // node NAME { ... }

  private nodeBlock = this.RULE('nodeBlock', () => {
    const kw = this.CONSUME(K.node);
    const name = this.CONSUME(Name);
    const lb = this.CONSUME(LBrace);
    this.ACTION(() =>
      this.openBlock({
        kind: 'Node',
        node: { kind: 'Node', span: this.span(kw, lb), name: this.loc(name, name.image), statements: [] },
      }),
    );
    this.SUBRULE(this.nodeBody);
  });

  private nodeBody = this.RULE('nodeBody', () => {
    this.MANY(() => {
      const s = this.SUBRULE(this.nodeStatement);
      this.ACTION(() => {
        if (this.open?.kind === 'Node') this.open.node.statements.push(s);
      });
    });
    const rb = this.CONSUME(RBrace);
    this.ACTION(() => this.closeBlock(rb));
  });

  private readonly nodeStatementAlts: OrMethodOpts<NodeStatement> = {
    ERR_MSG: "a node statement ('address' or 'podCIDR')",
    DEF: [
      {
        ALT: () => {
          const kw = this.CONSUME(K.address);
          const addresses = this.SUBRULE(this.addressList);
          return this.ACTION(() => ({
            kind: 'NodeAddress' as const,
            span: joinSpans(this.span(kw, kw), addresses.at(-1)!.span),
            addresses,
          }));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(K.podCIDR);
          const cidrs = this.SUBRULE(this.cidrList);
          return this.ACTION(() => ({
            kind: 'NodePodCIDRs' as const,
            span: joinSpans(this.span(kw, kw), cidrs.at(-1)!.span),
            cidrs,
          }));
        },
      },
    ],
  };
  private nodeStatement = this.RULE('nodeStatement', (): NodeStatement => this.OR(this.nodeStatementAlts));

  // -------------------------------------------------------------------------------------------
  // service NAMESPACE/NAME { ... }

  private serviceBlock = this.RULE('serviceBlock', () => {
    const kw = this.CONSUME(K.service);
    const ns = this.CONSUME(Name);
    this.CONSUME(Slash);
    const name = this.CONSUME2(Name);
    const lb = this.CONSUME(LBrace);
    this.ACTION(() =>
      this.openBlock({
        kind: 'Service',
        node: {
          kind: 'Service',
          span: this.span(kw, lb),
          namespace: this.loc(ns, ns.image),
          name: this.loc(name, name.image),
          items: [],
        },
      }),
    );
    this.SUBRULE(this.serviceBody);
  });

  private serviceBody = this.RULE('serviceBody', () => {
    this.MANY(() => {
      const item = this.SUBRULE(this.serviceItem);
      this.ACTION(() => {
        if (this.open?.kind === 'Service') this.open.node.items.push(item);
      });
    });
    const rb = this.CONSUME(RBrace);
    this.ACTION(() => this.closeBlock(rb));
  });

  private readonly serviceItemAlts: OrMethodOpts<ServiceItem> = {
    ERR_MSG: 'a service statement',
    DEF: [
      { ALT: () => this.SUBRULE(this.portLine) },
      { ALT: () => this.SUBRULE(this.attribute) },
      {
        ALT: () => {
          const kw = this.CONSUME(K.externalIPs);
          const addresses = this.SUBRULE(this.addressList);
          return this.ACTION(() => ({
            kind: 'ExternalIPs' as const,
            span: joinSpans(this.span(kw, kw), addresses.at(-1)!.span),
            addresses,
          }));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(K.loadBalancerIngress);
          const addresses = this.SUBRULE2(this.addressList);
          return this.ACTION(() => ({
            kind: 'LoadBalancerIngress' as const,
            span: joinSpans(this.span(kw, kw), addresses.at(-1)!.span),
            addresses,
          }));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(K.loadBalancerSourceRanges);
          const cidrs = this.SUBRULE(this.cidrList);
          return this.ACTION(() => ({
            kind: 'LoadBalancerSourceRanges' as const,
            span: joinSpans(this.span(kw, kw), cidrs.at(-1)!.span),
            cidrs,
          }));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(K.healthCheckNodePort);
          const n = this.CONSUME(NumberTok);
          return this.ACTION(() => ({
            kind: 'HealthCheckNodePort' as const,
            span: this.span(kw, n),
            port: this.num(n),
          }));
        },
      },
      { ALT: () => this.SUBRULE(this.endpointsStatement) },
    ],
  };
  private serviceItem = this.RULE('serviceItem', (): ServiceItem => this.OR(this.serviceItemAlts));

  private endpointsStatement = this.RULE('endpointsStatement', (): ServiceItem => {
    const kw = this.CONSUME(K.endpoints);
    const first = this.SUBRULE(this.endpoint);
    const endpoints: EndpointEntry[] = [first];
    this.MANY(() => {
      this.CONSUME(Comma);
      const e = this.SUBRULE2(this.endpoint);
      this.ACTION(() => endpoints.push(e));
    });
    return this.ACTION(() => ({
      kind: 'Endpoints' as const,
      span: joinSpans(this.span(kw, kw), endpoints.at(-1)!.span),
      endpoints,
    }));
  });

  private portLine = this.RULE('portLine', (): PortLine => {
    let name: IToken | null = null;
    this.OPTION(() => {
      name = this.CONSUME(PortName);
      this.CONSUME(Colon);
    });
    const type = this.CONSUME(ServiceTypeCat);
    const hp = this.SUBRULE(this.hostPort);
    this.CONSUME(Slash);
    const proto = this.CONSUME(ProtocolCat);
    let nodePort: IToken | null = null;
    this.OPTION2(() => {
      this.CONSUME(K.nodePort);
      nodePort = this.CONSUME(NumberTok);
    });
    this.CONSUME(Arrow);
    let last = this.CONSUME(K.endpoints);
    let target: IToken | null = null;
    this.OPTION3(() => {
      this.CONSUME2(Colon);
      target = this.CONSUME(Name);
      last = target;
    });
    const clauses: ServiceAttribute[] = [];
    this.MANY(() => {
      this.CONSUME(Comma);
      const c = this.SUBRULE(this.attribute);
      this.ACTION(() => clauses.push(c));
    });
    return this.ACTION(() => {
      const n = name as IToken | null;
      const t = target as IToken | null;
      const np = nodePort as IToken | null;
      const end = clauses.length > 0 ? clauses.at(-1)!.span : this.span(last, last);
      return {
        kind: 'Port' as const,
        span: joinSpans(this.span(n ?? type, n ?? type), end),
        name: n === null ? null : this.loc(n, n.image),
        type: this.loc(type, type.image as ServiceType),
        clusterIP: hp.address,
        bracketed: hp.bracketed,
        port: hp.port,
        protocol: this.loc(proto, proto.image as Protocol),
        nodePort: np === null ? null : this.num(np),
        targetPort: t === null ? null : tokenMatcher(t, NumberTok) ? this.num(t) : this.loc(t, t.image),
        clauses,
      };
    });
  });

  private readonly hostPortAlts: OrMethodOpts<HostPort> = {
    ERR_MSG: 'a cluster IP and port (IP:PORT, or [IPv6]:PORT)',
    DEF: [
      {
        ALT: () => {
          this.CONSUME(LBracket);
          const address = this.SUBRULE(this.address);
          this.CONSUME(RBracket);
          this.CONSUME(Colon);
          const p = this.CONSUME(NumberTok);
          return this.ACTION(() => ({ address, bracketed: true, port: this.num(p) }));
        },
      },
      {
        ALT: () => {
          const a = this.CONSUME(IPv4);
          this.CONSUME2(Colon);
          const p = this.CONSUME2(NumberTok);
          return this.ACTION(() => ({
            address: { kind: 'Address' as const, text: a.image, span: this.span(a, a) },
            bracketed: false,
            port: this.num(p),
          }));
        },
      },
      {
        ALT: () => {
          const tok = this.CONSUME(IPv6);
          return this.ACTION(() => this.unbracketedIPv6(tok));
        },
      },
    ],
  };
  private hostPort = this.RULE('hostPort', (): HostPort => this.OR(this.hostPortAlts));

  /** `fd00::10:53` — report it, and read the last group as the port so parsing can go on. */
  private unbracketedIPv6(tok: IToken): HostPort {
    const text = tok.image;
    const cut = text.lastIndexOf(':');
    const head = text.slice(0, cut);
    const tail = text.slice(cut + 1);
    const splits =
      /^[0-9]{1,5}$/.test(tail) && (head.includes('::') || head.split(':').length >= 3) && !head.endsWith(':');
    const hint = splits ? `write [${head}]:${tail}` : `write [${text}]:PORT`;
    this.extra.push(syntaxCodes['ipv6-needs-brackets']({ file: this.src.path, span: this.span(tok, tok), hint }, text));
    if (!splits) {
      return {
        address: { kind: 'Address', text, span: this.span(tok, tok) },
        bracketed: false,
        port: { value: 0, span: this.span(tok, tok) },
      };
    }
    const start = tok.startOffset;
    return {
      address: { kind: 'Address', text: head, span: this.spanAt(start, start + cut) },
      bracketed: false,
      port: { value: Number(tail), span: this.spanAt(start + cut + 1, endOf(tok)) },
    };
  }

  private readonly affinityAlts: OrMethodOpts<{ value: IToken; timeout: IToken | null }> = {
    ERR_MSG: "'clientIP [TIMEOUT]' or 'none' after 'sessionAffinity'",
    DEF: [
      {
        ALT: () => {
          const value = this.CONSUME(ClientIPCat);
          let timeout: IToken | null = null;
          this.OPTION(() => {
            timeout = this.CONSUME(NumberTok);
          });
          return { value, timeout };
        },
      },
      { ALT: () => ({ value: this.CONSUME(NoneCat), timeout: null }) },
    ],
  };
  private readonly attributeAlts: OrMethodOpts<ServiceAttribute> = {
    ERR_MSG:
      "a service attribute (externalTrafficPolicy, internalTrafficPolicy, sessionAffinity or 'masq from outside')",
    DEF: [
      {
        ALT: () => {
          const kw = this.CONSUME(K.externalTrafficPolicy);
          const p = this.CONSUME(PolicyCat);
          return this.ACTION(() => ({
            kind: 'ExternalTrafficPolicy' as const,
            span: this.span(kw, p),
            policy: this.loc(p, policyOf(p.image)),
          }));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(K.internalTrafficPolicy);
          const p = this.CONSUME2(PolicyCat);
          return this.ACTION(() => ({
            kind: 'InternalTrafficPolicy' as const,
            span: this.span(kw, p),
            policy: this.loc(p, policyOf(p.image)),
          }));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(K.sessionAffinity);
          const r = this.OR2(this.affinityAlts);
          return this.ACTION(() => {
            const clientIP = tokenMatcher(r.value, ClientIPCat);
            return {
              kind: 'SessionAffinity' as const,
              span: this.span(kw, r.timeout ?? r.value),
              affinity: this.loc(r.value, clientIP ? ('ClientIP' as const) : ('None' as const)),
              timeout: r.timeout === null ? null : this.num(r.timeout),
            };
          });
        },
      },
      {
        ALT: () => {
          const m = this.CONSUME(K.masq);
          const detector = this.SUBRULE(this.fromOutside);
          return this.ACTION(() => this.masqFromOutside(m, detector));
        },
      },
    ],
  };
  private attribute = this.RULE('attribute', (): ServiceAttribute => this.OR(this.attributeAlts));

  // One endpoint and its modifiers. The modifiers write into `this.entry` (endpoints do not nest),
  // so the alternatives can be built once.
  private entry: EndpointEntry | null = null;
  private entryEnd: Span | null = null;

  private duplicate(kw: IToken): void {
    this.extra.push(
      syntaxCodes['duplicate-endpoint-modifier']({ file: this.src.path, span: this.span(kw, kw) }, kw.image),
    );
  }

  private readonly portPairs: DSLMethodOpts<void> = {
    // More NAME=PORT pairs only while a '=' follows: `on`, `zone`, ... are names too.
    GATE: () => tokenMatcher(this.LA(2), Equals),
    DEF: () => this.SUBRULE2(this.portPair),
  };
  private readonly modifierAlts: IOrAlt<void>[] = [
    {
      ALT: () => {
        const kw = this.CONSUME(K.on);
        const n = this.CONSUME(Name);
        if (this.RECORDING_PHASE) return;
        const e = this.entry!;
        if (e.node !== null) this.duplicate(kw);
        e.node = this.loc(n, n.image);
        this.entryEnd = e.node.span;
      },
    },
    {
      ALT: () => {
        const kw = this.CONSUME(K.zone);
        const z = this.CONSUME2(Name);
        if (this.RECORDING_PHASE) return;
        const e = this.entry!;
        if (e.zone !== null) this.duplicate(kw);
        e.zone = this.loc(z, z.image);
        this.entryEnd = e.zone.span;
      },
    },
    {
      ALT: () => {
        const c = this.CONSUME(ConditionCat);
        if (this.RECORDING_PHASE) return;
        const loc = this.loc(c, c.image as EndpointCondition);
        this.entry!.conditions.push(loc);
        this.entryEnd = loc.span;
      },
    },
    {
      ALT: () => {
        this.CONSUME(K.ports);
        this.SUBRULE(this.portPair);
        this.MANY2(this.portPairs);
      },
    },
  ];

  private portPair = this.RULE('portPair', () => {
    const n = this.CONSUME(Name);
    this.CONSUME(Equals);
    const p = this.CONSUME(NumberTok);
    this.ACTION(() => {
      const span = this.span(n, p);
      this.entry!.ports.push({ span, name: this.loc(n, n.image), port: this.num(p) });
      this.entryEnd = span;
    });
  });

  private readonly modifiers = (): void => this.OR(this.modifierAlts);

  // The hottest rule (a 10,000-service file has ~100,000 endpoints): the address is consumed here
  // rather than through the `address` rule, and values are built without ACTION closures.
  private endpoint = this.RULE('endpoint', (): EndpointEntry => {
    const a = this.CONSUME(Address);
    const recording = this.RECORDING_PHASE;
    const span = recording ? RECORDING_SPAN : this.span(a, a);
    const address: AddressLit = { kind: 'Address', text: a.image, span };
    const entry: EndpointEntry = { span, address, node: null, zone: null, conditions: [], ports: [] };
    this.entry = entry;
    this.entryEnd = null;
    this.MANY(this.modifiers);
    if (!recording && this.entryEnd !== null) entry.span = joinSpans(span, this.entryEnd);
    this.entry = null;
    return entry;
  });

  // -------------------------------------------------------------------------------------------
  // Literals

  private address = this.RULE('address', (): AddressLit => {
    const a = this.CONSUME(Address);
    return this.ACTION(() => ({ kind: 'Address' as const, text: a.image, span: this.span(a, a) }));
  });

  private cidr = this.RULE('cidr', (): CidrLit => {
    const a = this.CONSUME(Address);
    this.CONSUME(Slash);
    const n = this.CONSUME(NumberTok);
    return this.ACTION(() => ({ kind: 'Cidr' as const, text: `${a.image}/${n.image}`, span: this.span(a, n) }));
  });

  private addressList = this.RULE('addressList', (): AddressLit[] => {
    const list: AddressLit[] = [this.SUBRULE(this.address)];
    this.MANY(() => {
      this.CONSUME(Comma);
      const a = this.SUBRULE2(this.address);
      this.ACTION(() => list.push(a));
    });
    return list;
  });

  private cidrList = this.RULE('cidrList', (): CidrLit[] => {
    const list: CidrLit[] = [this.SUBRULE(this.cidr)];
    this.MANY(() => {
      this.CONSUME(Comma);
      const c = this.SUBRULE2(this.cidr);
      this.ACTION(() => list.push(c));
    });
    return list;
  });
}
