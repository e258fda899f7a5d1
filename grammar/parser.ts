// The chevrotain grammar of .ksvc, building the AST directly (embedded actions). Decisions are LL(1)
// wherever the language allows it (port lines start with a PortName token, see tokens.ts), so an
// error is reported inside the statement the user was writing, with a specific message.
//
// Recovery is driven from grammar/parse.ts: chevrotain's own recovery is off, every parse runs until
// its first error, and the driver re-enters the grammar at the next statement or block (the `*Rest`
// entry rules). Blocks are therefore attached to the file as soon as their header is read and
// statements as soon as they are complete, so a failed parse still leaves everything before it.
import { EmbeddedActionsParser, tokenMatcher, type IToken } from 'chevrotain';
import type { Diagnostic } from '../common/diagnostics.ts';
import { spanOf, type SourceFile, type Span } from '../common/source.ts';
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
  Protocol,
  ServiceAttribute,
  ServiceBlock,
  ServiceItem,
  ServiceType,
  TrafficPolicy,
} from './ast.ts';
import { syntaxCodes } from './codes.ts';
import { messageProvider } from './messages.ts';
import {
  Address,
  allTokens,
  Arrow,
  ClientIPCat,
  Colon,
  Comma,
  ConditionCat,
  Dash,
  Equals,
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
  endOf,
} from './tokens.ts';

export type OpenBlock = { kind: 'Cluster'; node: ClusterBlock } | { kind: 'Node'; node: NodeBlock } | { kind: 'Service'; node: ServiceBlock };

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

  /** Start a new file: parse results are attached to `file` as they are recognised. */
  begin(source: SourceFile, file: FileNode): void {
    this.src = source;
    this.out = file;
    this.open = null;
    this.extra = [];
  }

  private span(a: IToken, b: IToken): Span {
    return spanOf(this.src, a.startOffset, endOf(b));
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

  private block = this.RULE('block', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.clusterBlock) },
      { ALT: () => this.SUBRULE(this.nodeBlock) },
      { ALT: () => this.SUBRULE(this.serviceBlock) },
    ]);
  });

  // -------------------------------------------------------------------------------------------
  // cluster { ... }

  private clusterBlock = this.RULE('clusterBlock', () => {
    const kw = this.CONSUME(K.cluster);
    const lb = this.CONSUME(LBrace);
    this.ACTION(() => this.openBlock({ kind: 'Cluster', node: { kind: 'Cluster', span: this.span(kw, lb), settings: [] } }));
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

  private clusterSetting = this.RULE('clusterSetting', (): ClusterSetting => {
    return this.OR({
      ERR_MSG: "a cluster setting ('masq', 'nodePort' or 'localhost nodePorts')",
      DEF: [
        { ALT: () => this.SUBRULE(this.clusterMasq) },
        { ALT: () => this.SUBRULE(this.clusterNodePort) },
        {
          ALT: () => {
            const kw = this.CONSUME(K.localhost);
            this.CONSUME(K.nodePorts);
            const v = this.CONSUME(OnOffCat);
            return this.ACTION(() => ({ kind: 'LocalhostNodePorts' as const, span: this.span(kw, v), enabled: this.loc(v, v.image === 'on') }));
          },
        },
      ],
    });
  });

  private clusterMasq = this.RULE('clusterMasq', (): ClusterSetting => {
    const m = this.CONSUME(K.masq);
    return this.OR({
      ERR_MSG: "'from outside', 'all' or 'bit' after 'masq'",
      DEF: [
        { ALT: () => this.SUBRULE(this.masqFromOutsideTail, { ARGS: [m] }) },
        {
          ALT: () => {
            const a = this.CONSUME(K.all);
            return this.ACTION(() => ({ kind: 'MasqAll' as const, span: this.span(m, a) }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.bit);
            const n = this.CONSUME(NumberTok);
            return this.ACTION(() => ({ kind: 'MasqBit' as const, span: this.span(m, n), bit: this.num(n) }));
          },
        },
      ],
    });
  });

  private clusterNodePort = this.RULE('clusterNodePort', (): ClusterSetting => {
    const kw = this.CONSUME(K.nodePort);
    return this.OR({
      ERR_MSG: "'addresses' or 'range' after 'nodePort'",
      DEF: [
        {
          ALT: () => {
            this.CONSUME(K.addresses);
            const cidrs = this.SUBRULE(this.cidrList);
            return this.ACTION(() => ({ kind: 'NodePortAddresses' as const, span: joinSpans(this.span(kw, kw), cidrs.at(-1)!.span), cidrs }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.range);
            return this.OR2({
              ERR_MSG: 'a port range such as 30000-32767',
              DEF: [
                {
                  ALT: () => {
                    const r = this.CONSUME(NumberRange);
                    return this.ACTION(() => {
                      const dash = r.image.indexOf('-');
                      const min = { value: Number(r.image.slice(0, dash)), span: spanOf(this.src, r.startOffset, r.startOffset + dash) };
                      const max = { value: Number(r.image.slice(dash + 1)), span: spanOf(this.src, r.startOffset + dash + 1, endOf(r)) };
                      return { kind: 'NodePortRange' as const, span: this.span(kw, r), min, max };
                    });
                  },
                },
                {
                  ALT: () => {
                    const lo = this.CONSUME(NumberTok);
                    this.CONSUME(Dash);
                    const hi = this.CONSUME2(NumberTok);
                    return this.ACTION(() => ({ kind: 'NodePortRange' as const, span: this.span(kw, hi), min: this.num(lo), max: this.num(hi) }));
                  },
                },
              ],
            });
          },
        },
      ],
    });
  });

  /** `from outside DETECTOR` after an already consumed `masq`. */
  private masqFromOutsideTail = this.RULE('masqFromOutsideTail', (m?: IToken): MasqFromOutside => {
    this.CONSUME(K.from);
    this.CONSUME(K.outside);
    const detector = this.SUBRULE(this.detector);
    return this.ACTION(() => ({ kind: 'MasqFromOutside' as const, span: joinSpans(this.span(m!, m!), detectorSpan(detector)), detector }));
  });

  private detector = this.RULE('detector', (): DetectorSpec => {
    return this.OR({
      ERR_MSG: "a local-traffic detector after 'masq from outside' (a CIDR, 'node podCIDR', 'interface NAME' or 'interface prefix NAME')",
      DEF: [
        {
          ALT: () => {
            const cidr = this.SUBRULE(this.cidr);
            return { kind: 'Cidr' as const, cidr };
          },
        },
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
            return this.OR2({
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
            });
          },
        },
      ],
    });
  });

  // -------------------------------------------------------------------------------------------
  // node NAME { ... }

  private nodeBlock = this.RULE('nodeBlock', () => {
    const kw = this.CONSUME(K.node);
    const name = this.CONSUME(Name);
    const lb = this.CONSUME(LBrace);
    this.ACTION(() =>
      this.openBlock({ kind: 'Node', node: { kind: 'Node', span: this.span(kw, lb), name: this.loc(name, name.image), statements: [] } }),
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

  private nodeStatement = this.RULE('nodeStatement', (): NodeStatement => {
    return this.OR({
      ERR_MSG: "a node statement ('address' or 'podCIDR')",
      DEF: [
        {
          ALT: () => {
            const kw = this.CONSUME(K.address);
            const addresses = this.SUBRULE(this.addressList);
            return this.ACTION(() => ({ kind: 'NodeAddress' as const, span: joinSpans(this.span(kw, kw), addresses.at(-1)!.span), addresses }));
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(K.podCIDR);
            const cidrs = this.SUBRULE(this.cidrList);
            return this.ACTION(() => ({ kind: 'NodePodCIDRs' as const, span: joinSpans(this.span(kw, kw), cidrs.at(-1)!.span), cidrs }));
          },
        },
      ],
    });
  });

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
        node: { kind: 'Service', span: this.span(kw, lb), namespace: this.loc(ns, ns.image), name: this.loc(name, name.image), items: [] },
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

  private serviceItem = this.RULE('serviceItem', (): ServiceItem => {
    return this.OR({
      ERR_MSG: 'a service statement',
      DEF: [
        { ALT: () => this.SUBRULE(this.portLine) },
        { ALT: () => this.SUBRULE(this.attribute) },
        {
          ALT: () => {
            const kw = this.CONSUME(K.externalIPs);
            const addresses = this.SUBRULE(this.addressList);
            return this.ACTION(() => ({ kind: 'ExternalIPs' as const, span: joinSpans(this.span(kw, kw), addresses.at(-1)!.span), addresses }));
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
            return this.ACTION(() => ({ kind: 'HealthCheckNodePort' as const, span: this.span(kw, n), port: this.num(n) }));
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(K.endpoints);
            const endpoints: EndpointEntry[] = [];
            this.AT_LEAST_ONE_SEP({
              SEP: Comma,
              ERR_MSG: 'an endpoint address',
              DEF: () => {
                const e = this.SUBRULE(this.endpoint);
                this.ACTION(() => endpoints.push(e));
              },
            });
            return this.ACTION(() => ({ kind: 'Endpoints' as const, span: joinSpans(this.span(kw, kw), endpoints.at(-1)!.span), endpoints }));
          },
        },
      ],
    });
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
      const first: IToken = name ?? type;
      const end = clauses.length > 0 ? clauses.at(-1)!.span : this.span(last, last);
      const t = target as IToken | null;
      const np = nodePort as IToken | null;
      return {
        kind: 'Port' as const,
        span: joinSpans(this.span(first, first), end),
        name: name === null ? null : this.loc(name, (name as IToken).image),
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

  private hostPort = this.RULE('hostPort', (): { address: AddressLit; bracketed: boolean; port: Located<number> } => {
    return this.OR({
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
            return this.ACTION(() => ({ address: { kind: 'Address' as const, text: a.image, span: this.span(a, a) }, bracketed: false, port: this.num(p) }));
          },
        },
        { ALT: () => this.unbracketedIPv6(this.CONSUME(IPv6)) },
      ],
    });
  });

  /** `fd00::10:53` — report it, and read the last group as the port so parsing can go on. */
  private unbracketedIPv6(tok: IToken): { address: AddressLit; bracketed: boolean; port: Located<number> } {
    return this.ACTION(() => {
      const text = tok.image;
      const cut = text.lastIndexOf(':');
      const head = text.slice(0, cut);
      const tail = text.slice(cut + 1);
      const splits = /^[0-9]{1,5}$/.test(tail) && (head.includes('::') || head.split(':').length >= 3) && !head.endsWith(':');
      const hint = splits ? `write [${head}]:${tail}` : `write [${text}]:PORT`;
      this.extra.push(syntaxCodes['ipv6-needs-brackets']({ file: this.src.path, span: this.span(tok, tok), hint }, text));
      if (!splits) return { address: { kind: 'Address' as const, text, span: this.span(tok, tok) }, bracketed: false, port: { value: 0, span: this.span(tok, tok) } };
      const start = tok.startOffset;
      return {
        address: { kind: 'Address' as const, text: head, span: spanOf(this.src, start, start + cut) },
        bracketed: false,
        port: { value: Number(tail), span: spanOf(this.src, start + cut + 1, endOf(tok)) },
      };
    });
  }

  private attribute = this.RULE('attribute', (): ServiceAttribute => {
    return this.OR({
      ERR_MSG: "a service attribute (externalTrafficPolicy, internalTrafficPolicy, sessionAffinity or 'masq from outside')",
      DEF: [
        {
          ALT: () => {
            const kw = this.CONSUME(K.externalTrafficPolicy);
            const p = this.CONSUME(PolicyCat);
            return this.ACTION(() => ({ kind: 'ExternalTrafficPolicy' as const, span: this.span(kw, p), policy: this.loc(p, policyOf(p.image)) }));
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(K.internalTrafficPolicy);
            const p = this.CONSUME2(PolicyCat);
            return this.ACTION(() => ({ kind: 'InternalTrafficPolicy' as const, span: this.span(kw, p), policy: this.loc(p, policyOf(p.image)) }));
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(K.sessionAffinity);
            return this.OR2({
              ERR_MSG: "'clientIP [TIMEOUT]' or 'none' after 'sessionAffinity'",
              DEF: [
                {
                  ALT: () => {
                    const c = this.CONSUME(ClientIPCat);
                    let timeout: IToken | null = null;
                    this.OPTION(() => {
                      timeout = this.CONSUME(NumberTok);
                    });
                    return this.ACTION(() => {
                      const t = timeout as IToken | null;
                      return {
                        kind: 'SessionAffinity' as const,
                        span: this.span(kw, t ?? c),
                        affinity: this.loc(c, 'ClientIP' as const),
                        timeout: t === null ? null : this.num(t),
                      };
                    });
                  },
                },
                {
                  ALT: () => {
                    const n = this.CONSUME(NoneCat);
                    return this.ACTION(() => ({ kind: 'SessionAffinity' as const, span: this.span(kw, n), affinity: this.loc(n, 'None' as const), timeout: null }));
                  },
                },
              ],
            });
          },
        },
        {
          ALT: () => {
            const m = this.CONSUME(K.masq);
            return this.SUBRULE(this.masqFromOutsideTail, { ARGS: [m] });
          },
        },
      ],
    });
  });

  private endpoint = this.RULE('endpoint', (): EndpointEntry => {
    const address = this.SUBRULE(this.address);
    const entry: EndpointEntry = { span: address?.span, address, node: null, zone: null, conditions: [], ports: [] };
    let end: Span | undefined;
    const dup = (kw: IToken) =>
      this.extra.push(syntaxCodes['duplicate-endpoint-modifier']({ file: this.src.path, span: this.span(kw, kw) }, kw.image));
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            const kw = this.CONSUME(K.on);
            const n = this.CONSUME(Name);
            this.ACTION(() => {
              if (entry.node !== null) dup(kw);
              entry.node = this.loc(n, n.image);
              end = entry.node.span;
            });
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(K.zone);
            const z = this.CONSUME2(Name);
            this.ACTION(() => {
              if (entry.zone !== null) dup(kw);
              entry.zone = this.loc(z, z.image);
              end = entry.zone.span;
            });
          },
        },
        {
          ALT: () => {
            const c = this.CONSUME(ConditionCat);
            this.ACTION(() => {
              entry.conditions.push(this.loc(c, c.image as EndpointCondition));
              end = this.span(c, c);
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.ports);
            const entryOf = (n: IToken, p: IToken) =>
              this.ACTION(() => {
                const span = this.span(n, p);
                entry.ports.push({ span, name: this.loc(n, n.image), port: this.num(p) });
                end = span;
              });
            const n1 = this.CONSUME3(Name);
            this.CONSUME(Equals);
            entryOf(n1, this.CONSUME(NumberTok));
            // More NAME=PORT pairs only while a '=' follows: `on`, `zone`, ... are names too.
            this.MANY2({
              GATE: () => tokenMatcher(this.LA(2), Equals),
              DEF: () => {
                const n = this.CONSUME4(Name);
                this.CONSUME2(Equals);
                entryOf(n, this.CONSUME2(NumberTok));
              },
            });
          },
        },
      ]);
    });
    this.ACTION(() => {
      if (end !== undefined) entry.span = joinSpans(address.span, end);
    });
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
    const list: AddressLit[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: Comma,
      ERR_MSG: 'an IP address',
      DEF: () => {
        const a = this.SUBRULE(this.address);
        this.ACTION(() => list.push(a));
      },
    });
    return list;
  });

  private cidrList = this.RULE('cidrList', (): CidrLit[] => {
    const list: CidrLit[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: Comma,
      ERR_MSG: 'a CIDR (an address and a prefix length, e.g. 10.64.0.0/16)',
      DEF: () => {
        const c = this.SUBRULE(this.cidr);
        this.ACTION(() => list.push(c));
      },
    });
    return list;
  });
}
