// Campaign: damaged and pathological inputs. Every reader and the verifier must answer with
// diagnostics or a verdict — never throw, never take more than linear time. Four kinds:
//   numbers  every number of each artifact (a sample per case) replaced by extreme values
//   types    every value of the nft document (a sample per case) replaced by a value of another type
//   lines    iptables text with lines deleted, repeated, swapped, tokens inserted, dropped, replaced
//   runs     200,000 copies of one character or pair through every reader, timed (seeds unused)
// The artifacts come from random models (test/property/arbitrary-model.ts), one per seed.
//   npm run fuzz:inputs -- [--kind numbers|types|lines|runs|all] [--from N] [--count N]
// Exit 0 when nothing threw or ran slow, 1 otherwise (each problem printed).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { compileIptables } from '../api/iptables.ts';
import { check, parse } from '../api/ksvc.ts';
import { readKubernetes } from '../api/kubernetes.ts';
import { lower } from '../api/lower.ts';
import { compileNftables } from '../api/nftables.ts';
import { verifyArtifacts } from '../api/verify.ts';
import { arbitraryModel } from '../test/property/arbitrary-model.ts';
import { readIptables } from '../verifier/iptables/index.ts';
import { readNftables } from '../verifier/nftables/index.ts';
import { campaignArgs } from './campaign-args.ts';

const KINDS = ['numbers', 'types', 'lines', 'runs', 'all'] as const;
const args = campaignArgs('fuzz-inputs', { count: 100, choices: { kind: { values: KINDS, default: 'all' } } });

const EXTREMES = ['-1', '0', '-0', '1.5', '1e-7', '65536', '2147483648', '4294967296', '9007199254740993', '1e300'];
const OTHER_TYPES: unknown[] = [null, true, '', '@', '*', [], {}, [[]], -1, 0.5, 1e30, { concat: [] }, { set: [] }];
const TOKENS = [
  '-m',
  'tcp',
  '!',
  '-j',
  '-g',
  'RETURN',
  'DROP',
  '--dport',
  '30000:30010',
  '-p',
  'icmp',
  '-s',
  '::1',
  '0.0.0.0/0',
  '--to-destination',
  '10.1.1.1:80',
  '--probability',
  '1.5',
  'recent',
  '--rcheck',
  '--seconds',
  'mark',
  '--mark',
  '0x4000/0x4000',
  'MASQUERADE',
  'DNAT',
  'conntrack',
  '--ctstate',
  'INVALID',
  '"x y"',
  'COMMIT',
  '*nat',
  ':KUBE-NEW - [0:0]',
  '-X',
  '-A',
];
/** Sampled places per case (numbers, types): enough to touch every construct over a campaign. */
const SPOTS = 40;

const problems: string[] = [];
const tally = { runs: 0, diagnostics: 0, equivalent: 0, different: 0 };

/** Verify two artifact texts; a throw is a problem. */
function verifyTexts(what: string, iptables: string, nftables: string, family: 'ipv4' | 'ipv6'): void {
  tally.runs++;
  try {
    const r = verifyArtifacts({
      iptables: { text: iptables, file: 'i' },
      nftables: { text: nftables, file: 'n' },
      family,
    });
    if (r.diagnostics.some((d) => d.severity === 'error')) tally.diagnostics++;
    else if (r.runs.every((x) => x.report?.equivalent)) tally.equivalent++;
    else tally.different++;
  } catch (e) {
    problems.push(`${what}: threw ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
  }
}

/** A seeded choice of `n` of `items` (all when there are fewer). */
function sample<T>(items: readonly T[], n: number, rnd: () => number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, () => items[Math.floor(rnd() * items.length)]!);
}

function numbersCase(seed: string, ipt: string, nft: string, family: 'ipv4' | 'ipv6', rnd: () => number): void {
  for (const [name, text] of [
    ['iptables', ipt],
    ['nftables', nft],
  ] as const) {
    for (const m of sample([...text.matchAll(/-?\d+(\.\d+)?/g)], SPOTS / 4, rnd)) {
      for (const x of EXTREMES) {
        const edited = text.slice(0, m.index) + x + text.slice(m.index! + m[0].length);
        const at = `${seed} numbers ${name} @${m.index} -> ${x}`;
        if (name === 'iptables') verifyTexts(at, edited, nft, family);
        else verifyTexts(at, ipt, edited, family);
      }
    }
  }
}

function typesCase(seed: string, ipt: string, nft: string, family: 'ipv4' | 'ipv6', rnd: () => number): void {
  const doc = JSON.parse(nft);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]): void => {
    if (p.length >= 3) paths.push(p);
    if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, [...p, i]);
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) walk((v as never)[k], [...p, k]);
  };
  walk(doc, []);
  for (const p of sample(paths, SPOTS / 4, rnd)) {
    for (const alt of OTHER_TYPES) {
      const copy = structuredClone(doc);
      let o = copy;
      for (const k of p.slice(0, -1)) o = o[k];
      o[p.at(-1)!] = alt;
      verifyTexts(`${seed} types /${p.join('/')} -> ${JSON.stringify(alt)}`, ipt, JSON.stringify(copy), family);
    }
  }
}

function linesCase(seed: string, ipt: string, nft: string, family: 'ipv4' | 'ipv6', rnd: () => number): void {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  for (let k = 0; k < 10; k++) {
    const lines = ipt.split('\n');
    for (let e = 1 + Math.floor(rnd() * 3); e > 0; e--) {
      const i = Math.floor(rnd() * lines.length);
      const op = Math.floor(rnd() * 6);
      if (op === 0) lines.splice(i, 1);
      else if (op === 1) lines.splice(i, 0, pick(lines));
      else if (op === 2) {
        const j = Math.floor(rnd() * lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      } else {
        const tokens = (lines[i] ?? '').split(' ');
        const at = Math.floor(rnd() * (tokens.length + 1));
        if (op === 3) tokens.splice(at, 0, pick(TOKENS));
        else if (op === 4) tokens.splice(at, 1);
        else tokens[at] = pick(TOKENS);
        lines[i] = tokens.join(' ');
      }
    }
    verifyTexts(`${seed} lines #${k}`, lines.join('\n'), nft, family);
  }
}

/** Runs of one character or pair through every reader; more than 3 s for 200,000 is slow. */
function runsKind(): void {
  const units = [
    ' ',
    '#',
    ':',
    '.',
    '/',
    '-',
    '\\',
    '"',
    "'",
    '[',
    '{',
    '}',
    'a',
    '0',
    ',',
    '*',
    '!',
    '=',
    '\t',
    'a:',
    '1.',
    '0:',
    '::',
    '--',
    '\\"',
    '# ',
    'a,',
    '1/',
    '-a',
    '\\\\*',
    '${',
  ];
  const example = readFileSync(new URL('../examples/everything.ksvc', import.meta.url), 'utf8');
  const yaml = readFileSync(new URL('../examples/seed-local.yaml', import.meta.url), 'utf8');
  const ir = lower(parseModel(example), { node: 'node-a', family: 'ipv4' }).programs[0]!;
  const ipt = compileIptables(ir, { hooks: true });
  const nft = compileNftables([ir]);
  for (const u of units) {
    const run = u.repeat(Math.ceil(200_000 / u.length));
    const cases: [string, () => unknown][] = [
      ['.ksvc alone', () => check(parse(run, { file: 'x' }))],
      ['.ksvc comment', () => check(parse(`# ${run}\n${example}`, { file: 'x' }))],
      [
        'iptables rule',
        () => readIptables(ipt.replace('-A KUBE-SERVICES ', `-A KUBE-SERVICES ${run} `), { file: 'x' }),
      ],
      ['iptables line', () => readIptables(`${run}\n${ipt}`, { file: 'x' })],
      ['nft string', () => readNftables(nft.replace('"kube-proxy"', JSON.stringify(run)), { file: 'x' })],
      ['nft raw', () => readNftables(`${run}${nft}`, { file: 'x' })],
      ['yaml raw', () => readKubernetes([{ file: 'x.yaml', text: `${run}\n${yaml}` }])],
    ];
    for (const [what, f] of cases) {
      tally.runs++;
      const t = performance.now();
      try {
        f();
      } catch (e) {
        problems.push(`runs ${what} ${JSON.stringify(u)}: threw ${(e as Error).message.slice(0, 120)}`);
      }
      const ms = performance.now() - t;
      if (ms > 3000) problems.push(`runs ${what} ${JSON.stringify(u)}: ${ms.toFixed(0)} ms for 200,000 characters`);
    }
  }
}

function parseModel(text: string) {
  const checked = check(parse(text, { file: 'everything.ksvc' }));
  if (!checked.model) throw new Error('examples/everything.ksvc does not check');
  return checked.model;
}

const kinds = args.kind === 'all' ? KINDS.filter((k) => k !== 'all') : [args.kind];
if (kinds.includes('runs')) runsKind();
for (let seed = args.from; seed < args.from + args.count && kinds.some((k) => k !== 'runs'); seed++) {
  const [c] = fc.sample(
    fc.record({ model: arbitraryModel({ maxServices: 3, maxEndpoints: 4 }), r: fc.integer({ min: 1, max: 2 ** 30 }) }),
    { numRuns: 1, seed },
  );
  const ir = lower(c!.model, { node: c!.model.nodes[0]?.name }).programs[0];
  if (!ir) continue;
  let state = c!.r;
  const rnd = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const ipt = compileIptables(ir, { hooks: true });
  const nft = compileNftables([ir]);
  const label = `seed ${seed}`;
  if (kinds.includes('numbers')) numbersCase(label, ipt, nft, ir.family, rnd);
  if (kinds.includes('types')) typesCase(label, ipt, nft, ir.family, rnd);
  if (kinds.includes('lines')) linesCase(label, ipt, nft, ir.family, rnd);
}
const seeds = kinds.some((k) => k !== 'runs') ? `, seeds ${args.from}..${args.from + args.count - 1}` : '';
console.log(`fuzz-inputs ${kinds.join(',')}${seeds}: ${JSON.stringify(tally)}`);
for (const p of problems) console.log(`PROBLEM ${p}`);
process.exit(problems.length > 0 ? 1 : 0);
