// An artifact's text, kept for its rules' origins. Every rule's origin shows the rule as written
// (a trace, a counterexample, `explain`), yet a check prints a handful of them: keeping the text
// itself kept the whole iptables text alive (each origin a slice of it) and a copy of every nft
// rule's JSON — at 10,000 services with session affinity on every one, 91 MB and 211 MB through the
// whole check (docs/benchmarks.md). Once the reader is done, a large text is kept compressed in
// chunks instead (about a tenth of its size) and a rule's text is inflated when it is read.
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { Backend, Origin } from './program.ts';

/**
 * `s` as a string of its own. V8 makes a slice of 13 characters or more a view into its source, so
 * a name kept from a text (a chain name) would keep the whole text alive; a concatenation is
 * flattened into a string of its own before it is sliced. A shorter string is never a view (V8
 * copies it): it is its own already.
 */
export const ownText = (s: string): string => (s.length < 13 ? s : ` ${s}`.slice(1));

/** Characters per compressed chunk: one inflation (about a millisecond) serves a trace's rules. */
const CHUNK = 1 << 18;
/** A text shorter than this is kept as it is: compressing it would save too little to matter. */
const COMPRESS_FROM = 1 << 20;

interface Chunk {
  data: Buffer;
  /** written as UTF-16 (a character past U+00FF occurs in it), else one byte per character */
  wide: boolean;
}

/**
 * Brotli at quality 1: half the CPU of deflate at level 1 on a 10,000-service iptables text (0.3 s
 * of 63 MB) and a little smaller; a chunk inflates in about the same time.
 */
const compress = (data: Buffer): Buffer =>
  brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  });

export interface TextStore {
  readonly backend: Backend;
  readonly file: string;
  /** the source text between two of its offsets */
  slice(start: number, end: number): string;
  /** the reader is done: compress a large text and let the string go */
  seal(): void;
}

export function newTextStore(backend: Backend, file: string, source: string): TextStore {
  let text: string | null = source;
  let chunks: Chunk[] = [];
  let inflated = -1;
  let inflatedText = '';
  const chunkText = (i: number): string => {
    if (i !== inflated) {
      const c = chunks[i]!;
      inflatedText = brotliDecompressSync(c.data).toString(c.wide ? 'utf16le' : 'latin1');
      inflated = i;
    }
    return inflatedText;
  };
  return {
    backend,
    file,
    slice(start, end) {
      if (text !== null) return text.slice(start, end);
      let out = '';
      for (let i = Math.floor(start / CHUNK); i * CHUNK < end; i++) {
        const base = i * CHUNK;
        out += chunkText(i).slice(Math.max(start - base, 0), end - base);
      }
      return out;
    },
    seal() {
      if (text === null || text.length < COMPRESS_FROM) return;
      const list: Chunk[] = [];
      for (let at = 0; at < text.length; at += CHUNK) {
        const piece = text.slice(at, at + CHUNK);
        // UTF-16 keeps any code unit (a lone surrogate too); Latin-1 the common all-ASCII text
        const wide = /[^\u0000-\u00ff]/.test(piece);
        list.push({ data: compress(Buffer.from(piece, wide ? 'utf16le' : 'latin1')), wide });
      }
      chunks = list;
      text = null;
    },
  };
}

/**
 * A rule's origin whose text is read from its artifact's store when asked for. The same fields as
 * a plain Origin (its JSON too, key for key); the text is a getter.
 */
class StoredOrigin implements Origin {
  readonly #store: TextStore;
  readonly #start: number;
  readonly #end: number;
  // declared, not defined: an origin has one of the two as its own property
  declare readonly line?: number;
  declare readonly jsonPath?: string;

  /** At a line (a number) or a JSON pointer (a string). */
  constructor(store: TextStore, start: number, end: number, place: number | string) {
    this.#store = store;
    this.#start = start;
    this.#end = end;
    if (typeof place === 'number') this.line = place;
    else this.jsonPath = place;
  }

  get backend(): Backend {
    return this.#store.backend;
  }

  get file(): string {
    return this.#store.file;
  }

  get text(): string {
    return this.#store.slice(this.#start, this.#end);
  }

  toJSON(): Origin {
    const { backend, file, line, jsonPath, text } = this;
    return line !== undefined ? { backend, file, line, text } : { backend, file, jsonPath: jsonPath!, text };
  }
}

/** The origin of the text between `start` and `end` of the store's source, at a line or a JSON pointer. */
export const storedOrigin = (
  store: TextStore,
  start: number,
  end: number,
  place: { line: number } | { jsonPath: string },
): Origin => new StoredOrigin(store, start, end, 'line' in place ? place.line : place.jsonPath);

/** storedOrigin at a line, without a place object (one origin per rule of a large text). */
export const storedLineOrigin = (store: TextStore, start: number, end: number, line: number): Origin =>
  new StoredOrigin(store, start, end, line);
