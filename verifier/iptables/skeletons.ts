// The template of a scanned line, found by its skeleton's hash without making the skeleton string.
// A hit is checked piece by piece against the skeleton the template was made from (a hash says
// nothing for sure); a miss makes the texts and the skeleton string and asks template.ts, which
// matches it with the ohm grammar (once per distinct skeleton).
import { ownText } from '../model/text-store.ts';
import { cachedTemplate, type LineTemplate, type TemplateFailure } from './template.ts';
import { completeTokens, type Tokens } from './tokenize.ts';

interface Entry {
  /** The skeleton's pieces: a literal token's text, or null for a placeholder. */
  pieces: (string | null)[];
  template: LineTemplate | TemplateFailure;
  /** Another skeleton with the same hash. */
  next: Entry | null;
}

/** Shared by every read, like template.ts's cache (templates hold no line data). */
const byHash = new Map<number, Entry>();

function sameSkeleton(e: Entry, tk: Tokens): boolean {
  const pieces = e.pieces;
  if (pieces.length !== tk.count) return false;
  const { src, base, starts, ends, literal } = tk;
  for (let k = 0; k < pieces.length; k++) {
    const p = pieces[k]!;
    if (p === null) {
      if (literal[k]) return false;
      continue;
    }
    if (!literal[k]) return false;
    const s = base + starts[k]!;
    if (ends[k]! + base - s !== p.length || !src.startsWith(p, s)) return false;
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
  const pieces: (string | null)[] = [];
  // own copies: a slice would keep this read's whole text alive as long as the cache (the process)
  for (let k = 0; k < tk.count; k++) pieces.push(tk.literal[k] ? ownText(tk.texts[k]!) : null);
  byHash.set(tk.hash, { pieces, template, next: first });
  return template;
}
