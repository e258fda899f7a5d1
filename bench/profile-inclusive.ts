// Where a whole CLI run spends its CPU, from V8's own profile of that very process (not a re-run of
// the phases one by one, which warms and collects differently): the inclusive seconds of named
// functions, and garbage collection, which V8 files apart from the functions that caused it.
//   node --cpu-prof --cpu-prof-dir=DIR --cpu-prof-interval 1000 \
//     --max-semi-space-size=32 --heap-growing-percent=35 --expose-gc dist/ksvc.mjs verify FILE --node node-01 --family ipv4
//   node --import tsx bench/profile-inclusive.ts DIR/*.cpuprofile [FUNCTION...] [--under FUNCTION]
// Without FUNCTIONs: verify's phases. With --under F: the inclusive seconds of each function F calls.
// Beside each named function, the collection that followed its samples: a garbage-collection sample
// is charged to the innermost named function of the sample before it (what ran just before the
// collector: what allocated, or built what the collector copies and marks).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const VERIFY_PHASES = [
  'lowerText',
  'compileNftables',
  'compileIptables',
  'readNftables',
  'readIptables',
  'prepareVerify',
  'runVerify',
  'shardShape',
  'refine',
];

const args = process.argv.slice(2);
const underAt = args.indexOf('--under');
const under = underAt >= 0 ? args[underAt + 1] : undefined;
const [file, ...named] = args.filter((_, i) => underAt < 0 || (i !== underAt && i !== underAt + 1));
if (file === undefined) {
  console.error('usage: bench/profile-inclusive.ts FILE.cpuprofile [FUNCTION...] [--under FUNCTION]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Microseconds of samples per node (its self time). */
const self = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

/** The function names from the root down to a node. */
function stack(id: number): string[] {
  const names: string[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
    names.push(nodes.get(at)!.callFrame.functionName || '(anonymous)');
  return names.reverse();
}

const seconds = (us: number) => (us / 1e6).toFixed(2).padStart(7);
const inclusive = new Map<string, number>();
let collection = 0;
for (const [id, us] of self) {
  const names = stack(id);
  if (names.at(-1) === '(garbage collector)') collection += us;
  if (under !== undefined) {
    const at = names.indexOf(under);
    if (at < 0) continue;
    const callee = names[at + 1] ?? '(self)';
    inclusive.set(callee, (inclusive.get(callee) ?? 0) + us);
    continue;
  }
  // a recursive function counts once per sample
  for (const name of new Set(names)) inclusive.set(name, (inclusive.get(name) ?? 0) + us);
}
/** Collection charged to the innermost of `names` in the sample before it (none: not charged). */
function collectionAfter(names: readonly string[]): Map<string, number> {
  const charged = new Map<string, number>();
  const innermost = new Map<number, string | null>();
  const phaseOf = (id: number): string | null => {
    let known = innermost.get(id);
    if (known === undefined) {
      known = stack(id).findLast((n) => names.includes(n)) ?? null;
      innermost.set(id, known);
    }
    return known;
  };
  let last: string | null = null;
  profile.samples.forEach((id, i) => {
    const name = nodes.get(id)!.callFrame.functionName;
    if (name === '(garbage collector)') {
      if (last !== null) charged.set(last, (charged.get(last) ?? 0) + (profile.timeDeltas[i] ?? 0));
    } else if (name !== '(idle)') last = phaseOf(id);
  });
  return charged;
}

const lines: string[] = [];
if (under !== undefined) {
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 20))
    lines.push(`${seconds(us)} s  ${under} > ${name}`);
} else {
  const names = named.length > 0 ? named : VERIFY_PHASES;
  const after = collectionAfter(names);
  for (const name of names)
    lines.push(
      `${seconds(inclusive.get(name) ?? 0)} s  ${name} (then collecting ${seconds(after.get(name) ?? 0).trim()} s)`,
    );
}
lines.push(`${seconds(collection)} s  garbage collection (filed apart)`, `${seconds(total)} s  all samples`);
// one write: a reader that stops early (| head) does not leave a half-written line
process.stdout.on('error', () => {});
process.stdout.write(`${lines.join('\n')}\n`);
