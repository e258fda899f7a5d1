// `ksvc compile`: .ksvc (or Kubernetes YAML) -> checked model -> IR -> a backend's artifact, through
// the library (api/). Backends are entries of BACKENDS (compile-backends.ts). The artifact is
// streamed to its destination chunk by chunk (cli/output-file.ts).
import { type Diagnostic, escapeControls } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';
import {
  usageError as commandUsageError,
  fileError,
  inputError,
  LOWERING_FLAGS,
  loweringOptions,
  outputFormatOf,
  parseCommandArgs,
} from './args.ts';
import { collectGarbageNow, worthCollecting } from './collect-garbage.ts';
import type { Command } from './command.ts';
import { BACKENDS, type Backend } from './compile-backends.ts';
import { type CliIO, EXIT_FINDINGS, EXIT_OK, exitForErrors, readInputFile } from './io.ts';
import { KUBE_SETTING_FLAGS, KUBE_SETTING_HELP, kubeSettingOptions } from './kube-setting-flags.ts';
import { type LoadedInput, loadKsvcText, loadKubernetesFiles, lowerKsvcText } from './load-input.ts';
import { COMPILE_BYTES_PER_ENDPOINT, renderMemoryRefusal } from './memory-budget.ts';
import { type FileIdentity, writeOutput } from './output-file.ts';
import { type OutputFormat, renderDiagnostics } from './render-diagnostics.ts';
import { type Timings, timings } from './timings.ts';
import { updateCodes } from './update-codes.ts';

const HELP = `Usage: ksvc compile FILE --backend NAME [options]

Compile a .ksvc file (FILE '-': standard input) for one node into a ruleset.

Options:
  --backend NAME            ${BACKENDS.map((b) => b.name).join(' | ')} (required)
  --format FORMAT           ${BACKENDS.map((b) => `${b.name}: ${b.formats.join('|')} (default ${b.formats[0]})`).join('; ')}
  --node NAME               the node to compile for (default: the only node in the file)
  --family ipv4|ipv6        one IP family (iptables needs it for a dual-stack input)
  --with-hooks              iptables: also write the builtin-chain jumps (PREROUTING, OUTPUT,
                            POSTROUTING, INPUT, FORWARD) for a standalone, table-replacing load;
                            without it the output is exactly kube-proxy's restore input (--noflush)
  --from-k8s                the input is Kubernetes YAML/JSON (Service, EndpointSlice, Node;
                            one or more FILEs), read as kube-proxy reads it (see ksvc import)
  --skip-unknown-kinds      with --from-k8s: ignore objects of other kinds
With --from-k8s, the cluster settings a .ksvc file's cluster block holds (as for ksvc import):
${KUBE_SETTING_HELP}
  --since OLD               an update from OLD (the same kind of input and node; iptables: the
                            same family) to FILE, for a node holding OLD's rules. iptables:
                            kube-proxy's partial restore — the filter table and nat's own chains
                            whole, a service's chains only when they changed, stale chains
                            deleted (-X); apply with iptables-restore --noflush. nftables (json):
                            one transaction touching only what changed (new objects added,
                            changed chains refilled, changed elements replaced, the rest
                            deleted; affinity records kept; a family only one version has: its
                            table created or deleted); apply with nft -j -f. It first swaps the
                            tables' version stamps (every nftables output carries one): nft
                            refuses it whole on a node whose tables do not hold OLD's output
  --prove                   with --since: prove the update before writing it (iptables: applied
                            after OLD's full restore with --noflush's semantics it leaves exactly
                            FILE's chains and rules; nftables: OLD's document and the update,
                            read by the verifier, route every packet as FILE's does); not proven:
                            exit 1, what differs, nothing written
  -o, --out FILE            write here instead of stdout ('-'): a regular file is replaced
                            atomically (same mode and owner; through a symbolic link, the file it
                            points to); a device or FIFO is written in place; never the input
  --output text|json|github how diagnostics are printed (default text)
Environment facts and kube-proxy flags (override the file's cluster block):
  --no-nfacct               the node cannot create nfacct counters
  --no-random-fully         MASQUERADE without --random-fully
  --conntrack-liberal       nf_conntrack_tcp_be_liberal is set (no INVALID drop rule)
  --masquerade-all          kube-proxy --masquerade-all
  --no-localhost-nodeports  kube-proxy --iptables-localhost-nodeports=false
  --detect-local-mode MODE  None | ClusterCIDR | NodeCIDR | BridgeInterface | InterfaceNamePrefix
  --cluster-cidr CIDR       kube-proxy --cluster-cidr (repeatable, one per family); alone it
                            means --detect-local-mode ClusterCIDR, as in kube-proxy
  --pod-bridge-interface IF with BridgeInterface
  --pod-interface-name-prefix P  with InterfaceNamePrefix
  -h, --help                show this help

Exit codes: 0 written, 1 errors in the input (or an update refused or not proven: nothing
written), 2 input or usage error.

Examples:
  ksvc compile cluster.ksvc --node node-a --backend iptables -o rules.txt
  ksvc compile cluster.ksvc --node node-a --backend nftables -o ruleset.json   # nft -j -f ruleset.json
  ksvc compile --from-k8s services.yaml slices.yaml nodes.yaml --node node-a --backend iptables --family ipv4
`;

const usageError = (io: CliIO, message: string): number => commandUsageError(io, 'compile', message);

const FLAGS = {
  backend: { type: 'string' },
  format: { type: 'string' },
  node: { type: 'string' },
  family: { type: 'string' },
  'with-hooks': { type: 'boolean' },
  since: { type: 'string' },
  prove: { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  output: { type: 'string' },
  ...LOWERING_FLAGS,
  'from-k8s': { type: 'boolean' },
  'skip-unknown-kinds': { type: 'boolean' },
  ...KUBE_SETTING_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

export const compileCommand: Command = {
  name: 'compile',
  help: HELP,
  run: runCompile,
};

async function runCompile(argv: string[], io: CliIO): Promise<number> {
  const time = timings(io);
  const parsed = parseCommandArgs(io, 'compile', argv, FLAGS);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  if (v.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  const fromK8s = Boolean(v['from-k8s']);
  if (parsed.positionals.length === 0 || (!fromK8s && parsed.positionals.length !== 1)) {
    return usageError(io, fromK8s ? 'expected input FILEs' : 'expected exactly one input FILE');
  }
  if (v['skip-unknown-kinds'] && !fromK8s) return usageError(io, '--skip-unknown-kinds needs --from-k8s');
  const backend = BACKENDS.find((b) => b.name === v.backend);
  if (!v.backend) return usageError(io, `--backend is required (${BACKENDS.map((b) => b.name).join(', ')})`);
  if (!backend) {
    return usageError(io, `unknown backend '${v.backend}' (known: ${BACKENDS.map((b) => b.name).join(', ')})`);
  }
  const format = v.format ?? backend.formats[0]!;
  if (!backend.formats.includes(format)) {
    return usageError(io, `--format for ${backend.name} is one of: ${backend.formats.join(', ')}`);
  }
  if (v['with-hooks'] && !backend.hooks) {
    return usageError(io, `--with-hooks does not apply to the ${backend.name} backend`);
  }
  if (v.since !== undefined) {
    if (format !== backend.formats[0] || v['with-hooks']) {
      return usageError(io, '--since makes an update: iptables restore format without --with-hooks, or nftables json');
    }
    if (v.since === '' || v.since === '-') return usageError(io, '--since needs a file name (not standard input)');
  } else if (v.prove) return usageError(io, '--prove proves an update: it goes with --since');
  if (v.out === '') return usageError(io, "-o needs a file name ('-' for standard output)");
  const output = outputFormatOf(io, 'compile', v.output);
  if (typeof output === 'number') return output;
  if (v.family !== undefined && v.family !== 'ipv4' && v.family !== 'ipv6') {
    return usageError(io, '--family is ipv4 or ipv6');
  }
  const lowered = await loadAndLower(io, parsed, backend, output, time);
  if (typeof lowered === 'number') return lowered;
  const tooLarge = renderMemoryRefusal(lowered.programs, COMPILE_BYTES_PER_ENDPOINT);
  if (tooLarge !== null) return fileError(io, 'compile', tooLarge);
  if (v.since !== undefined) return writeUpdate(io, parsed, v.since, backend, lowered, output, time);
  if (worthCollecting(lowered.programs)) collectGarbageNow();
  // Only the IR is alive from here on: the model and the AST are garbage while the output is built.
  const chunks = await backend.chunks(lowered.programs, { format, hooks: Boolean(v['with-hooks']) });
  time.mark('backend set-up');
  const failed = await writeOutput(io, v.out ?? '-', time.split(chunks), { inputs: lowered.inputs });
  time.mark('render+write');
  if (failed !== null) return fileError(io, 'compile', `cannot write output: ${failed}`);
  return EXIT_OK;
}

type CompileArgs = Exclude<ReturnType<typeof parseCommandArgs<typeof FLAGS>>, number>;

/**
 * --since OLD: OLD lowered as FILE was (the same kind of input, --node, --family and flags), and the
 * update from it written: iptables' partial restore, or the nftables delta. Of OLD's diagnostics
 * only the errors are printed.
 */
async function writeUpdate(
  io: CliIO,
  parsed: CompileArgs,
  since: string,
  backend: Backend,
  lowered: { programs: IRProgram[]; inputs: FileIdentity[] },
  output: OutputFormat,
  time: Timings,
): Promise<number> {
  // of the old version's diagnostics only its errors: its warnings are not about this output
  const old = await loadAndLower(io, { ...parsed, positionals: [since] }, backend, output, time, 'errors');
  if (typeof old === 'number') {
    // the input-kind hints above speak of FILE's own command line; OLD has no flags of its own
    if (output === 'text' && old === EXIT_FINDINGS) {
      io.stderr(
        `ksvc compile: --since ${escapeControls(since)} is read as FILE is (${parsed.values['from-k8s'] ? 'Kubernetes YAML or JSON, --from-k8s' : 'a .ksvc file'})
`,
      );
    }
    return old;
  }
  const nodeOf = (ps: IRProgram[]) => ps[0]?.node ?? '(none)';
  const where = (ps: IRProgram[]) => `node ${nodeOf(ps)}, ${ps.map((p) => p.family).join(' and ') || 'no family'}`;
  // one node; the families may differ where one artifact holds both (nftables: a table added or deleted)
  const compared = backend.singleFamily ? where : nodeOf;
  if (compared(old.programs) !== compared(lowered.programs)) {
    return usageError(
      io,
      `--since ${since} compiles for ${where(old.programs)}; FILE for ${where(lowered.programs)}: choose them with --node and --family`,
    );
  }
  const update = await backend.update(old.programs, lowered.programs);
  // the same node (and family, checked above) and one ksvc's base chains: always an update
  if (update === null) return fileError(io, 'compile', `the change from ${since} is not an ${backend.name} update`);
  const file = parsed.positionals[0]!;
  const finding = (d: Diagnostic) => {
    io.stderr(renderDiagnostics([d], new Map(), output, io.color));
    return EXIT_FINDINGS;
  };
  if (update.refused !== undefined) {
    const { why, instead } = update.refused;
    return finding(updateCodes['update-refused']({ file, span: null, hint: instead }, since, why));
  }
  time.mark('update');
  let summary = update.summary;
  if (parsed.values.prove) {
    const proof = await update.prove();
    time.mark('proof');
    if (!proof.proven) {
      return finding(updateCodes['update-not-proven']({ file, span: null }, since, proof.difference ?? 'a difference'));
    }
    summary += '; proven';
  }
  const failed = await writeOutput(io, parsed.values.out ?? '-', [update.text], {
    inputs: [...lowered.inputs, ...old.inputs],
  });
  if (failed !== null) return fileError(io, 'compile', `cannot write output: ${failed}`);
  if (io.statusLine) io.stderr(`ksvc compile: ${summary}\n`);
  return EXIT_OK;
}

/** Read, check and lower the input; diagnostics are printed here. Returns the IR or an exit code. */
async function loadAndLower(
  io: CliIO,
  parsed: CompileArgs,
  backend: Backend,
  output: OutputFormat,
  time: Timings,
  shown: 'all' | 'errors' = 'all',
): Promise<{ programs: IRProgram[]; inputs: FileIdentity[] } | number> {
  const v = parsed.values;
  const file = parsed.positionals[0]!;
  const lowerApi = await import('../api/lower.ts');
  const setup = await loweringOptions(io, 'compile', v);
  if (typeof setup === 'number') return setup;
  const { options: lowering, warnings: flagWarnings } = setup;
  // the flags' warnings lead the input's, on every path that shows them
  const shownOf = (diags: Diagnostic[]) => {
    const all = [...flagWarnings, ...diags];
    return shown === 'all' ? all : all.filter((d) => d.severity === 'error');
  };
  time.mark('start-up');
  const lowerOptions: LowerOptions = {
    ...lowering,
    file,
    ...(v.node !== undefined ? { node: v.node } : {}),
    ...(v.family !== undefined ? { family: v.family as Family } : {}),
  };
  const fromK8s = Boolean(v['from-k8s']);
  const settings = kubeSettingOptions(v, fromK8s);
  if (typeof settings === 'string') return usageError(io, settings);
  let loaded: LoadedInput;
  if (fromK8s) {
    loaded = await loadKubernetesFiles(io, parsed.positionals, {
      node: v.node ?? null,
      skipUnknownKinds: Boolean(v['skip-unknown-kinds']),
      ...settings,
    });
  } else {
    const read = readInputFile(io, file);
    if (!read.ok) return inputError(io, 'compile', read, output, 'stderr');
    // A part at a time, unless it asks for the ordinary path.
    const fast = await lowerKsvcText(file, read, lowerOptions);
    time.mark('read+parse+check+lower');
    if (fast !== null && !(backend.singleFamily && (fast.programs?.length ?? 0) > 1)) {
      const { programs, diagnostics, sources } = fast;
      const printed = shownOf(diagnostics);
      if (printed.length > 0) io.stderr(renderDiagnostics(printed, sources, output, io.color));
      if (programs === null) return exitForErrors(diagnostics);
      return { programs, inputs: read.identity ? [read.identity] : [] };
    }
    loaded = await loadKsvcText(file, read, time);
  }
  if (loaded.readError) return inputError(io, 'compile', loaded.readError, output, 'stderr');
  if (fromK8s) time.mark('read+import');
  const report = (all: Diagnostic[]) => {
    const diags = shownOf(all);
    if (diags.length > 0) io.stderr(renderDiagnostics(diags, loaded.sources, output, io.color));
  };
  if (!loaded.model || loaded.diagnostics.some((d) => d.severity === 'error')) {
    report(loaded.diagnostics);
    return exitForErrors(loaded.diagnostics);
  }
  const model = loaded.model;
  if (backend.singleFamily && v.family === undefined && lowerApi.familiesOf(model).length > 1) {
    report(loaded.diagnostics);
    return usageError(
      io,
      `${file} is dual-stack and ${backend.name} output holds one IP family: pass --family ipv4 (iptables-restore) or --family ipv6 (ip6tables-restore)`,
    );
  }
  const lowered = lowerApi.lower(model, lowerOptions);
  time.mark('lower');
  report([...loaded.diagnostics, ...lowered.diagnostics]);
  if (lowered.diagnostics.some((d) => d.severity === 'error')) return exitForErrors(lowered.diagnostics);
  return { programs: lowered.programs, inputs: loaded.inputs };
}
