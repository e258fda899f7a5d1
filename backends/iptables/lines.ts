// Output text built line by line in chunks, for the restore and save renderers.

/**
 * Lines joined in chunks: flattening every LINES_PER_CHUNK lines keeps the rope of each line
 * short-lived (at 450,000 lines, holding them all until one final join made GC the dominant cost).
 * The pending lines live in one preallocated array reused for every chunk: growing a fresh array
 * per chunk cost more than the join (measured with bench/compile-iptables.ts: CPU ~850 -> ~650 ms).
 */
export interface LineBuffer {
  add(line: string): void;
  /** The lines joined by "\n" (no trailing newline), "" when empty. */
  text(): string;
  /** The same text in pieces: chunks().join("\n") === text(); each piece ends on a whole line. */
  chunks(): readonly string[];
  /**
   * The chunks completed so far, handed over and forgotten (the pending lines stay): a streaming
   * writer takes them as they fill; chunks() then holds only what came after.
   */
  takeFull(): string[];
  readonly count: number;
}

const LINES_PER_CHUNK = 1024;

export function lineBuffer(): LineBuffer {
  // The pending lines are cur[0..pending): one preallocated array, reused for every chunk.
  const cur = new Array<string>(LINES_PER_CHUNK).fill('');
  let pending = 0;
  let chunks: string[] = [];
  let count = 0;
  const flush = () => {
    if (pending === 0) return;
    chunks.push(pending === LINES_PER_CHUNK ? cur.join('\n') : cur.slice(0, pending).join('\n'));
    pending = 0;
  };
  return {
    add(line) {
      cur[pending++] = line;
      count++;
      if (pending === LINES_PER_CHUNK) flush();
    },
    text() {
      flush();
      return chunks.join('\n');
    },
    chunks() {
      flush();
      return chunks;
    },
    takeFull() {
      const full = chunks;
      chunks = [];
      return full;
    },
    get count() {
      return count;
    },
  };
}
