// `ksvc compile`: .ksvc -> checked model -> IR (compiler/lower) -> a backend's artifact.
// Backends are entries of BACKENDS: adding one is one more entry (name, formats, render).

import { renderIptables } from '../backends/iptables/index.ts';
import { renderNftablesJson, renderNftablesText } from '../backends/nftables/index.ts';
import { type Diagnostic, hasErrors } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import { detectorFromFlags } from '../compiler/kube/settings.ts';
import { type LowerOptions, lowerModel, modelFamilies } from '../compiler/lower/index.ts';
import type { LocalDetectorSpec } from '../compiler/model.ts';
import {
  usageError as commandUsageError,
  DETECTOR_FLAGS,
  detectorFlagValues,
  outputFormatOf,
  parseCommandArgs,
} from './args.ts';
import type { Command } from './command.ts';
import { type CliIO, EXIT_FINDINGS, EXIT_OK, writeOutputFile } from './io.ts';
import { loadKsvcFile, loadKubernetesFiles } from './load-input.ts';
import { renderDiagnostics } from './render-diagnostics.ts';

export interface BackendRenderOptions {
  format: string;
  /** --with-hooks */
  hooks: boolean;
}

export interface Backend {
  name: string;
  /** Output formats; the first is the default. */
  formats: readonly string[];
  /** One IP family per artifact (iptables/ip6tables): a dual-stack input then needs --family. */
  singleFamily: boolean;
  /** Accepts --with-hooks. */
  hooks: boolean;
  render(programs: IRProgram[], options: BackendRenderOptions): string;
}

export const BACKENDS: Backend[] = [
  {
    name: 'iptables',
    formats: ['restore', 'save'],
    singleFamily: true,
    hooks: true,
    render: (programs, o) => renderIptables(programs[0]!, { format: o.format as 'restore' | 'save', hooks: o.hooks }),
  },
  {
    // Both families in one document (one `nft -j -f` transaction replacing the kube-proxy tables).
    name: 'nftables',
    formats: ['json', 'text'],
    singleFamily: false,
    hooks: false,
    render: (programs, o) => (o.format === 'text' ? renderNftablesText(programs) : renderNftablesJson(programs)),
  },
];

const HELP = `Usage: ksvc compile FILE --backend NAME [options]

Compile a .ksvc file for one node into a ruleset.

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
  -o, --out FILE            write here (atomically) instead of stdout
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
`;

const usageError = (io: CliIO, message: string): number => commandUsageError(io, 'compile', message);

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile a .ksvc file to iptables-restore text (or another backend)',
  help: HELP,
  run(argv, io) {
    const parsed = parseCommandArgs(io, 'compile', argv, {
      backend: { type: 'string' },
      format: { type: 'string' },
      node: { type: 'string' },
      family: { type: 'string' },
      'with-hooks': { type: 'boolean' },
      out: { type: 'string', short: 'o' },
      output: { type: 'string' },
      'no-nfacct': { type: 'boolean' },
      'no-random-fully': { type: 'boolean' },
      'conntrack-liberal': { type: 'boolean' },
      'masquerade-all': { type: 'boolean' },
      'no-localhost-nodeports': { type: 'boolean' },
      ...DETECTOR_FLAGS,
      'from-k8s': { type: 'boolean' },
      'skip-unknown-kinds': { type: 'boolean' },
    });
    if (typeof parsed === 'number') return parsed;
    const v = parsed.values;
    const fromK8s = Boolean(v['from-k8s']);
    if (parsed.positionals.length === 0 || (!fromK8s && parsed.positionals.length !== 1)) {
      return usageError(io, fromK8s ? 'expected input FILEs' : 'expected exactly one input FILE');
    }
    if (v['skip-unknown-kinds'] && !fromK8s) return usageError(io, '--skip-unknown-kinds needs --from-k8s');
    const file = parsed.positionals[0]!;
    const backend = BACKENDS.find((b) => b.name === v.backend);
    if (!v.backend) return usageError(io, `--backend is required (${BACKENDS.map((b) => b.name).join(', ')})`);
    if (!backend)
      return usageError(io, `unknown backend '${v.backend}' (known: ${BACKENDS.map((b) => b.name).join(', ')})`);
    const format = v.format ?? backend.formats[0]!;
    if (!backend.formats.includes(format))
      return usageError(io, `--format for ${backend.name} is one of: ${backend.formats.join(', ')}`);
    if (v['with-hooks'] && !backend.hooks)
      return usageError(io, `--with-hooks does not apply to the ${backend.name} backend`);
    const output = outputFormatOf(io, 'compile', v.output);
    if (typeof output === 'number') return output;
    if (v.family !== undefined && v.family !== 'ipv4' && v.family !== 'ipv6')
      return usageError(io, '--family is ipv4 or ipv6');
    const detector = detectorOverride(v);
    if (typeof detector === 'string') return usageError(io, detector);

    const loaded = fromK8s
      ? loadKubernetesFiles(io, parsed.positionals, {
          node: v.node ?? null,
          skipUnknownKinds: Boolean(v['skip-unknown-kinds']),
        })
      : loadKsvcFile(io, file);
    if (loaded.readError) return usageError(io, loaded.readError);
    const report = (diags: Diagnostic[]) => {
      if (diags.length > 0) io.stderr(renderDiagnostics(diags, loaded.sources, output, io.color));
    };
    if (!loaded.model || hasErrors(loaded.diagnostics)) {
      report(loaded.diagnostics);
      return EXIT_FINDINGS;
    }
    const model = loaded.model;
    if (backend.singleFamily && v.family === undefined && modelFamilies(model).length > 1) {
      report(loaded.diagnostics);
      return usageError(
        io,
        `${file} is dual-stack and ${backend.name} output holds one IP family: pass --family ipv4 (iptables-restore) or --family ipv6 (ip6tables-restore)`,
      );
    }
    const options: LowerOptions = {
      file,
      environment: {
        nfacct: !v['no-nfacct'],
        randomFully: !v['no-random-fully'],
        conntrackLiberal: Boolean(v['conntrack-liberal']),
      },
      overrides: {},
    };
    if (v.node !== undefined) options.node = v.node;
    if (v.family !== undefined) options.family = v.family as Family;
    if (v['masquerade-all']) options.overrides!.masqueradeAll = true;
    if (v['no-localhost-nodeports']) options.overrides!.localhostNodePorts = false;
    if (detector) options.overrides!.localDetector = detector;
    const lowered = lowerModel(model, options);
    const diags = [...loaded.diagnostics, ...lowered.diagnostics];
    report(diags);
    if (hasErrors(lowered.diagnostics)) return EXIT_FINDINGS;
    const text = backend.render(lowered.programs, { format, hooks: Boolean(v['with-hooks']) });
    const written = writeOutputFile(io, v.out ?? '-', text);
    if (!written.ok) return usageError(io, `cannot write output: ${written.message}`);
    return EXIT_OK;
  },
};

/** The detector flags as an override (null when none is given), or a usage message. */
function detectorOverride(v: Parameters<typeof detectorFlagValues>[0]): LocalDetectorSpec | null | string {
  const diags: Diagnostic[] = [];
  const detector = detectorFromFlags(detectorFlagValues(v), diags);
  return diags.length > 0 ? diags.map((d) => d.message).join('; ') : detector;
}
