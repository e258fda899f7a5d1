// Random edits of the artifacts (test/verifier/random-edits.ts) through the kernel's packet path:
// the edited ruleset (iptables with its builtin-chain jumps, or the nft document) is loaded into a
// node namespace of the packet-test topology and every frontend is probed from every source
// (matrix.ts), and what the kernel does must be what the verifier's reading of the edited text
// says: the plain interpreter of the reader's program (test/verifier/concrete-interpreter.ts,
// which the random-edit campaigns hold the engine to) gives each probe's expected outcomes. So the
// readers' meaning of rules no valid model produces — a goto, a dropped protocol, another mark,
// another chain — is checked against the kernel itself, not only against each other.
// Used by edit-packets.test.ts (a fixed sample) and scripts/fuzz-edit-packets.ts (campaigns).
import { ipOf } from '../../common/ip.ts';
import type { Distribution, Outcome, Rational } from '../../compiler/ir/outcome.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import type { NetfilterProgram } from '../../verifier/model/program.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { type ConcreteWorld, interpret, UnmodelledPacket } from '../verifier/concrete-interpreter.ts';
import { type EditedFamily, editedCase } from '../verifier/random-edits.ts';
import { type Expectation, expectationOf, packetOf } from './expected.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import { formatReport, runDifferential } from './matrix.ts';
import type { Probe } from './probe.ts';
import type { TopologyPlan } from './topology.ts';

export type ProbedArtifact = 'iptables' | 'nftables';

export interface EditPacketsResult {
  what: string | null;
  /** 'unreadable': the reader refuses the edited text; 'refused': the kernel's tool does */
  /**
   * 'foreign': the edit made a rule the reader lists as not kube-proxy's; 'unmodelled': a probe
   * meets a question the model leaves open (neither is judged)
   */
  outcome: 'skipped' | 'unreadable' | 'refused' | 'foreign' | 'unmodelled' | 'probed';
  problems: string[];
  probes: number;
  /** the cells and what each backend saw, when there are problems */
  report: string;
}

/** An interpreter outcome key (outcomeKey's spelling) back as an outcome. */
export function outcomeOfKey(key: string): Outcome {
  const words = key.split(' ');
  const at = (w: string) => words.indexOf(w);
  const dnatAt = at('dnat');
  let dnat: Outcome['dnat'] = null;
  if (dnatAt >= 0) {
    const target = words[dnatAt + 1]!;
    const colon = target.lastIndexOf(':');
    dnat = { ip: target.slice(0, colon).replace(/^\[|\]$/g, '') as never, port: Number(target.slice(colon + 1)) };
  }
  const masquerade = words.includes('masquerade-fully-random')
    ? 'masquerade-fully-random'
    : words.includes('masquerade')
      ? 'masquerade'
      : 'none';
  const markAt = at('mark');
  // the affinity lists come last, comma-separated; an nft list name has spaces ({saddr . ip . port})
  const affinityAt = key.indexOf(' affinity ');
  return {
    verdict: words[0] as Outcome['verdict'],
    dnat,
    masquerade,
    mark: markAt >= 0 ? Number.parseInt(words[markAt + 1]!, 16) : 0,
    affinityWrites: affinityAt >= 0 ? (key.slice(affinityAt + ' affinity '.length).split(',') as never[]) : [],
  };
}

const asDistribution = (d: ReadonlyMap<string, Rational>): Distribution =>
  [...d.entries()].map(([key, p]) => ({ outcome: outcomeOfKey(key), p }));

/** At most this many affinity states per probe (each a set of lists with a fresh record). */
const MAX_STATES = 64;

/**
 * What the kernel may show for one cell of an edited ruleset. Probes of a cell come from one source,
 * so after the first one the source may hold fresh affinity records, and an edited ruleset need not
 * stick to one endpoint (an affinity check may now RETURN): every outcome of every state reachable
 * by the writes is allowed (from no record: the first probe's), none is required.
 */
function editedExpectation(
  read: NetfilterProgram,
  world: ConcreteWorld,
  plan: TopologyPlan,
  probe: Probe,
): Expectation {
  const first = packetOf(plan, probe);
  const outcomes = new Map<string, Rational>();
  const seen = new Set<string>();
  const queue: string[][] = [[]];
  while (queue.length > 0 && seen.size < MAX_STATES) {
    const lists = queue.shift()!;
    const key = lists.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const ages = Object.fromEntries(lists.map((l) => [l, 0]));
    for (const [k, p] of interpret(read, { ...first, affinityAges: ages }, world)) {
      outcomes.set(k, p);
      const writes = outcomeOfKey(k).affinityWrites;
      const next = [...new Set([...lists, ...writes])].sort();
      if (next.length > lists.length) queue.push(next);
    }
  }
  const e = expectationOf(asDistribution(outcomes), plan, probe);
  return { ...e, required: seen.size > 1 ? [] : e.required, sticky: false };
}

/** The edited case of `seed` loaded into the kernel and probed, judged against the reading of it. */
export async function checkEditPackets(
  seed: number,
  artifact: ProbedArtifact,
  family: EditedFamily = 'first',
): Promise<EditPacketsResult> {
  const c = editedCase(seed, artifact, { family, hooks: true });
  const none = { problems: [], probes: 0, report: '' };
  if (c === null) return { what: null, outcome: 'skipped', ...none };
  const { ir } = c;
  const what = c.edit.what;
  const text = c.edited[artifact];
  let program: NetfilterProgram | undefined;
  if (artifact === 'iptables') {
    const r = readIptables(text, { file: 'edited', family: ir.family, assumeHooks: true });
    if (!r.diagnostics.some((d) => d.severity === 'error')) program = r.program ?? undefined;
  } else {
    const r = readNftables(text, { file: 'edited' });
    if (!r.diagnostics.some((d) => d.severity === 'error')) program = r.programs.find((p) => p.family === ir.family);
  }
  if (program === undefined) return { what, outcome: 'unreadable', ...none };
  // A rule in a builtin chain that is not one of kube-proxy's jumps (a hook made RETURN) is listed
  // and assumed not to change the packet (assumption kube-chains-only): outside what is judged.
  if (program.ignored.some((i) => i.kind === 'rule')) return { what, outcome: 'foreign', ...none };
  const read = program;
  const backend = artifact === 'iptables' ? iptablesBackend(ir, text) : nftablesBackend(ir, text);
  let report: Awaited<ReturnType<typeof runDifferential>>;
  try {
    report = await runDifferential(ir, [backend], {
      tag: 'ed',
      expect: (plan, probe) => {
        // LOCAL as the namespace has it (the node's addresses and the topology's links)
        const local = [...new Set([...ir.nodeIPs, ...plan.nodeLocal])].filter((ip) => ipOf(ip).family === ir.family);
        return editedExpectation(read, { local, markMask: ir.masqueradeMark, canonicalList: (n) => n }, plan, probe);
      },
    });
  } catch (e) {
    // a probe the model leaves open (the verifier refuses such a ruleset): not judged
    if (e instanceof UnmodelledPacket) return { what, outcome: 'unmodelled', ...none };
    // the kernel's tool refused the text (what the reader accepted): the edit-dumps campaign's concern
    const message = (e as Error).message;
    if (/restore|nft .*-f/.test(message)) return { what, outcome: 'refused', ...none, problems: [`load: ${message}`] };
    throw e;
  }
  return {
    what,
    outcome: 'probed',
    problems: report.irMismatches,
    probes: report.probes,
    report: report.irMismatches.length > 0 ? formatReport(report, [backend]) : '',
  };
}
