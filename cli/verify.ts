// `ksvc verify`: prove that the iptables and nftables rulesets give every packet the same outcome,
// and the IR's (three ways for a .ksvc file: both artifacts are compiled in memory and read back by
// the verifier's own readers), or check artifacts from anywhere. Exit 0 equivalent, 1 not, 2 input.

import type { VerifyProgress, VerifyResult } from '../api/verify.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import type { Rational } from '../compiler/ir/outcome.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { capRepeated } from '../compiler/shared-rules/cap.ts';
import {
  fileError,
  inputError,
  jobsOf,
  LOWERING_FLAGS,
  loweringFlagArgs,
  loweringOptions,
  operandWord,
  optionWords,
  outputFormatOf,
  parseCommandArgs,
  usageError as usage,
} from './args.ts';
import type { Command } from './command.ts';
import { explainCommandLine } from './explain-line.ts';
import { groupedNumber } from './grouped-number.ts';
import { type CliIO, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, inputName, MAX_ARTIFACT_BYTES, readInputFile } from './io.ts';
import { KUBE_SETTING_FLAGS, kubeSettingArgs, kubeSettingOptions } from './kube-setting-flags.ts';
import { type LoadedInput, loadKsvcFile, loadKsvcText, loadKubernetesFiles, lowerKsvcText } from './load-input.ts';
import { type OutputFormat, renderDiagnostics, withArtifactSources } from './render-diagnostics.ts';
import type { AnnotationPlace, ExplainCommandOf } from './render-verify.ts';
import { NO_STATUS_LINE, type StatusLine, statusLine } from './status-line.ts';

const HELP = `Usage: ksvc verify FILE.ksvc [options]
       ksvc verify --from-k8s FILE... [options]
       ksvc verify --iptables FILE [--nft FILE] [--model FILE.ksvc] [options]

Prove that every packet gets the same outcome — the same endpoint with the same probability, the
same masquerade, the same drop or reject — from the iptables rules, the nftables rules and the IR
(what the .ksvc file means), or print packets where they differ. With a .ksvc file both rulesets
are compiled in memory and read back by the verifier's own readers; with --iptables/--nft the
rulesets come from anywhere (ksvc's output, a node's iptables-save, nft -j list ruleset): a
node's iptables-save before kube-proxy moves to nftables mode and its nft -j list ruleset after
it show what the move changes for packets (docs/verifier.md, "Migration check").

Exit codes: 0 equivalent, 1 not equivalent (counterexamples printed), 2 input or usage error.

Options:
  --node NAME              the node's view (default: the only node of the file)
  --all-nodes              every node of the file, one check each
  --family ipv4|ipv6       one family (default: every family the services use)
  --with-hooks             check the iptables output with its builtin-chain jumps (compile
                           --with-hooks); default: kube-proxy's restore input, its hooks assumed
  --from-k8s               the input is Kubernetes YAML/JSON (Service, EndpointSlice, Node)
  --iptables FILE          an iptables-restore or iptables-save text (one family)
  --nft FILE               nftables JSON: a command document or \`nft -j list ruleset\`
  --nft-table NAME         the table holding kube-proxy's rules (default kube-proxy)
  --model FILE.ksvc        with --iptables/--nft: also check them against this file's IR (--node)
  --tv-bound P             largest total variation allowed between an artifact and the IR's
                           intended 1/N (default 2^-20; e.g. 1e-6, 1/1000000, 2^-24)
  --max-counterexamples N  distinct differences reported per check (default 20)
  --no-shapes              evaluate every shard (default: one shard per shape, the others counted)
  --jobs N                 check up to N nodes, and IP families of a dual-stack file, at once,
                           each in a process of its own (default 1; the same output, in order)
  --kernel                 (root) load both rulesets into throw-away network namespaces, list them
                           back (iptables-save, nft -j list ruleset) and check the listings: what
                           the kernel holds, after the tools' parsing, against the IR and each other
  --output text|json|github  how the result is printed (default text)
Environment facts and kube-proxy flags, as for compile: --no-nfacct, --no-random-fully,
  --conntrack-liberal, --masquerade-all, --no-localhost-nodeports, --detect-local-mode,
  --cluster-cidr, --pod-bridge-interface, --pod-interface-name-prefix; with --from-k8s, as for
  import: --iptables-masquerade-bit, --nodeport-addresses, --service-node-port-range
`;

const FLAGS = {
  node: { type: 'string' },
  'all-nodes': { type: 'boolean' },
  family: { type: 'string' },
  'with-hooks': { type: 'boolean' },
  'from-k8s': { type: 'boolean' },
  iptables: { type: 'string' },
  nft: { type: 'string' },
  'nft-table': { type: 'string' },
  model: { type: 'string' },
  'tv-bound': { type: 'string' },
  'max-counterexamples': { type: 'string' },
  'no-shapes': { type: 'boolean' },
  kernel: { type: 'boolean' },
  jobs: { type: 'string' },
  /** (not in the help) a child of --jobs: a job on standard input, its result on standard output */
  'internal-job': { type: 'boolean' },
  output: { type: 'string' },
  ...LOWERING_FLAGS,
  ...KUBE_SETTING_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

export const verifyCommand: Command = { name: 'verify', help: HELP, run: runVerify };

/** "2^-20", "1e-6", "0.000001", "1/1048576" as an exact rational; null if unreadable or above 1. */
export function parseBound(text: string): Rational | null {
  const r = parseBoundValue(text);
  // a total variation is at most 1: a bound above it would make the check a no-op
  return r !== null && r.num <= r.den ? r : null;
}

function parseBoundValue(text: string): Rational | null {
  const pow = /^2\^-(\d{1,4})$/.exec(text);
  if (pow) return { num: 1n, den: 1n << BigInt(pow[1]!) };
  const frac = /^(\d{1,30})\/(\d{1,60})$/.exec(text);
  if (frac) return BigInt(frac[2]!) === 0n ? null : { num: BigInt(frac[1]!), den: BigInt(frac[2]!) };
  const dec = /^(\d{1,30})(?:\.(\d{1,60}))?(?:[eE]-(\d{1,3}))?$/.exec(text);
  if (!dec) return null;
  const digits = dec[2] ?? '';
  const exp = BigInt(digits.length + Number(dec[3] ?? 0));
  return { num: BigInt(`${dec[1]}${digits}`), den: 10n ** exp };
}

/** The status line's text for a stage of the verification (text output on a terminal only). */
export function progressText(p: VerifyProgress, fromArtifacts: boolean): string {
  switch (p.stage) {
    case 'read':
      return fromArtifacts
        ? `ksvc verify: reading the ${p.backend} ruleset`
        : `ksvc verify: compiling the ${p.backend} ruleset and reading it back`;
    case 'prepare':
      return 'ksvc verify: building the packet space';
    case 'check': {
      return `ksvc verify: checking shards ${groupedNumber(p.done)}/${groupedNumber(p.total)} (${Math.floor((100 * p.done) / Math.max(1, p.total))} %)`;
    }
  }
}

async function runVerify(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(io, 'verify', argv, FLAGS);
  if (typeof parsed === 'number') return parsed;
  if (parsed.values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  if (parsed.values['internal-job']) return (await import('./verify-job-child.ts')).runVerifyJob(io);
  const output = outputFormatOf(io, 'verify', parsed.values.output);
  if (typeof output === 'number') return output;
  // a verification at scale runs for a minute: a terminal sees what it is doing (text output only)
  const status = output === 'text' ? statusLine(io) : NO_STATUS_LINE;
  try {
    return await verifyWithStatus(parsed, output, io, status);
  } finally {
    status.clear();
  }
}

type ParsedVerifyArgs = Exclude<ReturnType<typeof parseCommandArgs<typeof FLAGS>>, number>;

async function verifyWithStatus(
  parsed: ParsedVerifyArgs,
  output: OutputFormat,
  io: CliIO,
  status: StatusLine,
): Promise<number> {
  const v = parsed.values;
  const artifactsMode = v.iptables !== undefined || v.nft !== undefined;
  const fromK8s = Boolean(v['from-k8s']);
  if (artifactsMode && parsed.positionals.length > 0) {
    return usage(io, 'verify', 'give either a FILE.ksvc (compiled in memory) or --iptables/--nft (with --model)');
  }
  if (!artifactsMode && parsed.positionals.length === 0)
    return usage(io, 'verify', 'expected a FILE.ksvc (or --iptables/--nft)');
  if (!artifactsMode && !fromK8s && parsed.positionals.length !== 1)
    return usage(io, 'verify', 'expected exactly one FILE.ksvc');
  if (v.model !== undefined && !artifactsMode) return usage(io, 'verify', '--model goes with --iptables/--nft');
  // artifacts mode reads its --model as .ksvc: Kubernetes settings would change nothing there
  const settings = kubeSettingOptions(v, fromK8s && !artifactsMode);
  if (typeof settings === 'string') return usage(io, 'verify', settings);
  if (v.kernel && artifactsMode) return usage(io, 'verify', '--kernel goes with a FILE.ksvc or --from-k8s');
  // as explain refuses it: verify's explain lines would carry it
  if (v['nft-table'] !== undefined && v.nft === undefined) return usage(io, 'verify', '--nft-table goes with --nft');
  if (fromK8s && artifactsMode)
    return usage(io, 'verify', '--from-k8s goes with Kubernetes files, not --iptables/--nft (their model is --model)');
  if (v.kernel) {
    const { kernelCheckRefusal } = await import('./kernel-listing.ts');
    const family = v.family === 'ipv4' || v.family === 'ipv6' ? v.family : undefined;
    const refused = kernelCheckRefusal({ ...(family ? { family } : {}), nfacct: !v['no-nfacct'] });
    if (refused !== null) return usage(io, 'verify', `--kernel: ${refused}`);
  }
  if ([v.iptables, v.nft, v.model, ...parsed.positionals].filter((f) => f === '-').length > 1)
    return usage(io, 'verify', "'-' (standard input) can be given only once");
  if (v.node !== undefined && v['all-nodes']) return usage(io, 'verify', '--node and --all-nodes exclude each other');
  if (v.family !== undefined && v.family !== 'ipv4' && v.family !== 'ipv6')
    return usage(io, 'verify', '--family is ipv4 or ipv6');
  const tvBound = v['tv-bound'] === undefined ? undefined : parseBound(v['tv-bound']);
  if (tvBound === null)
    return usage(
      io,
      'verify',
      `--tv-bound: '${v['tv-bound']}' is not a probability from 0 to 1 (2^-20, 1e-6, 1/1000000)`,
    );
  const given = v['max-counterexamples'];
  const maxFindings = given === undefined ? 20 : /^\d{1,9}$/.test(given) ? Number(given) : 0;
  if (!Number.isInteger(maxFindings) || maxFindings < 1)
    return usage(io, 'verify', '--max-counterexamples is a positive integer');
  const jobs = jobsOf(v.jobs);
  if (jobs < 1) return usage(io, 'verify', '--jobs is a positive integer (up to 999)');
  if (v.jobs !== undefined && artifactsMode) return usage(io, 'verify', '--jobs goes with a FILE.ksvc or --from-k8s');
  if (v.jobs !== undefined && v.kernel) return usage(io, 'verify', '--jobs and --kernel exclude each other');
  const setup = await loweringOptions(io, 'verify', v);
  if (typeof setup === 'number') return setup;
  const { options: lowering, warnings: flagWarnings } = setup;
  const family = v.family as Family | undefined;
  const progress = (p: VerifyProgress) =>
    status.show(p.stage === 'read' ? `read ${p.backend}` : p.stage, progressText(p, artifactsMode));
  const check = {
    ...(tvBound ? { tvBound } : {}),
    maxFindings,
    shapes: !v['no-shapes'],
    ...(status === NO_STATUS_LINE ? {} : { progress }),
  };

  const api = await import('../api/verify.ts');
  const render = await import('./render-verify.ts');
  // what was shown, the input's own diagnostics with the check's: the JSON report holds them too
  let shown: readonly Diagnostic[] = [];
  const showDiagnostics = (input: readonly Diagnostic[], loaded: Pick<LoadedInput, 'sources'> | null) => {
    const diags = [...flagWarnings, ...input];
    shown = diags;
    status.clear();
    // a text given to the wrong reader (nft JSON as --iptables) errs on every line: a few per code;
    // with --output json or github and errors (no report comes), the diagnostics are the report: on stdout
    const write = output !== 'text' && diags.some((d) => d.severity === 'error') ? io.stdout : io.stderr;
    if (diags.length > 0) write(renderDiagnostics(capRepeated(diags), loaded?.sources ?? new Map(), output, io.color));
  };

  let result: Awaited<ReturnType<typeof api.verifyModel>>;
  let label: string;
  let base: string[];
  // GitHub annotations point at real files only (stdin and in-memory artifacts have none)
  const real = (file: string | undefined) => (file === undefined || file === '-' ? undefined : file);
  let placeOf: Parameters<typeof render.renderVerifyGithub>[3] = () => null;
  let inputPlace: AnnotationPlace | null = null;
  if (artifactsMode) {
    const read = (file: string) => {
      const r = readInputFile(io, file, MAX_ARTIFACT_BYTES, 'artifact');
      return r.ok ? { text: r.text, file: inputName(file) } : r;
    };
    const iptables = v.iptables === undefined ? undefined : read(v.iptables);
    const nftables = v.nft === undefined ? undefined : read(v.nft);
    if (iptables !== undefined && 'reason' in iptables) return inputError(io, 'verify', iptables, output);
    if (nftables !== undefined && 'reason' in nftables) return inputError(io, 'verify', nftables, output);
    let loaded: LoadedInput | null = null;
    if (v.model !== undefined) {
      loaded = await loadKsvcFile(io, v.model);
      if (loaded.readError) return inputError(io, 'verify', loaded.readError, output);
      if (!loaded.model || loaded.diagnostics.some((d) => d.severity === 'error')) {
        showDiagnostics(loaded.diagnostics, loaded);
        return EXIT_USAGE;
      }
    }
    result = api.verifyArtifacts({
      ...check,
      ...(iptables ? { iptables } : {}),
      ...(nftables ? { nftables } : {}),
      ...(loaded?.model ? { model: { model: loaded.model, node: v.node ?? null, lowering } } : {}),
      ...(family ? { family } : {}),
      ...(v['nft-table'] ? { nftTable: v['nft-table'] } : {}),
    });
    // the model's own warnings too, as the FILE.ksvc form shows them
    showDiagnostics([...(loaded?.diagnostics ?? []), ...result.diagnostics], {
      sources: withArtifactSources(loaded?.sources ?? new Map(), [iptables, nftables], result.diagnostics),
    });
    label = [v.iptables, v.nft].filter((x) => x !== undefined).join(' + ');
    const files = {
      ...(real(v.iptables) ? { iptables: v.iptables! } : {}),
      ...(real(v.nft) ? { nftables: v.nft! } : {}),
    };
    placeOf = (cx) => render.counterexamplePlace(cx, files);
    const only = Object.values(files);
    inputPlace = only.length === 1 ? { file: only[0]! } : null;
    base = [
      ...(v.model ? [...optionWords('--model', v.model), ...loweringFlagArgs(v)] : []),
      ...(v.iptables ? optionWords('--iptables', v.iptables) : []),
      ...(v.nft ? optionWords('--nft', v.nft) : []),
      ...(v['nft-table'] ? optionWords('--nft-table', v['nft-table']) : []),
    ];
  } else {
    const verifyOptions = { ...check, ...(family ? { family } : {}), withHooks: Boolean(v['with-hooks']) };
    const kubeOptions = { node: v.node ?? null, skipUnknownKinds: false, ...settings };
    /** --jobs: each node's (and family's) check in a child process, given the texts read here. */
    const inChildren = async (loaded: LoadedInput, model: ClusterModel, nodes: (string | null)[]) => {
      const { verifyInChildren } = await import('./verify-in-children.ts');
      const { jobInputOf } = await import('./job-model.ts');
      status.show('jobs', `ksvc verify: checking ${nodes.length} node(s), ${jobs} checks at a time`);
      const { progress: _shownHere, ...options } = verifyOptions;
      return verifyInChildren(
        model,
        { ...jobInputOf(loaded, fromK8s ? kubeOptions : null), options: { ...options, lowering } },
        nodes,
        jobs,
        io.cwd,
        (done, total) => status.show('jobs', `ksvc verify: ${done} of ${total} checks done, ${jobs} at a time`),
      );
    };
    /** The ordinary path: the whole file's model, lowered for each node. */
    const verifyLoaded = async (loaded: LoadedInput): Promise<VerifyResult | number> => {
      if (loaded.readError) return inputError(io, 'verify', loaded.readError, output);
      if (!loaded.model || loaded.diagnostics.some((d) => d.severity === 'error')) {
        showDiagnostics(loaded.diagnostics, loaded);
        return EXIT_USAGE;
      }
      const model = loaded.model;
      const nodes: (string | null)[] = v['all-nodes']
        ? model.nodes.length > 0
          ? model.nodes.map((n) => n.name)
          : [null]
        : [v.node ?? (model.nodes.length === 1 ? model.nodes[0]!.name : null)];
      if (!v['all-nodes'] && v.node === undefined && model.nodes.length > 1) {
        return usage(
          io,
          'verify',
          `the file names ${model.nodes.length} nodes: choose one with --node, or --all-nodes`,
        );
      }
      if (v.kernel) {
        // the rulesets as the kernel holds them (cli/verify-kernel.ts)
        status.show('kernel', 'ksvc verify: loading the rulesets into throw-away namespaces and listing them back');
        const { verifyInKernel } = await import('./verify-kernel.ts');
        const inKernel = await verifyInKernel(model, { nodes, family, lowering, check });
        if (typeof inKernel === 'string') return fileError(io, 'verify', `--kernel: ${inKernel}`);
        showDiagnostics([...loaded.diagnostics, ...inKernel.diagnostics], loaded);
        return inKernel;
      }
      const verified =
        jobs > 1
          ? await inChildren(loaded, model, nodes)
          : api.verifyModel(model, { ...verifyOptions, nodes, lowering });
      if (typeof verified === 'string') return fileError(io, 'verify', `--jobs: ${verified}`);
      showDiagnostics([...loaded.diagnostics, ...verified.diagnostics], loaded);
      return verified;
    };
    let verified: VerifyResult | number;
    if (fromK8s) {
      verified = await verifyLoaded(await loadKubernetesFiles(io, parsed.positionals, kubeOptions));
    } else {
      const file = parsed.positionals[0]!;
      const read = readInputFile(io, file);
      if (!read.ok) return inputError(io, 'verify', read, output);
      // One node: its IR a part at a time, without the file's model in memory.
      const node = v.node !== undefined ? { node: v.node } : {};
      const fast =
        v['all-nodes'] || v.kernel || jobs > 1
          ? null
          : await lowerKsvcText(file, read, { ...lowering, ...node, ...(family ? { family } : {}) });
      if (fast === null) verified = await verifyLoaded(await loadKsvcText(file, read));
      else {
        if (fast.programs === null) {
          showDiagnostics(fast.diagnostics, fast);
          return EXIT_USAGE;
        }
        verified = api.verifyPrograms(fast.programs, fast.programs[0]?.node ?? null, verifyOptions);
        showDiagnostics([...fast.diagnostics, ...verified.diagnostics], fast);
      }
    }
    if (typeof verified === 'number') return verified;
    result = verified;
    label = `${parsed.positionals.map(inputName).join(' ')}${v.kernel ? ' (as the kernel holds it)' : ''}`;
    const single = parsed.positionals.length === 1 ? real(parsed.positionals[0]) : undefined;
    inputPlace = single === undefined ? null : { file: single };
    placeOf = () => inputPlace;
    base = [
      ...(fromK8s
        ? ['--from-k8s', ...parsed.positionals.map(operandWord), ...kubeSettingArgs(settings)]
        : [operandWord(parsed.positionals[0]!)]),
      ...loweringFlagArgs(v),
    ];
  }
  if (result.diagnostics.some((d) => d.severity === 'error') || result.runs.some((r) => r.report === null)) {
    return EXIT_USAGE;
  }
  if (result.runs.length === 0) return usage(io, 'verify', 'nothing to check (no service of the requested family?)');
  const explainOf: ExplainCommandOf = (run, witness) => explainCommandLine(base, run.node, run.family, witness);
  status.clear();
  if (output === 'json') io.stdout(render.renderVerifyJson(result.runs, label, api.ASSUMPTIONS, capRepeated(shown)));
  else if (output === 'github')
    io.stdout(render.renderVerifyGithub(result.runs, label, explainOf, placeOf, inputPlace));
  else io.stdout(render.renderVerifyText(result.runs, label, api.ASSUMPTIONS, explainOf, io.color));
  return result.runs.every((r) => r.report?.equivalent) ? EXIT_OK : EXIT_FINDINGS;
}
