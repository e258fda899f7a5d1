// The .ksvc grammar, part 1 of 4: the parser's state and the leaf rules every block uses —
// positions, addresses and CIDRs, the local-traffic detector. grammar-endpoint.ts adds one
// endpoint and its modifiers, grammar-service.ts the service block, grammar.ts the cluster and
// node blocks and the entry points; chevrotain reads the rules of all four when KsvcGrammar is built.
//
// The grammar builds the AST directly (embedded actions). Decisions are LL(1) wherever the language
// allows it (port lines start with a PortName token, see tokens.ts), so an error is reported inside
// the statement the user was writing, with a specific message. Each rule carries its EBNF line; the
// whole grammar, in one place, is docs/language.md section 2.
import { EmbeddedActionsParser, type IToken, type OrMethodOpts } from 'chevrotain';
import type { Diagnostic } from '../common/diagnostics.ts';
import { type SourceFile, SourceSpan, type Span } from '../common/source.ts';
import type {
  AddressLit,
  CidrLit,
  ClusterBlock,
  DetectorSpec,
  FileNode,
  Located,
  MasqFromOutside,
  NodeBlock,
  NumberLit,
  ServiceBlock,
} from './ast.ts';
import { syntaxCodes } from './codes.ts';
import { messageProvider } from './messages.ts';
import { Address, allTokens, Comma, endOf, Keyword, Name, NumberTok, Slash } from './tokens.ts';

export type OpenBlock =
  | { kind: 'Cluster'; node: ClusterBlock }
  | { kind: 'Node'; node: NodeBlock }
  | { kind: 'Service'; node: ServiceBlock };

/** From the start of `a` to the end of `b` (offsets only while both are the parser's own spans). */
export const joinSpans = (a: Span, b: Span): Span =>
  a instanceof SourceSpan && b instanceof SourceSpan && a.sameSource(b) ? a.to(b) : { start: a.start, end: b.end };

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

export abstract class GrammarCore extends EmbeddedActionsParser {
  protected src: SourceFile = { path: '', text: '', lineStarts: [0], astral: false };
  protected out: FileNode | null = null;
  /** The block whose '{' was read and whose '}' was not (yet). */
  open: OpenBlock | null = null;
  /** Errors found while the grammar itself succeeded (e.g. an unbracketed IPv6 host:port). */
  extra: Diagnostic[] = [];

  /**
   * `validate`: let chevrotain check the grammar itself (ambiguities, left recursion) while building
   * it. A test builds it so; the parser the CLI uses skips it (about a third of the set-up time).
   */
  constructor(options: { validate?: boolean } = {}) {
    super(allTokens, {
      maxLookahead: 3,
      recoveryEnabled: false,
      errorMessageProvider: messageProvider,
      skipValidations: !options.validate,
    });
  }

  /** Drop the references to the last file, so the shared parser does not keep it alive. */
  finish(): void {
    this.src = { path: '', text: '', lineStarts: [0], astral: false };
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
  }

  /** Spans hold offsets; their lines and columns are computed if they are ever read. */
  protected spanAt(start: number, end: number): Span {
    return new SourceSpan(this.src, start, end);
  }

  protected span(a: IToken, b: IToken): Span {
    return this.spanAt(a.startOffset, endOf(b));
  }

  protected loc<T>(tok: IToken, value: T): Located<T> {
    return { value, span: this.span(tok, tok) };
  }

  protected num(tok: IToken): NumberLit {
    return { value: Number(tok.image), text: tok.image, span: this.span(tok, tok) };
  }

  /** Whether `b` starts on the line where `a` ends (no line break between them; EOF is not). */
  protected onSameLine(a: IToken, b: IToken): boolean {
    if (Number.isNaN(b.startOffset)) return false;
    for (let i = endOf(a); i < b.startOffset; i++) {
      const c = this.src.text.charCodeAt(i);
      if (c === 10 || c === 13) return false;
    }
    return true;
  }

  /**
   * Whether the name after `kw` (`on`, `zone`, `for-zone`, `for-node`) is to be read: it follows
   * on the line of `kw`. Newlines are otherwise free, but `endpoints 10.0.0.1 on` ending a line
   * would take the next line's first word (`externalIPs`: a keyword is a name too) as the node.
   * On the same line, whatever follows is read as the name (a ',' is then the usual mismatch).
   */
  private nameOnLineOf(kw: IToken): boolean {
    return this.RECORDING_PHASE || this.onSameLine(kw, this.LA(1));
  }

  /**
   * Whether what follows `kw` is on its line; if not, the error "expected WHAT after 'kw' on the
   * same line" just after `kw` (the statement is cut short).
   */
  protected continuesLine(kw: IToken, what: string): boolean {
    if (this.nameOnLineOf(kw)) return true;
    const span = this.spanAt(endOf(kw), endOf(kw));
    this.extra.push(
      syntaxCodes['expected-token'](
        { file: this.src.path, span },
        `expected ${what} after '${kw.image}' on the same line`,
      ),
    );
    return false;
  }

  /** The name after `kw`, read by `consume` when it is on the line of `kw` (continuesLine). */
  protected nameAfter(kw: IToken, consume: () => IToken, what: string): IToken | undefined {
    return this.continuesLine(kw, what) ? consume() : undefined;
  }

  protected openBlock(b: OpenBlock): void {
    this.out!.blocks.push(b.node);
    this.open = b;
  }

  protected closeBlock(rb: IToken): void {
    if (this.open) this.open.node.span = joinSpans(this.open.node.span, this.span(rb, rb));
    this.open = null;
  }

  // -------------------------------------------------------------------------------------------
  // The local-traffic detector (cluster settings and service attributes)

  /** fromOutside = 'from' 'outside' detector ;  (after a `masq` the caller consumed) */
  protected fromOutside = this.RULE('fromOutside', (): DetectorSpec => {
    this.CONSUME(Keyword.from);
    this.CONSUME(Keyword.outside);
    return this.SUBRULE(this.detector);
  });

  protected masqFromOutside(m: IToken, detector: DetectorSpec): MasqFromOutside {
    return { kind: 'MasqFromOutside', span: joinSpans(this.span(m, m), detectorSpan(detector)), detector };
  }

  protected readonly interfaceAlts: OrMethodOpts<DetectorSpec> = {
    // `interface prefix veth` is the prefix mode; an interface literally named "prefix" still works
    // when nothing name-like follows it.
    IGNORE_AMBIGUITIES: true,
    ERR_MSG: "an interface name or 'prefix NAME' after 'interface'",
    DEF: [
      {
        ALT: () => {
          const prefix = this.CONSUME(Keyword.prefix);
          // `prefix` ending the line is the interface named so: the next line's word is not its name
          if (!this.nameOnLineOf(prefix)) return { kind: 'BridgeInterface' as const, name: this.loc(prefix, 'prefix') };
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
  protected readonly detectorAlts: OrMethodOpts<DetectorSpec> = {
    ERR_MSG:
      "a local-traffic detector after 'masq from outside' (a CIDR, 'node podCIDR', 'interface NAME' or 'interface prefix NAME')",
    DEF: [
      { ALT: () => ({ kind: 'Cidr' as const, cidr: this.SUBRULE(this.cidr) }) },
      {
        ALT: () => {
          const n = this.CONSUME(Keyword.node);
          const p = this.CONSUME(Keyword.podCIDR);
          return this.ACTION(() => ({ kind: 'NodePodCIDR' as const, span: this.span(n, p) }));
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(Keyword.interface);
          // ending the line, it would take the next line's first word (a keyword is a name too)
          if (!this.continuesLine(kw, "an interface name or 'prefix NAME'"))
            return { kind: 'BridgeInterface' as const, name: this.loc(kw, '') };
          return this.OR2(this.interfaceAlts);
        },
      },
    ],
  };
  /**
   * detector = cidr                    (* ClusterCIDR *)
   *          | 'node' 'podCIDR'        (* NodeCIDR *)
   *          | 'interface' 'prefix' NAME  (* InterfaceNamePrefix *)
   *          | 'interface' NAME ;      (* BridgeInterface *)
   */
  protected detector = this.RULE('detector', (): DetectorSpec => this.OR(this.detectorAlts));

  // -------------------------------------------------------------------------------------------
  // Literals

  /** address = IPV4 | IPV6 ; */
  protected address = this.RULE('address', (): AddressLit => {
    const a = this.CONSUME(Address);
    return this.ACTION(() => ({ kind: 'Address' as const, text: a.image, span: this.span(a, a) }));
  });

  /** cidr = address '/' NUMBER ; */
  protected cidr = this.RULE('cidr', (): CidrLit => {
    const a = this.CONSUME(Address);
    this.CONSUME(Slash);
    const n = this.CONSUME(NumberTok);
    return this.ACTION(() => ({ kind: 'Cidr' as const, text: `${a.image}/${n.image}`, span: this.span(a, n) }));
  });

  /** addressList = address (',' address)* ; */
  protected addressList = this.RULE('addressList', (): AddressLit[] => {
    const list: AddressLit[] = [this.SUBRULE(this.address)];
    this.MANY(() => {
      this.CONSUME(Comma);
      const a = this.SUBRULE2(this.address);
      this.ACTION(() => list.push(a));
    });
    return list;
  });

  /** cidrList = cidr (',' cidr)* ; */
  protected cidrList = this.RULE('cidrList', (): CidrLit[] => {
    const list: CidrLit[] = [this.SUBRULE(this.cidr)];
    this.MANY(() => {
      this.CONSUME(Comma);
      const c = this.SUBRULE2(this.cidr);
      this.ACTION(() => list.push(c));
    });
    return list;
  });
}
