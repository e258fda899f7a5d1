// The mark dimension's sets (verifier/engine/space.ts): a test of some mark bits holds for a set of
// mark atoms, which must be a proper interval set (sorted, disjoint, never adjacent ranges) — the
// class queries' subset test reads it by its ranges. Atoms differing only in bits a test leaves
// free are adjacent, so a set built atom by atom was not.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromRanges } from '../../verifier/engine/intervals.ts';
import { buildMarkBits, markAtoms, markSet, type PacketSpace } from '../../verifier/engine/space.ts';

const MarkBits = suite('mark bits as interval sets');

const isProper = (s: readonly number[]): boolean => {
  for (let i = 0; i < s.length; i += 2) {
    if (s[i]! > s[i + 1]!) return false;
    if (i > 0 && s[i]! <= s[i - 1]! + 1) return false;
  }
  return true;
};

MarkBits('every test of every combination of up to four bits gives a proper set of exactly its atoms', () => {
  const candidates = [0, 1, 14, 15, 31];
  let checked = 0;
  for (let pick = 1; pick < 1 << candidates.length; pick++) {
    const bits = candidates.filter((_, i) => (pick >> i) & 1);
    if (bits.length > 4) continue;
    const all = bits.reduce((m, b) => (m | (1 << b)) >>> 0, 0);
    // a space is only the cache's key here: markSet reads its mark bits
    const space = { marks: buildMarkBits([all]) } as PacketSpace;
    for (let mask = all; ; mask = (mask - 1) & all) {
      for (let value = mask; ; value = (value - 1) & mask) {
        const set = markSet(space, mask >>> 0, value >>> 0);
        const atoms = markAtoms(space.marks, mask >>> 0, value >>> 0);
        assert.ok(isProper(set), `bits ${bits} mask ${mask} value ${value}: ${set}`);
        assert.equal(set, fromRanges(atoms.map((a) => [a, a] as const)));
        checked++;
        if (value === 0) break;
      }
      if (mask === 0) break;
    }
  }
  assert.ok(checked > 500, `${checked} tests`);
});

MarkBits.run();
