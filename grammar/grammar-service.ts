// The .ksvc grammar, part 3 of 4: the service block — port lines, service attributes, frontends
// and endpoint lists (grammar-core.ts has the leaf rules, grammar-endpoint.ts one endpoint,
// grammar.ts the rest).
import type { IToken, OrMethodOpts } from 'chevrotain';
import { tokenMatcher } from 'chevrotain';
import type { Protocol, ServiceType, TrafficPolicy } from '../common/kubernetes.ts';
import type { AddressLit, EndpointEntry, NumberLit, PortLine, ServiceAttribute, ServiceItem } from './ast.ts';
import { syntaxCodes } from './codes.ts';
import { joinSpans } from './grammar-core.ts';
import { EndpointGrammar } from './grammar-endpoint.ts';
import {
  Arrow,
  ClientIPCat,
  Colon,
  Comma,
  endOf,
  IPv4,
  IPv6,
  Keyword,
  LBrace,
  LBracket,
  Name,
  NoneCat,
  NumberTok,
  PolicyCat,
  PortName,
  ProtocolCat,
  RBrace,
  RBracket,
  ServiceTypeCat,
  Slash,
} from './tokens.ts';

type HostPort = { address: AddressLit; bracketed: boolean; port: NumberLit };

const policyOf = (image: string): TrafficPolicy => (image === 'local' || image === 'Local' ? 'Local' : 'Cluster');

export abstract class ServiceGrammar extends EndpointGrammar {
  // -------------------------------------------------------------------------------------------
  // service NAMESPACE/NAME { ... }

  /** service = 'service' NAME '/' NAME '{' serviceBody ; */
  protected serviceBlock = this.RULE('serviceBlock', () => {
    const kw = this.CONSUME(Keyword.service);
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
          brace: this.span(lb, lb),
          namespace: this.loc(ns, ns.image),
          name: this.loc(name, name.image),
          items: [],
        },
      }),
    );
    this.SUBRULE(this.serviceBody);
  });

  /** serviceBody = serviceItem* '}' ; */
  protected serviceBody = this.RULE('serviceBody', () => {
    this.MANY(() => {
      const item = this.SUBRULE(this.serviceItem);
      this.ACTION(() => {
        if (this.open?.kind === 'Service') this.open.node.items.push(item);
      });
    });
    const rb = this.CONSUME(RBrace);
    this.ACTION(() => this.closeBlock(rb));
  });

  protected readonly serviceItemAlts: OrMethodOpts<ServiceItem> = {
    ERR_MSG: 'a service statement',
    DEF: [
      { ALT: () => this.SUBRULE(this.portLine) },
      { ALT: () => this.SUBRULE(this.attribute) },
      {
        ALT: () => {
          const kw = this.CONSUME(Keyword.externalIPs);
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
          const kw = this.CONSUME(Keyword.loadBalancerIngress);
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
          const kw = this.CONSUME(Keyword.loadBalancerSourceRanges);
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
          const kw = this.CONSUME(Keyword.healthCheckNodePort);
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
  /**
   * serviceItem = portLine | attribute | endpointsStatement
   *             | 'externalIPs' addressList | 'loadBalancerIngress' addressList
   *             | 'loadBalancerSourceRanges' cidrList | 'healthCheckNodePort' NUMBER ;
   */
  protected serviceItem = this.RULE('serviceItem', (): ServiceItem => this.OR(this.serviceItemAlts));

  /** endpointsStatement = 'endpoints' endpoint (',' endpoint)* ; */
  protected endpointsStatement = this.RULE('endpointsStatement', (): ServiceItem => {
    const kw = this.CONSUME(Keyword.endpoints);
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

  /**
   * portLine = [PORTNAME ':'] type hostPort '/' protocol ['nodePort' NUMBER]
   *            '->' 'endpoints' [':' (NUMBER | NAME)] (',' attribute)* ;
   * type     = 'ClusterIP' | 'NodePort' | 'LoadBalancer' ;
   * protocol = 'tcp' | 'udp' | 'sctp' ;
   */
  protected portLine = this.RULE('portLine', (): PortLine => {
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
      this.CONSUME(Keyword.nodePort);
      nodePort = this.CONSUME(NumberTok);
    });
    this.CONSUME(Arrow);
    let last = this.CONSUME(Keyword.endpoints);
    let target: IToken | null = null;
    this.OPTION3(() => {
      const colon = this.CONSUME2(Colon);
      // The target follows on the same line: `-> endpoints:` at the end of a line must not take the
      // next line's first word (newlines are otherwise free, but nobody splits `endpoints:8080`).
      this.OPTION4({
        GATE: () => this.onSameLine(colon, this.LA(1)),
        DEF: () => {
          target = this.CONSUME(Name);
          last = target;
        },
      });
      if (target === null && !this.RECORDING_PHASE) {
        last = colon;
        this.extra.push(
          syntaxCodes['expected-token'](
            { file: this.src.path, span: this.spanAt(endOf(colon), endOf(colon)) },
            "expected a target port (a number or a port name) after 'endpoints:' on the same line",
          ),
        );
      }
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

  protected readonly hostPortAlts: OrMethodOpts<HostPort> = {
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
  /**
   * hostPort = '[' address ']' ':' NUMBER
   *          | IPV4 ':' NUMBER
   *          | IPV6              (* an error, ipv6-needs-brackets: the last group is read as the port *)
   */
  protected hostPort = this.RULE('hostPort', (): HostPort => this.OR(this.hostPortAlts));

  /** `fd00::10:53` — report it, and read the last group as the port so parsing can go on. */
  protected unbracketedIPv6(tok: IToken): HostPort {
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
        port: { value: 0, text: '0', span: this.span(tok, tok) },
      };
    }
    const start = tok.startOffset;
    return {
      address: { kind: 'Address', text: head, span: this.spanAt(start, start + cut) },
      bracketed: false,
      port: { value: Number(tail), text: tail, span: this.spanAt(start + cut + 1, endOf(tok)) },
    };
  }

  protected readonly affinityAlts: OrMethodOpts<{ value: IToken; timeout: IToken | null }> = {
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
  protected readonly attributeAlts: OrMethodOpts<ServiceAttribute> = {
    ERR_MSG:
      "a service attribute (externalTrafficPolicy, internalTrafficPolicy, sessionAffinity or 'masq from outside')",
    DEF: [
      {
        ALT: () => {
          const kw = this.CONSUME(Keyword.externalTrafficPolicy);
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
          const kw = this.CONSUME(Keyword.internalTrafficPolicy);
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
          const kw = this.CONSUME(Keyword.sessionAffinity);
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
          const m = this.CONSUME(Keyword.masq);
          const detector = this.SUBRULE(this.fromOutside);
          return this.ACTION(() => this.masqFromOutside(m, detector));
        },
      },
    ],
  };
  /**
   * attribute = 'externalTrafficPolicy' policy
   *           | 'internalTrafficPolicy' policy
   *           | 'sessionAffinity' (('clientIP' | 'ClientIP') [NUMBER] | 'none' | 'None')
   *           | 'masq' fromOutside ;
   * policy    = 'local' | 'Local' | 'cluster' | 'Cluster' ;
   */
  protected attribute = this.RULE('attribute', (): ServiceAttribute => this.OR(this.attributeAlts));
}
