// The .ksvc grammar, part 4 of 4: the entry points, the cluster and node blocks. KsvcGrammar is
// the parser grammar/parse-ksvc.ts drives (grammar-core.ts, grammar-endpoint.ts and
// grammar-service.ts hold the rest).
//
// Recovery is driven from grammar/parse-ksvc.ts: chevrotain's own recovery is off, every parse runs
// until its first error, and the driver re-enters the grammar at the next statement or block (the
// `*Rest` entry rules). Blocks are therefore attached to the file as soon as their header is read
// and statements as soon as they are complete, so a failed parse still leaves everything before it.
import type { IOrAlt, IToken, OrMethodOpts } from 'chevrotain';
import type { CidrLit, ClusterSetting, DetectorSpec, NodeStatement, NumberLit } from './ast.ts';
import { joinSpans } from './grammar-core.ts';
import { ServiceGrammar } from './grammar-service.ts';
import { Dash, endOf, Keyword, LBrace, Name, NumberRange, NumberTok, OnOffCat, RBrace } from './tokens.ts';

export type { OpenBlock } from './grammar-core.ts';

export class KsvcGrammar extends ServiceGrammar {
  constructor(options: { validate?: boolean } = {}) {
    super(options);
    this.performSelfAnalysis();
  }

  // -------------------------------------------------------------------------------------------
  // Entry points: a whole file, or the rest of a file from inside a block body.
  //
  // Performance note: alternatives and repetition options are built once (fields below), not per
  // call: tsx compiles with esbuild's keepNames, which makes every named closure created in a hot
  // path cost a defineProperty call.

  /** file = block* ; */
  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.block));
  });

  /** clusterRest = clusterBody block* ;  (re-entry after an error inside a cluster block) */
  clusterRest = this.RULE('clusterRest', () => {
    this.SUBRULE(this.clusterBody);
    this.MANY(() => this.SUBRULE(this.block));
  });

  /** nodeRest = nodeBody block* ; */
  nodeRest = this.RULE('nodeRest', () => {
    this.SUBRULE(this.nodeBody);
    this.MANY(() => this.SUBRULE(this.block));
  });

  /** serviceRest = serviceBody block* ; */
  serviceRest = this.RULE('serviceRest', () => {
    this.SUBRULE(this.serviceBody);
    this.MANY(() => this.SUBRULE(this.block));
  });

  protected readonly blockAlts: IOrAlt<void>[] = [
    { ALT: () => this.SUBRULE(this.clusterBlock) },
    { ALT: () => this.SUBRULE(this.nodeBlock) },
    { ALT: () => this.SUBRULE(this.serviceBlock) },
  ];
  /** block = cluster | node | service ; */
  protected block = this.RULE('block', () => {
    this.OR(this.blockAlts);
  });

  // -------------------------------------------------------------------------------------------
  // cluster { ... }

  /** cluster = 'cluster' '{' clusterBody ; */
  protected clusterBlock = this.RULE('clusterBlock', () => {
    const kw = this.CONSUME(Keyword.cluster);
    const lb = this.CONSUME(LBrace);
    this.ACTION(() =>
      this.openBlock({
        kind: 'Cluster',
        node: { kind: 'Cluster', span: this.span(kw, lb), brace: this.span(lb, lb), settings: [] },
      }),
    );
    this.SUBRULE(this.clusterBody);
  });

  /** clusterBody = clusterSetting* '}' ; */
  protected clusterBody = this.RULE('clusterBody', () => {
    this.MANY(() => {
      const s = this.SUBRULE(this.clusterSetting);
      this.ACTION(() => {
        if (this.open?.kind === 'Cluster') this.open.node.settings.push(s);
      });
    });
    const rb = this.CONSUME(RBrace);
    this.ACTION(() => this.closeBlock(rb));
  });

  protected readonly clusterSettingAlts: OrMethodOpts<ClusterSetting> = {
    ERR_MSG: "a cluster setting ('masq', 'nodePort' or 'localhost nodePorts')",
    DEF: [
      { ALT: () => this.SUBRULE(this.clusterMasq) },
      { ALT: () => this.SUBRULE(this.clusterNodePort) },
      { ALT: () => this.SUBRULE(this.clusterLocalhost) },
    ],
  };
  /** clusterSetting = clusterMasq | clusterNodePort | clusterLocalhost ; */
  protected clusterSetting = this.RULE('clusterSetting', (): ClusterSetting => this.OR(this.clusterSettingAlts));

  /** clusterLocalhost = 'localhost' 'nodePorts' ('on' | 'off') ; */
  protected clusterLocalhost = this.RULE('clusterLocalhost', (): ClusterSetting => {
    const kw = this.CONSUME(Keyword.localhost);
    this.CONSUME(Keyword.nodePorts);
    const v = this.CONSUME(OnOffCat);
    return this.ACTION(() => ({
      kind: 'LocalhostNodePorts' as const,
      span: this.span(kw, v),
      enabled: this.loc(v, v.image === 'on'),
    }));
  });

  protected readonly masqAlts: OrMethodOpts<{ all?: IToken; bit?: IToken; detector?: DetectorSpec }> = {
    ERR_MSG: "'from outside', 'all' or 'bit' after 'masq'",
    DEF: [
      { ALT: () => ({ detector: this.SUBRULE(this.fromOutside) }) },
      { ALT: () => ({ all: this.CONSUME(Keyword.all) }) },
      {
        ALT: () => {
          this.CONSUME(Keyword.bit);
          return { bit: this.CONSUME(NumberTok) };
        },
      },
    ],
  };
  /** clusterMasq = 'masq' (fromOutside | 'all' | 'bit' NUMBER) ; */
  protected clusterMasq = this.RULE('clusterMasq', (): ClusterSetting => {
    const m = this.CONSUME(Keyword.masq);
    const r = this.OR(this.masqAlts);
    return this.ACTION((): ClusterSetting => {
      if (r.all) return { kind: 'MasqAll', span: this.span(m, r.all) };
      if (r.bit) return { kind: 'MasqBit', span: this.span(m, r.bit), bit: this.num(r.bit) };
      return this.masqFromOutside(m, r.detector!);
    });
  });

  protected readonly rangeAlts: OrMethodOpts<{ min: NumberLit; max: NumberLit; end: IToken }> = {
    ERR_MSG: 'a port range such as 30000-32767',
    DEF: [
      {
        ALT: () => {
          const r = this.CONSUME(NumberRange);
          return this.ACTION(() => {
            const dash = r.image.indexOf('-');
            const min = {
              value: Number(r.image.slice(0, dash)),
              text: r.image.slice(0, dash),
              span: this.spanAt(r.startOffset, r.startOffset + dash),
            };
            const max = {
              value: Number(r.image.slice(dash + 1)),
              text: r.image.slice(dash + 1),
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
  protected readonly nodePortAlts: OrMethodOpts<{
    primary?: IToken;
    cidrs?: CidrLit[];
    range?: { min: NumberLit; max: NumberLit; end: IToken };
  }> = {
    ERR_MSG: "'addresses' or 'range' after 'nodePort'",
    DEF: [
      {
        ALT: () => {
          this.CONSUME(Keyword.addresses);
          return this.OR3([
            { ALT: () => ({ primary: this.CONSUME(Keyword.primary) }) },
            { ALT: () => ({ cidrs: this.SUBRULE(this.cidrList) }) },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(Keyword.range);
          return { range: this.OR2(this.rangeAlts) };
        },
      },
    ],
  };
  /**
   * clusterNodePort = 'nodePort' ( 'addresses' ( 'primary' | cidrList )
   *                             | 'range' (RANGE | NUMBER '-' NUMBER) ) ;
   */
  protected clusterNodePort = this.RULE('clusterNodePort', (): ClusterSetting => {
    const kw = this.CONSUME(Keyword.nodePort);
    const r = this.OR(this.nodePortAlts);
    return this.ACTION((): ClusterSetting => {
      if (r.primary) return { kind: 'NodePortAddresses', span: this.span(kw, r.primary), cidrs: [], primary: true };
      if (r.cidrs)
        return {
          kind: 'NodePortAddresses',
          span: joinSpans(this.span(kw, kw), r.cidrs.at(-1)!.span),
          cidrs: r.cidrs,
          primary: false,
        };
      const g = r.range!;
      return { kind: 'NodePortRange', span: this.span(kw, g.end), min: g.min, max: g.max };
    });
  });

  // -------------------------------------------------------------------------------------------
  // node NAME { ... }

  /** node = 'node' NAME '{' nodeBody ; */
  protected nodeBlock = this.RULE('nodeBlock', () => {
    const kw = this.CONSUME(Keyword.node);
    const name = this.CONSUME(Name);
    const lb = this.CONSUME(LBrace);
    this.ACTION(() =>
      this.openBlock({
        kind: 'Node',
        node: {
          kind: 'Node',
          span: this.span(kw, lb),
          brace: this.span(lb, lb),
          name: this.loc(name, name.image),
          statements: [],
        },
      }),
    );
    this.SUBRULE(this.nodeBody);
  });

  /** nodeBody = nodeStatement* '}' ; */
  protected nodeBody = this.RULE('nodeBody', () => {
    this.MANY(() => {
      const s = this.SUBRULE(this.nodeStatement);
      this.ACTION(() => {
        if (this.open?.kind === 'Node' && s !== null) this.open.node.statements.push(s);
      });
    });
    const rb = this.CONSUME(RBrace);
    this.ACTION(() => this.closeBlock(rb));
  });

  protected readonly nodeStatementAlts: OrMethodOpts<NodeStatement | null> = {
    ERR_MSG: "a node statement ('address', 'podCIDR' or 'zone')",
    DEF: [
      {
        ALT: () => {
          const kw = this.CONSUME(Keyword.address);
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
          const kw = this.CONSUME(Keyword.podCIDR);
          const cidrs = this.SUBRULE(this.cidrList);
          return this.ACTION(() => ({
            kind: 'NodePodCIDRs' as const,
            span: joinSpans(this.span(kw, kw), cidrs.at(-1)!.span),
            cidrs,
          }));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(Keyword.zone);
          const z = this.nameAfter(kw, () => this.CONSUME(Name), 'a zone name');
          // cut short (z undefined): not kept, as a statement that fails to parse
          return this.ACTION(() =>
            z === undefined ? null : { kind: 'NodeZone' as const, span: this.span(kw, z), zone: this.loc(z, z.image) },
          );
        },
      },
    ],
  };
  /** nodeStatement = 'address' addressList | 'podCIDR' cidrList | 'zone' NAME ; */
  protected nodeStatement = this.RULE('nodeStatement', (): NodeStatement | null => this.OR(this.nodeStatementAlts));
}
