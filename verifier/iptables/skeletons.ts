// The template of a scanned line, found by its skeleton's hash without making the skeleton string.
// A hit is checked piece by piece against the skeleton the template was made from (a hash says
// nothing for sure); a miss makes the texts and the skeleton string and asks template.ts, which
// matches it with the ohm grammar (once per distinct skeleton).
import { cachedTemplate, type LineTemplate, type TemplateFailure } from './template.ts';
import { completeTokens, type Tokens } from './tokenize.ts';

interface Entry {
  /** By token: a literal token's length, or -1 for a placeholder. */
  lengths: Int32Array;
  /** The literal tokens' characters, one after another (compared in a loop: cheaper than startsWith per token). */
  chars: Uint16Array;
  template: LineTemplate | TemplateFailure;
  /** Another skeleton with the same hash. */
  next: Entry | null;
}

/** Shared by every read, like template.ts's cache (templates hold no line data). */
const byHash = new Map<number, Entry>();

function sameSkeleton(e: Entry, tk: Tokens): boolean {
  const { lengths, chars } = e;
  if (lengths.length !== tk.count) return false;
  const { src, base, starts, ends, literal } = tk;
  let at = 0;
  for (let k = 0; k < lengths.length; k++) {
    const n = lengths[k]!;
    if (n < 0) {
      if (literal[k]) return false;
      continue;
    }
    if (!literal[k] || ends[k]! - starts[k]! !== n) return false;
    const s = base + starts[k]!;
    for (let j = 0; j < n; j++) if (chars[at + j] !== src.charCodeAt(s + j)) return false;
    at += n;
  }
  return true;
}

/**
 * The template of the line scanned into `tk` (tokenize.ts scanLine). On a miss `tk` gets its texts
 * and skeleton string; on a hit they are left stale.
 */
export function templateOfScan(tk: Tokens): LineTemplate | TemplateFailure {
  const first = byHash.get(tk.hash) ?? null;
  for (let e = first; e !== null; e = e.next) if (sameSkeleton(e, tk)) return e.template;
  completeTokens(tk);
  const template = cachedTemplate(tk);
  // copies of the characters: a slice would keep this read's whole text alive as long as the cache (the process)
  const lengths = new Int32Array(tk.count);
  const codes: number[] = [];
  for (let k = 0; k < tk.count; k++) {
    const text = tk.texts[k]!;
    lengths[k] = tk.literal[k] ? text.length : -1;
    if (tk.literal[k]) for (let j = 0; j < text.length; j++) codes.push(text.charCodeAt(j));
  }
  byHash.set(tk.hash, { lengths, chars: Uint16Array.from(codes), template, next: first });
  return template;
}
