// An append-only text builder for very large outputs: pieces are joined in chunks of a few thousand,
// so each piece dies young instead of living in one multi-million-entry array until the end (at
// 10,000 services the document is ~3 million pieces; holding them all made garbage collection the
// largest cost of rendering).
const CHUNK_PIECES = 4096;

export class TextChunks {
  /** The pending pieces: pieces[0..count). Preallocated and reused, so adding never grows an array. */
  private readonly pieces: string[] = new Array<string>(CHUNK_PIECES).fill('');
  private count = 0;
  private readonly chunks: string[] = [];

  add(piece: string): void {
    this.pieces[this.count++] = piece;
    if (this.count === CHUNK_PIECES) this.flush();
  }

  /** Appends everything written to `other` (which must not be written to afterwards). */
  addAll(other: TextChunks): void {
    this.flush();
    other.flush();
    for (const c of other.chunks) this.chunks.push(c);
  }

  /** The text written so far. */
  text(): string {
    this.flush();
    return this.chunks.join('');
  }

  private flush(): void {
    if (this.count === 0) return;
    this.chunks.push(this.count === CHUNK_PIECES ? this.pieces.join('') : this.pieces.slice(0, this.count).join(''));
    this.count = 0;
  }
}
