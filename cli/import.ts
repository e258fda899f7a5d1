// `ksvc import FILE...`: Kubernetes objects (Service, EndpointSlice, Node; YAML or JSON, multi-
// document or `kind: List`) -> one formatted .ksvc file meaning the same thing. The objects are read
// as kube-proxy reads them (api readKubernetes); cluster settings come from kube-proxy's flags. Before
// anything is written, the printed file is parsed and checked again and must give the same model
// (api printKsvc).

import type { KubeImportOptions } from '../api/kubernetes.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
// The mode names only (for the help text): the library itself is loaded when the command runs.
import { DETECT_LOCAL_MODES } from '../compiler/kube/settings.ts';
import {
  usageError as commandUsageError,
  DETECTOR_FLAGS,
  detectorFlagValues,
  fileError,
  inputError,
  outputFormatOf,
  parseCommandArgs,
} from './args.ts';
import type { Command } from './command.ts';
import { type CliIO, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, exitForErrors } from './io.ts';
import { KUBE_SETTING_FLAGS, KUBE_SETTING_HELP, kubeSettingOptions } from './kube-setting-flags.ts';
import { loadKubernetesFiles } from './load-input.ts';
import { writeOutput } from './output-file.ts';
import { renderDiagnostics } from './render-diagnostics.ts';

const HELP = `Usage: ksvc import [options] FILE...   (FILE '-' reads standard input)

Read Kubernetes Service, EndpointSlice and Node objects (YAML or JSON; several documents per file,
or a List as kubectl prints it) and print the equivalent .ksvc file. The objects are read the way
kube-proxy reads them: headless and ExternalName services, and services a label hides from
kube-proxy (another service proxy's), produce nothing (a comment at the top of the output names
them), addresses are normalised
(10.180.00.001 -> 10.180.0.1), endpoints come from every EndpointSlice of a service with their
ready/serving/terminating conditions. Cluster settings are kube-proxy's flags, given here.
'ksvc compile --from-k8s' reads the same files directly.

Options:
  --node NAME                      a node the output is meant for (a Node of the input, or an endpoint's node)
  --cluster-cidr CIDR              kube-proxy --cluster-cidr (repeatable or comma-separated, one
                                   per IP family); implies --detect-local-mode ClusterCIDR
  --detect-local-mode MODE         ${DETECT_LOCAL_MODES.join(' | ')}
  --pod-bridge-interface IF        with BridgeInterface
  --pod-interface-name-prefix P    with InterfaceNamePrefix
  --masquerade-all                 kube-proxy --masquerade-all
  --no-localhost-nodeports         kube-proxy --iptables-localhost-nodeports=false
${KUBE_SETTING_HELP}
  --skip-unknown-kinds             ignore other kinds (Pods, Deployments, ...) instead of refusing
  -o, --out FILE                   write the .ksvc file here instead of stdout (as compile -o:
                                   atomically, keeping mode and owner, never onto an input)
  --output text|json|github        how diagnostics are printed (default text)
  -h, --help                       show this help

Exit codes: 0 written (warnings may be printed), 1 errors in the input (nothing is written),
2 usage (unknown flag, unreadable file).

Examples:
  kubectl get svc,endpointslices,nodes -A -o yaml > cluster.yaml
  ksvc import cluster.yaml --cluster-cidr 10.64.0.0/16 -o cluster.ksvc
  kubectl get svc,endpointslices,nodes -A -o json | ksvc import - --cluster-cidr 10.64.0.0/16
  ksvc import examples/seed-local.yaml --cluster-cidr 10.64.1.0/24
  ksvc import services.json slices.yaml nodes.yaml --detect-local-mode NodeCIDR --node node-1
`;

const usageError = (io: CliIO, message: string): number => commandUsageError(io, 'import', message);

export const importCommand: Command = {
  name: 'import',
  help: HELP,
  async run(argv, io) {
    const parsed = parseCommandArgs(io, 'import', argv, {
      node: { type: 'string' },
      ...DETECTOR_FLAGS,
      'masquerade-all': { type: 'boolean' },
      ...KUBE_SETTING_FLAGS,
      'no-localhost-nodeports': { type: 'boolean' },
      'skip-unknown-kinds': { type: 'boolean' },
      out: { type: 'string', short: 'o' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (typeof parsed === 'number') return parsed;
    const v = parsed.values;
    if (v.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    const files = parsed.positionals;
    if (files.length === 0) return usageError(io, 'no input files');
    if (v.out === '') return usageError(io, "-o needs a file name ('-' for standard output)");
    const output = outputFormatOf(io, 'import', v.output);
    if (typeof output === 'number') return output;

    const settings = kubeSettingOptions(v, true);
    if (typeof settings === 'string') return usageError(io, settings);
    const options: KubeImportOptions = { ...detectorFlagValues(v), ...settings };
    if (v.node !== undefined) options.node = v.node;
    if (v['masquerade-all']) options.masqueradeAll = true;
    if (v['no-localhost-nodeports']) options.localhostNodePorts = false;
    if (v['skip-unknown-kinds']) options.skipUnknownKinds = true;

    const loaded = await loadKubernetesFiles(io, files, options);
    if (loaded.readError !== undefined) return inputError(io, 'import', loaded.readError, output, 'stderr');
    const flagErrors = loaded.diagnostics.filter((d) => d.code === 'invalid-option');
    if (flagErrors.length > 0) return usageError(io, flagErrors.map((d) => d.message).join('\n'));
    const report = (diags: readonly Diagnostic[]) => {
      if (diags.length > 0) io.stderr(renderDiagnostics(diags, loaded.sources, output, io.color));
    };
    if (!loaded.model || loaded.diagnostics.some((d) => d.severity === 'error')) {
      report(loaded.diagnostics);
      return exitForErrors(loaded.diagnostics);
    }

    const { printKsvc } = await import('../api/kubernetes.ts');
    const printed = printKsvc(loaded.model, { file: v.out ?? 'imported.ksvc', skipped: loaded.skipped ?? [] });
    if (printed.text === null) {
      report([...loaded.diagnostics, ...printed.diagnostics]);
      // a read-back mismatch is ksvc's defect, not the input's: exit as for an internal error
      return printed.diagnostics.some((d) => d.code === 'internal-read-back-error') ? EXIT_USAGE : EXIT_FINDINGS;
    }
    report(loaded.diagnostics);
    const failed = await writeOutput(io, v.out ?? '-', [printed.text], { inputs: loaded.inputs });
    if (failed !== null) return fileError(io, 'import', `cannot write output: ${failed}`);
    return EXIT_OK;
  },
};
