// `ksvc diff`: what a change to a .ksvc file does to packets, for code review. Both versions are
// compiled for the node, read back by the verifier's readers, and compared by its engine: every
// way packets are routed differently, with a witness, the region it stands for, the old and new
// outcome distributions and the service ports it addresses. Exit 0 same routing, 1 changes, 2 input.

import type { DiffRun } from '../api/diff.ts';
import type { VerifyProgress } from '../api/verify.ts';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import type { ClusterModel } from '../compiler/model.ts';
import { capRepeated } from '../compiler/shared-rules/cap.ts';
import {
  fileError,
  LOWERING_FLAGS,
  loweringFlagArgs,
  loweringOptions,
  outputFormatOf,
  parseCommandArgs,
  usageError as usage,
} from './args.ts';
import type { Command } from './command.ts';
import { groupedNumber } from './grouped-number.ts';
import { type CliIO, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, inputName } from './io.ts';
import { type LoadedInput, loadKsvcFile } from './load-input.ts';
import { renderDiagnostics } from './render-diagnostics.ts';
import type { DiffInputs } from './render-diff.ts';
import { NO_STATUS_LINE, statusLine } from './status-line.ts';
import { explainCommandLine } from './verify.ts';

const HELP = `Usage: ksvc diff OLD.ksvc NEW.ksvc [options]

Show what a change does to packets: both versions are compiled to the ruleset the node loads,
read back by the verifier's own readers and compared exactly, as \`ksvc verify\` compares the two
backends. Each way packets are routed differently is printed once: a readable witness packet, the
region of packets that change the same way, the old and the new outcome distribution (endpoints
and their probabilities, masquerade, drop or reject, affinity records), the service ports the
witness is addressed to, and \`ksvc explain\` lines for both versions. Renamed chains, reordered
rules or services, and other edits that route every packet the same way are no change.

Exit codes: 0 every packet is routed the same way, 1 changes (printed), 2 input or usage error.

Options:
  --node NAME              the node's view (default: the only node of each file)
  --all-nodes              every node both files declare, one comparison each
  --family ipv4|ipv6       one family (default: every family either version uses)
  --backend iptables|nftables  the rulesets compared (default iptables, what kube-proxy loads)
  --max-changes N          distinct changes reported per comparison (default 50)
  --traces                 also print each witness's path through the old and the new rules
  --no-shapes              evaluate every shard (default: one shard per shape, the others counted)
  --output text|json|github  how the result is printed (default text; github: one annotation per
                           change at the service's line in NEW.ksvc, or OLD.ksvc when it is gone)
Environment facts and kube-proxy flags, as for compile (the same for both versions):
  --no-nfacct, --no-random-fully, --conntrack-liberal, --masquerade-all,
  --no-localhost-nodeports, --detect-local-mode, --cluster-cidr, --pod-bridge-interface,
  --pod-interface-name-prefix
`;

const FLAGS = {
  node: { type: 'string' },
  'all-nodes': { type: 'boolean' },
  family: { type: 'string' },
  backend: { type: 'string' },
  'max-changes': { type: 'string' },
  'no-shapes': { type: 'boolean' },
  traces: { type: 'boolean' },
  output: { type: 'string' },
  ...LOWERING_FLAGS,
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
  const output = outputFormatOf(io, 'diff', v.output);
  if (typeof output === 'number') return output;
  if (parsed.positionals.length !== 2) return usage(io, 'diff', 'expected two files: OLD.ksvc NEW.ksvc');
  const [oldFile, newFile] = parsed.positionals as [string, string];
  if (oldFile === '-' && newFile === '-') return usage(io, 'diff', "'-' (standard input) can be given only once");
  if (v.node !== undefined && v['all-nodes']) return usage(io, 'diff', '--node and --all-nodes exclude each other');
  if (v.family !== undefined && v.family !== 'ipv4' && v.family !== 'ipv6')
    return usage(io, 'diff', '--family is ipv4 or ipv6');
  if (v.backend !== undefined && v.backend !== 'iptables' && v.backend !== 'nftables')
    return usage(io, 'diff', '--backend is iptables or nftables');
  const maxChanges = v['max-changes'] === undefined ? 50 : Number(v['max-changes']);
  if (!Number.isInteger(maxChanges) || maxChanges < 1) return usage(io, 'diff', '--max-changes is a positive integer');
  const lowering = await loweringOptions(io, 'diff', v);
  if (typeof lowering === 'number') return lowering;
  const backend = v.backend ?? 'iptables';

  const showDiagnostics = (diags: readonly Diagnostic[], loaded: readonly LoadedInput[]) => {
    if (diags.length === 0) return;
    const sources = new Map(loaded.flatMap((l) => [...l.sources]));
    io.stderr(renderDiagnostics(capRepeated(diags), sources, output, io.color));
  };
  const loaded: LoadedInput[] = [];
  for (const file of [oldFile, newFile]) {
    const l = await loadKsvcFile(io, file);
    if (l.readError) return fileError(io, 'diff', l.readError);
    loaded.push(l);
  }
  const [oldIn, newIn] = loaded as [LoadedInput, LoadedInput];
  if (!oldIn.model || !newIn.model || loaded.some((l) => l.diagnostics.some((d) => d.severity === 'error'))) {
    showDiagnostics([...oldIn.diagnostics, ...newIn.diagnostics], loaded);
    return EXIT_USAGE;
  }
  const [oldModel, newModel] = [oldIn.model, newIn.model];
  const { nodes, notes } = nodesToCompare(oldModel, newModel, v.node, Boolean(v['all-nodes']));
  if (nodes.length === 0) {
    return usage(io, 'diff', 'the two files declare no node in common: choose one with --node, or compare per file');
  }

  const api = await import('../api/diff.ts');
  const { familiesOf, lower } = await import('../api/lower.ts');
  const families: Family[] = v.family
    ? [v.family as Family]
    : (['ipv4', 'ipv6'] as const).filter((f) => [oldModel, newModel].some((m) => familiesOf(m).includes(f)));
  const status = output === 'text' ? statusLine(io) : NO_STATUS_LINE;
  const diagnostics: Diagnostic[] = [...oldIn.diagnostics, ...newIn.diagnostics];
  const runs: DiffRun[] = [];
  try {
    for (const node of nodes) {
      for (const family of families) {
        const options = { ...lowering, ...(node === null ? {} : { node }), family };
        const programs: IRProgram[] = [];
        for (const [model, file] of [
          [oldModel, oldFile],
          [newModel, newFile],
        ] as const) {
          const lowered = lower(model, { ...options, file: inputName(file) });
          // a family one version does not use is compared as its fixed chains alone
          diagnostics.push(...lowered.diagnostics.filter((d) => d.code !== 'family-unused'));
          if (lowered.programs[0]) programs.push(lowered.programs[0]);
        }
        if (programs.length !== 2) continue;
        const progress =
          status === NO_STATUS_LINE
            ? {}
            : {
                progress: (p: VerifyProgress) =>
                  status.show(
                    p.stage === 'check' ? 'check' : p.stage,
                    p.stage === 'check'
                      ? `ksvc diff: checking shards ${groupedNumber(p.done)}/${groupedNumber(p.total)}`
                      : `ksvc diff: ${p.stage === 'read' ? `compiling and reading ${family}` : 'building the packet space'}`,
                  ),
              };
        const r = api.diffRouting(programs[0]!, programs[1]!, {
          backend,
          maxChanges,
          shapes: !v['no-shapes'],
          ...progress,
        });
        diagnostics.push(...r.diagnostics);
        runs.push(r.run);
      }
    }
  } finally {
    status.clear();
  }
  showDiagnostics(diagnostics, loaded);
  if (diagnostics.some((d) => d.severity === 'error') || runs.some((r) => r.report === null)) return EXIT_USAGE;

  const render = await import('./render-diff.ts');
  const flags = loweringFlagArgs(v);
  const inputs: DiffInputs = {
    files: { old: inputName(oldFile), new: inputName(newFile) },
    models: { old: oldModel, new: newModel },
    backend,
    notes,
    explain: (side, run, witness) =>
      explainCommandLine(
        [side === 'old' ? oldFile : newFile, '--backend', backend, ...flags],
        run.node,
        run.family,
        witness,
      ),
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
