// Run one mutation through the verifier and judge the answer. A bug counts as caught only when the
// report is not equivalent AND each counterexample is correct: re-evaluated with explainPacket, the
// witness gets a different distribution from the mutated artifact than from the original, the
// unmutated artifact and the IR still agree with each other on it, the reported distributions are
// the witness's, the comparison names the mutated artifact, and the region contains the witness.
import {
  type ArtifactText,
  type CheckOptions,
  explainPacket,
  type VerifyReport,
  verifyArtifacts,
} from '../../../api/verify.ts';
import type { Rational } from '../../../compiler/ir/outcome.ts';
import { artifactsOf, targetName } from './fixtures.ts';
import { caseHoldsIn, destinationRecords, regionProblems } from './region.ts';
import { type ArtifactKind, type Mutation, MutationNotApplied } from './types.ts';

export interface MutationResult {
  mutation: Mutation;
  applied: boolean;
  /** what the verifier said */
  verdict: 'equivalent' | 'different' | 'error';
  /** the verifier answered as expected, with correct counterexamples */
  ok: boolean;
  problems: string[];
  counterexamples: number;
  classes: number;
}

/** Counterexamples re-evaluated per mutation (each costs two explain runs); 20 checks all a report holds. */
const VALIDATED_COUNTEREXAMPLES = Number(process.env.KSVC_MUTATION_COUNTEREXAMPLES ?? 4);
const TV_BOUND: Rational = { num: 1n, den: 1n << 20n };

type Dist = Map<string, Rational>;

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
const norm = (r: Rational): string => {
  const g = gcd(r.num, r.den) || 1n;
  return `${r.num / g}/${r.den / g}`;
};

function sameDist(a: Dist | undefined, b: Dist | undefined): boolean {
  if (!a || !b || a.size !== b.size) return false;
  return [...a].every(([k, p]) => b.has(k) && norm(b.get(k)!) === norm(p));
}

/** The IR's intended distribution and an artifact's agree: same support, total variation within the bound. */
function irAgrees(ir: Dist | undefined, art: Dist | undefined): boolean {
  if (!ir || !art || ir.size !== art.size || ![...ir.keys()].every((k) => art.has(k))) return false;
  // ½ Σ |p − q| ≤ bound, over one common denominator
  let num = 0n;
  let den = 1n;
  for (const [k, p] of ir) {
    const q = art.get(k)!;
    const dn = p.num * q.den - q.num * p.den;
    const dd = p.den * q.den;
    num = num * dd + (dn < 0n ? -dn : dn) * den;
    den *= dd;
  }
  return num * TV_BOUND.den <= 2n * den * TV_BOUND.num;
}

const show = (d: Dist | undefined) =>
  d ? [...d].map(([k, p]) => `${norm(p)} ${k}`).join('; ') || '(empty)' : '(none)';

function inputsFor(m: Mutation, mutated: string): { iptables: ArtifactText; nftables: ArtifactText } {
  const a = artifactsOf(m.target);
  const name = (k: ArtifactKind) => `<${k}${m.artifact === k ? `, mutation ${m.id}` : ''}>`;
  return {
    iptables: { text: m.artifact === 'iptables' ? mutated : a.iptables, file: name('iptables') },
    nftables: { text: m.artifact === 'nftables' ? mutated : a.nftables, file: name('nftables') },
  };
}

function explainAll(
  m: Mutation,
  inputs: { iptables: ArtifactText; nftables: ArtifactText },
  packet: VerifyReport['counterexamples'][number]['witness'],
  region: readonly string[],
) {
  const a = artifactsOf(m.target);
  const r = explainPacket({ packet, family: a.family, model: { model: a.model, node: a.node }, ...inputs });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.explanation || errors.length > 0) return null;
  // a packet does not fix a record keyed by its destination: explain shows a case per record state,
  // and the region names the state (a condition of the region, not a field of the witness)
  const records = destinationRecords(region);
  const cases = r.explanation.cases.filter((c) => caseHoldsIn(c.conditions, records));
  if (cases.length !== 1) return null;
  const out: Record<string, Dist> = {};
  for (const [who, lines] of Object.entries(cases[0]!.results)) {
    out[who] = new Map(lines.map((l) => [l.outcome, l.p]));
  }
  return { dists: out, markBits: r.explanation.markBits };
}

/**
 * An original distribution as the mutated run observes it. A mutation that touches a mark bit
 * the original rules leave alone makes that bit observed (docs/verifier.md `owned-mark-bits`): the
 * original rules and the IR pass it through, so an accepted packet shows it as the witness has it.
 */
function liftMarks(d: Dist | undefined, extra: number, witnessMark: number): Dist | undefined {
  const bits = (witnessMark & extra) >>> 0;
  if (!d || bits === 0) return d;
  const lift = (k: string) =>
    k.startsWith('accept')
      ? k.replace(
          /\bmark 0x([0-9a-f]+)/,
          (_, v: string) => `mark 0x${((Number.parseInt(v, 16) | bits) >>> 0).toString(16)}`,
        )
      : k;
  return new Map([...d].map(([k, p]) => [lift(k), p]));
}

export function counterexampleProblems(
  m: Mutation,
  mutated: string,
  cx: VerifyReport['counterexamples'][number],
): string[] {
  const problems: string[] = [];
  const say = (s: string) => problems.push(`${cx.comparison} witness ${JSON.stringify(cx.witness)}: ${s}`);
  for (const p of regionProblems(cx.region, cx.witness)) say(p);
  if (!cx.comparison.split('=').includes(m.artifact)) say('the comparison does not name the mutated artifact');
  const originalRun = explainAll(m, inputsFor(m, artifactsOf(m.target)[m.artifact]), cx.witness, cx.region);
  const afterRun = explainAll(m, inputsFor(m, mutated), cx.witness, cx.region);
  if (!originalRun || !afterRun) {
    say('explain failed on the witness');
    return problems;
  }
  const after = afterRun.dists;
  const extra = (afterRun.markBits & ~originalRun.markBits) >>> 0;
  const original: Record<string, Dist> = Object.fromEntries(
    Object.entries(originalRun.dists).map(([who, d]) => [who, liftMarks(d, extra, cx.witness.mark ?? 0)!]),
  );
  const other: ArtifactKind = m.artifact === 'iptables' ? 'nftables' : 'iptables';
  if (!sameDist(original.iptables, original.nftables)) {
    say(`the original artifacts disagree: ${show(original.iptables)} vs ${show(original.nftables)}`);
  }
  if (!irAgrees(original.ir, original[other])) say(`the IR and ${other} disagree on the original`);
  if (sameDist(after[m.artifact], original[m.artifact])) {
    say(`the mutated ${m.artifact} gives the witness the original distribution: ${show(original[m.artifact])}`);
  }
  if (!sameDist(after[other], original[other]) || !sameDist(after.ir, original.ir)) {
    say(`the unmutated ${other} or the IR changed on the witness`);
  }
  const [left, right] = cx.comparison.split('=') as [string, string];
  const stillDiffers = left === 'ir' ? !irAgrees(after.ir, after[right]) : !sameDist(after[left], after[right]);
  if (!stillDiffers) say(`explain shows no difference for ${cx.comparison} on the witness`);
  for (const [who, lines] of Object.entries(cx.distributions)) {
    const reported: Dist = new Map(lines.map((l) => [l.outcome, l.p]));
    const actual = who === m.artifact ? after[who] : original[who];
    if (!sameDist(reported, actual)) {
      say(`reported ${who} distribution ${show(reported)} is not the witness's ${show(actual)}`);
    }
  }
  return problems;
}

/** The verifier's report on the mutated artifact with the other, unmutated one and the model's IR. */
export function verifyMutated(
  m: Mutation,
  mutated: string,
  options: CheckOptions = {},
): { report: VerifyReport | null; errors: string[] } {
  const a = artifactsOf(m.target);
  const verified = verifyArtifacts({
    ...inputsFor(m, mutated),
    model: { model: a.model, node: a.node },
    family: a.family,
    ...options,
  });
  const errors = verified.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
  const report = errors.length === 0 && verified.runs.length === 1 ? verified.runs[0]!.report : null;
  if (!report && errors.length === 0) errors.push(`${verified.runs.length} runs`);
  return { report, errors };
}

export function runMutation(m: Mutation): MutationResult {
  const result: MutationResult = {
    mutation: m,
    applied: false,
    verdict: 'error',
    ok: false,
    problems: [],
    counterexamples: 0,
    classes: 0,
  };
  const original = artifactsOf(m.target)[m.artifact];
  let mutated: string;
  try {
    mutated = m.apply(original);
  } catch (e) {
    if (!(e instanceof MutationNotApplied)) throw e;
    result.problems.push(`not applied: ${e.message}`);
    return result;
  }
  if (mutated === original) {
    result.problems.push('not applied: the text is unchanged');
    return result;
  }
  result.applied = true;
  const { report, errors } = verifyMutated(m, mutated);
  if (!report) {
    result.problems.push(`${targetName(m.target)}: no report: ${errors.join('; ')}`);
    return result;
  }
  result.verdict = report.equivalent ? 'equivalent' : 'different';
  result.counterexamples = report.counterexamples.length;
  result.classes = report.stats.classes;
  if (m.expect === 'equivalent') {
    if (!report.equivalent) {
      const cx = report.counterexamples[0]!;
      result.problems.push(
        `reported not equivalent: ${cx.comparison} at ${JSON.stringify(cx.witness)}: ${Object.entries(cx.distributions)
          .map(([k, d]) => `${k}: ${d.map((l) => `${norm(l.p)} ${l.outcome}`).join('; ')}`)
          .join(' | ')}`,
      );
    }
  } else if (report.equivalent) {
    result.problems.push('reported equivalent');
  } else {
    for (const cx of report.counterexamples.slice(0, VALIDATED_COUNTEREXAMPLES)) {
      result.problems.push(...counterexampleProblems(m, mutated, cx));
    }
    for (const cx of report.counterexamples.slice(VALIDATED_COUNTEREXAMPLES)) {
      if (!cx.comparison.split('=').includes(m.artifact)) {
        result.problems.push(`${cx.comparison}: a counterexample that does not name the mutated artifact`);
      }
    }
  }
  if (m.check) {
    try {
      m.check(report);
    } catch (e) {
      result.problems.push(`check: ${(e as Error).message}`);
    }
  }
  result.ok = result.problems.length === 0;
  return result;
}
