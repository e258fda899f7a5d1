// Where the reader's diagnostics go: each is made at a JSON pointer; when the reader has the
// document's text, the pointer is also turned into a line:column span (for the first diagnostics
// only: locating means scanning the text, and a 200 MB document with thousands of errors should
// not be scanned thousands of times).
import type { Diagnostic } from '../../common/diagnostics.ts';
import { makeSourceFile, type SourceFile, spanOf } from '../../common/source.ts';
import { nftCodes } from './codes.ts';
import { locatePointer, pointerAt } from './pointer.ts';

type Codes = typeof nftCodes;
export type CodeName = keyof Codes;
/** A code's message arguments (its factory's parameters after the location). */
type Args<K extends CodeName> = Parameters<Codes[K]> extends [unknown, ...infer R] ? R : never;

const LOCATE_LIMIT = 50;

/**
 * Diagnostics kept; past them one says so and the rest are dropped (a document of a million bad
 * items would otherwise hold a million diagnostics, and a larger one exhaust memory).
 */
export const NFT_DIAGNOSTICS_KEPT = 1000;

export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  private source: SourceFile | null = null;
  /** whether the last report was kept (past the cap it is not, and no hint is its) */
  private lastKept = false;
  constructor(
    readonly file: string,
    private readonly text: string | null,
  ) {}

  /** Report `code` at the value `pointer` names. */
  report<K extends CodeName>(code: K, pointer: string, ...args: Args<K>): void {
    const factory = nftCodes[code] as (
      where: { file: string; span: null; path: string },
      ...a: unknown[]
    ) => Diagnostic;
    this.lastKept = !this.full(pointer);
    if (!this.lastKept) return;
    const d = factory({ file: this.file, span: null, path: pointer }, ...args);
    if (this.text !== null && this.diagnostics.length < LOCATE_LIMIT) {
      const at = locatePointer(this.text, pointer);
      if (at) {
        this.source ??= makeSourceFile(this.file, this.text);
        d.span = spanOf(this.source, at.start, at.end);
      }
    }
    this.diagnostics.push(d);
  }

  /**
   * Report `code` at a text offset (what the parsed value does not show: a number's spelling, where
   * the text stops being JSON), named by the pointer of the value around it.
   */
  reportAtOffset<K extends CodeName>(code: K, offset: number, ...args: Args<K>): void {
    const factory = nftCodes[code] as (
      where: { file: string; span: null; path: string },
      ...a: unknown[]
    ) => Diagnostic;
    const pointer = this.text === null ? '' : pointerAt(this.text, offset);
    this.lastKept = !this.full(pointer);
    if (!this.lastKept) return;
    const d = factory({ file: this.file, span: null, path: pointer }, ...args);
    if (this.text !== null) {
      this.source ??= makeSourceFile(this.file, this.text);
      d.span = spanOf(this.source, offset, offset + 1);
    }
    this.diagnostics.push(d);
  }

  /** Whether no more diagnostics are kept; the first one past the cap is replaced by the cap's own, at `pointer`. */
  private full(pointer: string): boolean {
    if (this.diagnostics.length < NFT_DIAGNOSTICS_KEPT) return false;
    if (this.diagnostics.length === NFT_DIAGNOSTICS_KEPT) {
      this.diagnostics.push(
        nftCodes['nft-too-many-errors']({ file: this.file, span: null, path: pointer }, NFT_DIAGNOSTICS_KEPT),
      );
    }
    return true;
  }

  /** A hint for the diagnostic reported last (a constant text: it is shown as it is). */
  hintLast(hint: string): void {
    if (!this.lastKept) return;
    const d = this.diagnostics[this.diagnostics.length - 1];
    if (d !== undefined) d.hint = hint;
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }
}
