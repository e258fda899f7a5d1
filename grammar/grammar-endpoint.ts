// The .ksvc grammar, part 2 of 4: one endpoint and its modifiers (`on`, `zone`, hints, conditions,
// named ports). Apart from the leaf rules of grammar-core.ts because an endpoint is read into
// parser state of its own (`entry`) and is the hottest rule; grammar-service.ts reads endpoint
// lists with it.
import { type DSLMethodOpts, type IOrAlt, type IToken, tokenMatcher } from 'chevrotain';
import type { Span } from '../common/source.ts';
import type { AddressLit, EndpointCondition, EndpointEntry } from './ast.ts';
import { syntaxCodes } from './codes.ts';
import { GrammarCore, joinSpans } from './grammar-core.ts';
import { Address, ConditionCat, Equals, Keyword, Name, NumberTok } from './tokens.ts';

/** A placeholder while chevrotain records the grammar (rule bodies run once with dummy tokens). */
const RECORDING_SPAN: Span = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

// Most endpoints have no conditions and no named ports: they share these (frozen) empty lists until
// their first entry, which saves two arrays per endpoint (200,000 on a 10,000-service file).
const NO_CONDITIONS = Object.freeze([]) as unknown as EndpointEntry['conditions'];
const NO_PORTS = Object.freeze([]) as unknown as EndpointEntry['ports'];
const NO_HINTS = Object.freeze([]) as unknown as EndpointEntry['forZones'];

export abstract class EndpointGrammar extends GrammarCore {
  // One endpoint and its modifiers. The modifiers write into `this.entry` (endpoints do not nest),
  // so the alternatives can be built once.
  protected entry: EndpointEntry | null = null;
  protected entryEnd: Span | null = null;

  protected duplicate(kw: IToken): void {
    this.extra.push(
      syntaxCodes['duplicate-endpoint-modifier']({ file: this.src.path, span: this.span(kw, kw) }, kw.image),
    );
  }

  /** `for-zone NAME` / `for-node NAME`: one more hint of the endpoint being read. */
  protected addHint(list: 'forZones' | 'forNodes', name: IToken): void {
    const e = this.entry!;
    const loc = this.loc(name, name.image);
    if (e[list] === NO_HINTS) e[list] = [loc];
    else e[list].push(loc);
    this.entryEnd = loc.span;
  }

  protected readonly portPairs: DSLMethodOpts<void> = {
    // More NAME=PORT pairs only while a '=' follows: `on`, `zone`, `for-zone`, ... are names too.
    GATE: () => tokenMatcher(this.LA(2), Equals),
    DEF: () => this.SUBRULE2(this.portPair),
  };
  protected readonly modifierAlts: IOrAlt<void>[] = [
    {
      ALT: () => {
        const kw = this.CONSUME(Keyword.on);
        const n = this.nameAfter(kw, () => this.CONSUME(Name), 'a node name');
        if (this.RECORDING_PHASE || n === undefined) return;
        const e = this.entry!;
        if (e.node !== null) this.duplicate(kw);
        e.node = this.loc(n, n.image);
        this.entryEnd = e.node.span;
      },
    },
    {
      ALT: () => {
        const kw = this.CONSUME(Keyword.zone);
        const z = this.nameAfter(kw, () => this.CONSUME2(Name), 'a zone name');
        if (this.RECORDING_PHASE || z === undefined) return;
        const e = this.entry!;
        if (e.zone !== null) this.duplicate(kw);
        e.zone = this.loc(z, z.image);
        this.entryEnd = e.zone.span;
      },
    },
    {
      ALT: () => {
        const kw = this.CONSUME(Keyword['for-zone']);
        const z = this.nameAfter(kw, () => this.CONSUME3(Name), 'a zone name');
        if (!this.RECORDING_PHASE && z !== undefined) this.addHint('forZones', z);
      },
    },
    {
      ALT: () => {
        const kw = this.CONSUME(Keyword['for-node']);
        const n = this.nameAfter(kw, () => this.CONSUME4(Name), 'a node name');
        if (!this.RECORDING_PHASE && n !== undefined) this.addHint('forNodes', n);
      },
    },
    {
      ALT: () => {
        const c = this.CONSUME(ConditionCat);
        if (this.RECORDING_PHASE) return;
        const loc = this.loc(c, c.image as EndpointCondition);
        const e = this.entry!;
        if (e.conditions === NO_CONDITIONS) e.conditions = [loc];
        else e.conditions.push(loc);
        this.entryEnd = loc.span;
      },
    },
    {
      ALT: () => {
        this.CONSUME(Keyword.ports);
        this.SUBRULE(this.portPair);
        this.MANY2(this.portPairs);
      },
    },
  ];

  /** portPair = NAME '=' NUMBER ; */
  protected portPair = this.RULE('portPair', () => {
    const n = this.CONSUME(Name);
    this.CONSUME(Equals);
    const p = this.CONSUME(NumberTok);
    this.ACTION(() => {
      const span = this.span(n, p);
      const e = this.entry!;
      const pair = { span, name: this.loc(n, n.image), port: this.num(p) };
      if (e.ports === NO_PORTS) e.ports = [pair];
      else e.ports.push(pair);
      this.entryEnd = span;
    });
  });

  protected readonly modifiers = (): void => this.OR(this.modifierAlts);

  // The hottest rule (a 10,000-service file has ~100,000 endpoints): the address is consumed here
  // rather than through the `address` rule, and values are built without ACTION closures.
  /**
   * endpoint = address modifier* ;
   * modifier = 'on' NAME | 'zone' NAME | 'for-zone' NAME | 'for-node' NAME
   *          | 'ready' | 'not-ready' | 'serving' | 'not-serving' | 'terminating'
   *          | 'ports' portPair portPair* ;
   */
  protected endpoint = this.RULE('endpoint', (): EndpointEntry => {
    const a = this.CONSUME(Address);
    const recording = this.RECORDING_PHASE;
    const span = recording ? RECORDING_SPAN : this.span(a, a);
    const address: AddressLit = { kind: 'Address', text: a.image, span };
    const entry: EndpointEntry = {
      span,
      address,
      node: null,
      zone: null,
      forZones: NO_HINTS,
      forNodes: NO_HINTS,
      conditions: NO_CONDITIONS,
      ports: NO_PORTS,
    };
    this.entry = entry;
    this.entryEnd = null;
    this.MANY(this.modifiers);
    if (!recording && this.entryEnd !== null) entry.span = joinSpans(span, this.entryEnd);
    this.entry = null;
    return entry;
  });
}
