// `ksvc diff`: what a change to a .ksvc file does to packets, for code review. Both versions are
// compiled for the node, read back by the verifier's readers, and compared by its engine: every
// way packets are routed differently, with a witness, the region it stands for, the old and new
// outcome distributions and the service ports it addresses. Two rulesets from anywhere compare the
// same way (--input iptables|nft). Exit 0 same routing, 1 changes, 2 input.

import type { ArtifactDiffInput, DiffRun } from '../api/diff.ts';
import type { ArtifactText, VerifyProgress } from '../api/verify.ts';
import { appendAll } from '../common/append.ts';
import { type Diagnostic, withoutRepeats } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import type { SourceFile } from '../common/source.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { capRepeated } from '../compiler/shared-rules/cap.ts';
import type { Backend } from '../verifier/model/program.ts';
import {
  fileError,
  inputError,
  jobsOf,
  LOWERING_FLAGS,
  type LoweringFlagValues,
  loweringFlagArgs,
  loweringOptions,
  operandWord,
  optionWords,
  outputFormatOf,
  parseCommandArgs,
  usageError as usage,
} from './args.ts';
import type { Command } from './command.ts';
import type { DiffJob } from './diff-job-child.ts';
import { diffNode, forReview } from './diff-node.ts';
import { explainCommandLine } from './explain-line.ts';
import { groupedNumber } from './grouped-number.ts';
import {
  type CliIO,
  EXIT_FINDINGS,
  EXIT_OK,
  EXIT_USAGE,
  type InputFailure,
  inputName,
  MAX_ARTIFACT_BYTES,
  readInputFile,
} from './io.ts';
import { KUBE_SETTING_FLAGS, type KubeSettings, kubeSettingArgs, kubeSettingOptions } from './kube-setting-flags.ts';
import { type LoadedInput, loadKsvcFile, loadKubernetesFiles } from './load-input.ts';
import { renderDiagnostics, withArtifactSources } from './render-diagnostics.ts';
import type { DiffInputs } from './render-diff.ts';
import { NO_STATUS_LINE, statusLine } from './status-line.ts';

const HELP = `Usage: ksvc diff OLD.ksvc NEW.ksvc [options]
       ksvc diff --input k8s OLD.yaml NEW.yaml [options]
       ksvc diff --input iptables|nft OLD NEW [--family F] [options]

Show what a change does to packets: both versions are compiled to the ruleset the node loads,
read back by the verifier's own readers and compared exactly, as \`ksvc verify\` compares the two
backends. Each way packets are routed differently is printed once: a readable witness packet, the
region of packets that change the same way, the old and the new outcome distribution (endpoints
and their probabilities, masquerade, drop or reject, affinity records), the service ports the
witness is addressed to, and \`ksvc explain\` lines for both versions. Renamed chains, reordered
rules or services, and other edits that route every packet the same way are no change.
With --input iptables or nft the two files are rulesets from anywhere (a node's iptables-save
before and after a kube-proxy upgrade, two \`nft -j list ruleset\` listings), compared the same
way; without a model the node's addresses are unknown (locality is left free) and no service port
is named.

Exit codes: 0 every packet is routed the same way, 1 changes (printed), 2 input or usage error.

Options:
  --input ksvc|k8s|iptables|nft  what OLD and NEW are (default ksvc; k8s: Kubernetes YAML or
                           JSON, Service, EndpointSlice and Node objects, as compile --from-k8s
                           reads them; iptables: iptables-restore or iptables-save text; nft: nft
                           JSON, a command document or a listing)
  --node NAME              the node's view (default: the only node of each file)
  --all-nodes              every node both files declare, one comparison each
  --jobs N                 compare up to N nodes and IP families at once, each in a process of
                           its own (default 1; the same output, in order)
  --family ipv4|ipv6       one family (default: every family either version uses)
  --backend iptables|nftables  the rulesets .ksvc versions are compiled to (default iptables,
                           what kube-proxy loads)
  --nft-table NAME         with --input nft: the table holding kube-proxy's rules (kube-proxy)
  --max-changes N          distinct changes reported per comparison (default 50)
  --traces                 also print each witness's path through the old and the new rules
  --no-shapes              evaluate every shard (default: one shard per shape, the others counted)
  --output text|json|github  how the result is printed (default text; github: one annotation per
                           change at the service's line in NEW.ksvc, or in OLD.ksvc when only the
                           old version addresses the witness to a service; a notice when more
                           changes were found than annotated)
Environment facts and kube-proxy flags, as for compile (the same for both versions):
  --no-nfacct, --no-random-fully, --conntrack-liberal, --masquerade-all,
  --no-localhost-nodeports, --detect-local-mode, --cluster-cidr, --pod-bridge-interface,
  --pod-interface-name-prefix; with --input k8s, as for import: --iptables-masquerade-bit,
  --nodeport-addresses, --service-node-port-range
`;

const FLAGS = {
  input: { type: 'string' },
  'nft-table': { type: 'string' },
  node: { type: 'string' },
  'all-nodes': { type: 'boolean' },
  jobs: { type: 'string' },
  /** (not in the help) a child of --jobs: a job on standard input, its result on standard output */
  'internal-job': { type: 'boolean' },
  family: { type: 'string' },
  backend: { type: 'string' },
  'max-changes': { type: 'string' },
  'no-shapes': { type: 'boolean' },
  traces: { type: 'boolean' },
  output: { type: 'string' },
  ...LOWERING_FLAGS,
  ...KUBE_SETTING_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

export const diffCommand: Command = { name: 'diff', help: HELP, run: runDiff };

async function runDiff(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(io, 'diff', argv, FLAGS);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  if (v.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  if (v['internal-job']) return (await import('./diff-job-child.ts')).runDiffJob(io);
  const output = outputFormatOf(io, 'diff', v.output);
  if (typeof output === 'number') return output;
  const input = v.input ?? 'ksvc';
  if (input !== 'ksvc' && input !== 'k8s' && input !== 'iptables' && input !== 'nft')
    return usage(io, 'diff', '--input is ksvc, k8s, iptables or nft');
  // two versions of a cluster (compiled here), or two rulesets as given
  const models = input === 'ksvc' || input === 'k8s';
  if (parsed.positionals.length !== 2) {
    return usage(
      io,
      'diff',
      `expected two files: OLD NEW (${input === 'ksvc' ? '.ksvc files' : input === 'k8s' ? 'Kubernetes YAML or JSON' : `${input} rulesets`})`,
    );
  }
  const [oldFile, newFile] = parsed.positionals as [string, string];
  if (oldFile === '-' && newFile === '-') return usage(io, 'diff', "'-' (standard input) can be given only once");
  if (v.node !== undefined && v['all-nodes']) return usage(io, 'diff', '--node and --all-nodes exclude each other');
  if (v.family !== undefined && v.family !== 'ipv4' && v.family !== 'ipv6')
    return usage(io, 'diff', '--family is ipv4 or ipv6');
  if (v.backend !== undefined && v.backend !== 'iptables' && v.backend !== 'nftables')
    return usage(io, 'diff', '--backend is iptables or nftables');
  const maxChanges =
    v['max-changes'] === undefined ? 50 : /^\d{1,9}$/.test(v['max-changes']) ? Number(v['max-changes']) : 0;
  if (!Number.isInteger(maxChanges) || maxChanges < 1) return usage(io, 'diff', '--max-changes is a positive integer');
  const jobs = jobsOf(v.jobs);
  if (jobs < 1) return usage(io, 'diff', '--jobs is a positive integer (up to 999)');
  const flags = loweringFlagArgs(v);
  const settings = kubeSettingOptions(v, input === 'k8s', '--input k8s');
  if (typeof settings === 'string') return usage(io, 'diff', settings);
  if (input !== 'nft' && v['nft-table'] !== undefined) return usage(io, 'diff', '--nft-table goes with --input nft');
  if (!models) {
    const modelOnly = [
      ...(v.node !== undefined ? ['--node'] : []),
      ...(v['all-nodes'] ? ['--all-nodes'] : []),
      ...(v.jobs !== undefined ? ['--jobs'] : []),
      ...(v.backend !== undefined ? ['--backend'] : []),
      ...flags.filter((f) => f.startsWith('--')),
    ];
    if (modelOnly.length > 0) {
      return usage(io, 'diff', `${modelOnly[0]} applies to .ksvc or k8s input (the rulesets are compared as given)`);
    }
  }

  const status = output === 'text' ? statusLine(io) : NO_STATUS_LINE;
  const progressFor = (what: string) =>
    status === NO_STATUS_LINE
      ? {}
      : {
          progress: (p: VerifyProgress) =>
            status.show(
              p.stage,
              p.stage === 'check'
                ? `ksvc diff: checking shards ${groupedNumber(p.done)}/${groupedNumber(p.total)}`
                : `ksvc diff: ${p.stage === 'read' ? what : 'building the packet space'}`,
            ),
        };
  const check = { maxChanges, shapes: !v['no-shapes'] };
  const family = v.family as Family | undefined;
  let compared: Compared | InputFailure | number;
  try {
    compared = models
      ? await diffModels(io, [oldFile, newFile], {
          kubernetes: input === 'k8s',
          settings,
          ...check,
          backend: v.backend ?? 'iptables',
          node: v.node,
          allNodes: Boolean(v['all-nodes']),
          family,
          lowering: v,
          progressFor,
          jobs,
          onJobDone: (done, total) =>
            status.show('jobs', `ksvc diff: ${done} of ${total} comparisons done, ${jobs} at a time`),
        })
      : await diffRulesets(io, [oldFile, newFile], {
          ...check,
          backend: input === 'iptables' ? 'iptables' : 'nftables',
          ...(family ? { family } : {}),
          ...(v['nft-table'] !== undefined ? { nftTable: v['nft-table'] } : {}),
          ...progressFor(`reading the ${input} rulesets`),
        });
  } finally {
    status.clear();
  }
  if (typeof compared === 'number') return compared;
  if ('reason' in compared) return inputError(io, 'diff', compared, output);
  const { runs, sources } = compared;
  // each side and family is lowered apart: a problem of the input is found once per pass
  const diagnostics = withoutRepeats(compared.diagnostics);
  const failed = diagnostics.some((d) => d.severity === 'error') || runs.some((r) => r.report === null);
  // with --output json or github and no report to come, the diagnostics are the report: on stdout
  const write = failed && output !== 'text' ? io.stdout : io.stderr;
  if (diagnostics.length > 0) write(renderDiagnostics(capRepeated(diagnostics), sources, output, io.color));
  if (failed) return EXIT_USAGE;
  if (runs.length === 0)
    return usage(io, 'diff', 'nothing to compare (neither ruleset has rules of the family asked for?)');

  const render = await import('./render-diff.ts');
  const backend = runs[0]!.backend;
  const explainBase = (file: string) =>
    input === 'ksvc'
      ? [operandWord(file), '--backend', backend, ...flags]
      : input === 'k8s'
        ? ['--from-k8s', operandWord(file), ...kubeSettingArgs(settings), '--backend', backend, ...flags]
        : input === 'iptables'
          ? optionWords('--iptables', file)
          : [
              ...optionWords('--nft', file),
              ...(v['nft-table'] !== undefined ? optionWords('--nft-table', v['nft-table']) : []),
            ];
  const inputs: DiffInputs = {
    files: { old: inputName(oldFile), new: inputName(newFile) },
    models: compared.models,
    backend,
    notes: compared.notes,
    explain: (side, run, witness) => {
      const file = side === 'old' ? oldFile : newFile;
      const line = explainCommandLine(explainBase(file), run.node, run.family, witness);
      // '-' was standard input: the line reads that version from standard input again
      return file === '-' ? `${line}  # give it the ${side} version on standard input` : line;
    },
    // GitHub annotations point at real files only (standard input has none)
    realFile: (side) => {
      const f = side === 'old' ? oldFile : newFile;
      return f === '-' ? null : f;
    },
    traces: Boolean(v.traces),
  };
  if (output === 'json') io.stdout(render.renderDiffJson(runs, inputs, diagnostics));
  else if (output === 'github') io.stdout(render.renderDiffGithub(runs, inputs));
  else io.stdout(render.renderDiffText(runs, inputs, io.color));
  return runs.every((r) => r.report?.equivalent) ? EXIT_OK : EXIT_FINDINGS;
}

/** What either kind of input gives the renderers (an exit code instead when it cannot be read). */
interface Compared {
  runs: DiffRun[];
  diagnostics: Diagnostic[];
  sources: Map<string, SourceFile>;
  models: DiffInputs['models'];
  notes: string[];
}

interface ModelDiffOptions {
  /** the files are Kubernetes YAML or JSON (Service, EndpointSlice, Node), not .ksvc */
  kubernetes: boolean;
  /** with `kubernetes`: the cluster settings given as flags */
  settings: KubeSettings;
  backend: Backend;
  node: string | undefined;
  allNodes: boolean;
  family: Family | undefined;
  lowering: LoweringFlagValues;
  maxChanges: number;
  shapes: boolean;
  progressFor: (what: string) => { progress?: (p: VerifyProgress) => void };
  /** --jobs: nodes and families compared at once, each in a child process */
  jobs: number;
  onJobDone?: (done: number, total: number) => void;
}

/** Two versions of a cluster (.ksvc or Kubernetes objects): each node and family lowered for both, compiled and compared. */
async function diffModels(
  io: CliIO,
  files: [string, string],
  o: ModelDiffOptions,
): Promise<Compared | InputFailure | number> {
  const setup = await loweringOptions(io, 'diff', o.lowering);
  if (typeof setup === 'number') return setup;
  const lowering = setup.options;
  const kubeOptions = { node: o.node ?? null, skipUnknownKinds: false, ...o.settings };
  const loaded: LoadedInput[] = [];
  for (const file of files) {
    const l = o.kubernetes ? await loadKubernetesFiles(io, [file], kubeOptions) : await loadKsvcFile(io, file);
    if (l.readError) return l.readError;
    loaded.push(l);
  }
  const [oldIn, newIn] = loaded as [LoadedInput, LoadedInput];
  const sources = new Map(loaded.flatMap((l) => [...l.sources]));
  const diagnostics: Diagnostic[] = [...setup.warnings, ...forReview(oldIn.diagnostics, newIn.diagnostics)];
  const none = { runs: [], diagnostics, sources, models: null, notes: [] };
  if (!oldIn.model || !newIn.model || diagnostics.some((d) => d.severity === 'error')) return none;
  const models = { old: oldIn.model, new: newIn.model };
  const { nodes, notes } = nodesToCompare(models.old, models.new, o.node, o.allNodes);
  if (nodes.length === 0) {
    return usage(io, 'diff', 'the two files declare no node in common: choose one with --node, or compare per file');
  }
  const { familiesOf } = await import('../api/lower.ts');
  const families: Family[] = o.family
    ? [o.family]
    : (['ipv4', 'ipv6'] as const).filter((f) => [models.old, models.new].some((m) => familiesOf(m).includes(f)));
  const options = {
    backend: o.backend,
    maxChanges: o.maxChanges,
    shapes: o.shapes,
    lowering,
    families,
    files,
  };
  const runs: DiffRun[] = [];
  if (o.jobs > 1 && nodes.length * families.length > 1) {
    // --jobs: each node and family in a child process, given the texts read here (cli/child-jobs.ts);
    // a family's comparison shares nothing with another's (diff-node.ts), so their runs and
    // diagnostics put together in order are the node's
    const { runInChildren } = await import('./child-jobs.ts');
    const { jobInputOf } = await import('./job-model.ts');
    const kube = o.kubernetes ? kubeOptions : null;
    const job = { ...options, old: jobInputOf(oldIn, kube), new: jobInputOf(newIn, kube) };
    const results = await runInChildren<DiffJob, Awaited<ReturnType<typeof diffNode>>>(
      'diff',
      nodes.flatMap((node) => families.map((family) => ({ ...job, families: [family], node }))),
      o.jobs,
      io.cwd,
      (j) => `node ${j.node ?? '(none)'}, ${j.families.join(', ')}`,
      o.onJobDone,
    );
    if (typeof results === 'string') return fileError(io, 'diff', `--jobs: ${results}`);
    for (const r of results) {
      appendAll(runs, r.runs);
      appendAll(diagnostics, r.diagnostics);
    }
  } else {
    for (const node of nodes) {
      const r = await diffNode(models, node, { ...options, progressFor: o.progressFor });
      appendAll(runs, r.runs);
      appendAll(diagnostics, r.diagnostics);
    }
  }
  return { runs, diagnostics, sources, models, notes };
}

/** Two rulesets as given (iptables-restore/-save text, or nft JSON): each family either has. */
async function diffRulesets(
  io: CliIO,
  files: [string, string],
  o: Omit<ArtifactDiffInput, 'old' | 'new'>,
): Promise<Compared | InputFailure> {
  const texts: ArtifactText[] = [];
  for (const file of files) {
    const r = readInputFile(io, file, MAX_ARTIFACT_BYTES, 'artifact');
    if (!r.ok) return r;
    texts.push({ text: r.text, file: inputName(file) });
  }
  const api = await import('../api/diff.ts');
  const r = api.diffArtifacts({ ...o, old: texts[0]!, new: texts[1]! });
  const sources = withArtifactSources(new Map(), texts, r.diagnostics);
  return { runs: r.runs, diagnostics: r.diagnostics, sources, models: null, notes: [] };
}

/**
 * The nodes to compare: --node; with --all-nodes every node both files declare (a node of one
 * file only is noted, not compared); else the only node of each file (null: lowering decides).
 */
function nodesToCompare(
  oldModel: ClusterModel,
  newModel: ClusterModel,
  node: string | undefined,
  all: boolean,
): { nodes: (string | null)[]; notes: string[] } {
  if (node !== undefined) return { nodes: [node], notes: [] };
  if (!all) return { nodes: [null], notes: [] };
  const oldNames = new Set(oldModel.nodes.map((n) => n.name));
  const newNames = new Set(newModel.nodes.map((n) => n.name));
  const notes = [
    ...[...oldNames].filter((n) => !newNames.has(n)).map((n) => `node ${n} is only in the old version: not compared`),
    ...[...newNames].filter((n) => !oldNames.has(n)).map((n) => `node ${n} is only in the new version: not compared`),
  ];
  if (oldNames.size === 0 && newNames.size === 0) return { nodes: [null], notes };
  return { nodes: [...newNames].filter((n) => oldNames.has(n)), notes };
}
