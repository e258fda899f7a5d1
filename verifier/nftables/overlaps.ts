// Elements of one map whose keys overlap (an interval map: 10.0.0.10-10.0.0.11 and
// 10.0.0.11-10.0.0.12). nft refuses such a map ("conflicting intervals specified", "File exists");
// the model's dispatch would take the first in its own order, which no kernel does. Exact keys
// repeated are caught when elements are added (nft-element-conflict): only a map with a range, a
// prefix or an interface prefix in some key is compared here, pair by pair (such maps are short).
import type { KeyPart } from '../model/program.ts';

type Range = readonly [bigint, bigint] | readonly [number, number];

const rangesMeet = (a: readonly Range[], b: readonly Range[]): boolean =>
  a.some(([alo, ahi]) => b.some(([blo, bhi]) => alo <= bhi && blo <= ahi));

type Names = readonly { name: string; prefix: boolean }[];

const namesMeet = (a: { names: Names }, b: { names: Names }): boolean =>
  a.names.some((x) =>
    b.names.some((y) =>
      x.prefix ? y.name.startsWith(x.name) : y.prefix ? x.name.startsWith(y.name) : x.name === y.name,
    ),
  );

function partsMeet(a: KeyPart, b: KeyPart): boolean {
  if ('ranges' in a && 'ranges' in b) return rangesMeet(a.ranges, b.ranges);
  if ('protocols' in a && 'protocols' in b) return a.protocols.some((p) => b.protocols.includes(p));
  if ('names' in a && 'names' in b) return namesMeet(a, b);
  if ('local' in a && 'local' in b) return a.local === b.local;
  return true; // different fields: not comparable, as if they met (the keys are read alike)
}

/** Whether a key holds anything but single values (a range, a prefix, an interface prefix). */
function isInterval(parts: readonly KeyPart[]): boolean {
  return parts.some((p) =>
    'ranges' in p ? p.ranges.some(([lo, hi]) => lo !== hi) : 'names' in p ? p.names.some((n) => n.prefix) : false,
  );
}

/** The indices of the first two elements whose keys overlap, or null. */
export function overlappingElements(keys: readonly (readonly KeyPart[] | 'never')[]): [number, number] | null {
  if (!keys.some((k) => k !== 'never' && isInterval(k))) return null;
  for (let i = 0; i < keys.length; i++) {
    const a = keys[i]!;
    if (a === 'never') continue;
    for (let j = i + 1; j < keys.length; j++) {
      const b = keys[j]!;
      if (b === 'never' || a.length !== b.length) continue;
      if (a.every((p, k) => partsMeet(p, b[k]!))) return [i, j];
    }
  }
  return null;
}
