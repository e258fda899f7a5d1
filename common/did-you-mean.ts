// "Did you mean ...?" for every front end: a keyword misspelt in a .ksvc file or a YAML enum, a node
// name that is not declared. One edit distance (optimal string alignment: insertions, deletions,
// substitutions and adjacent transpositions each cost 1), bounded so that a hopeless comparison
// stops early.

/** The edit distance of a and b, or `max + 1` as soon as it is known to exceed `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  // Three rows of the dynamic-programming table: two back (for transpositions), previous, current.
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, before[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    before = prev;
    prev = cur;
  }
  const d = prev[b.length]!;
  return d > max ? max + 1 : d;
}

/**
 * The keyword closest to what was written, if it is close enough to be a typo: the same word in
 * another case first ("tcp" for "TCP"), else one edit away for words of up to 3 characters and two
 * edits for longer ones. For small fixed vocabularies (keywords, enum values).
 */
export function closestKeyword(written: string, candidates: readonly string[]): string | undefined {
  if (written.length === 0 || written.length > 40) return undefined;
  const lower = written.toLowerCase();
  const otherCase = candidates.find((c) => c.toLowerCase() === lower && c !== written);
  if (otherCase !== undefined) return otherCase;
  const limit = written.length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestD = limit + 1;
  for (const c of candidates) {
    if (c === written) continue;
    const d = editDistance(lower, c.toLowerCase(), bestD - 1);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** How far a name may be from a declared one to be offered: 2 edits, or a third of its length. */
export const nameDistanceLimit = (name: string): number => Math.max(2, Math.floor(name.length / 3));

/**
 * "Did you mean" over a large set of declared names (nodes): built once, asked many times. The
 * names are grouped by length, and a name is compared only with names whose length is within the
 * distance limit (a longer gap already costs more edits than allowed); each comparison stops as
 * soon as it cannot beat the best so far. Ties go to the name declared first. Names longer than
 * 253 characters (no Kubernetes name is) get no suggestion.
 */
export function nameSuggester(candidates: Iterable<string>): (name: string) => string | null {
  const byLength = new Map<number, { name: string; order: number }[]>();
  let order = 0;
  for (const name of candidates) {
    const list = byLength.get(name.length);
    const entry = { name, order: order++ };
    if (list) list.push(entry);
    else byLength.set(name.length, [entry]);
  }
  return (name) => {
    if (name.length > 253) return null;
    const limit = nameDistanceLimit(name);
    let best: { name: string; order: number } | null = null;
    let bestD = limit + 1;
    for (let len = name.length - limit; len <= name.length + limit; len++) {
      for (const c of byLength.get(len) ?? []) {
        if (c.name === name) continue;
        // A later candidate must be strictly closer; an earlier one may tie.
        const d = editDistance(name, c.name, bestD);
        if (d < bestD || (d === bestD && best !== null && c.order < best.order)) {
          bestD = d;
          best = c;
        }
      }
    }
    return best?.name ?? null;
  };
}
