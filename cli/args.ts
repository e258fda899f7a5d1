// Argument parsing shared by the subcommands: node:util parseArgs in strict mode, with usage
// errors (exit 2) printed the same way everywhere.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Diagnostic } from '../common/diagnostics.ts';
import type { LowerOptions } from '../compiler/lower/index.ts';
import { unreadableDiagnostic } from './input-codes.ts';
import { type CliIO, EXIT_USAGE, type InputFailure } from './io.ts';
import { OUTPUT_FORMATS, type OutputFormat, renderDiagnostics } from './render-diagnostics.ts';
import { escapeLines } from './terminal-text.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Print a file that cannot be read or written, and return the usage exit code: the flags were
 * right, so no pointer to --help. (Messages quote file names and flags as the user gave them.)
 */
export function fileError(io: CliIO, command: string, message: string): number {
  io.stderr(`ksvc ${command}: ${escapeLines(message)}\n`);
  return EXIT_USAGE;
}

/**
 * An input that cannot be read: exit 2. With --output json or github it is reported as a
 * diagnostic (`unreadable-input`) on the stream that carries the command's diagnostics, so a
 * program reading them never takes the run for a clean one; on stderr it is then the only thing
 * written there (a JSON document with a text line after it would not parse).
 */
export function inputError(
  io: CliIO,
  command: string,
  failure: InputFailure,
  output: OutputFormat,
  diagnosticsTo: 'stdout' | 'stderr' = 'stdout',
): number {
  if (output === 'text') return fileError(io, command, failure.message);
  io[diagnosticsTo](renderDiagnostics([unreadableDiagnostic(failure)], new Map(), output, false));
  if (diagnosticsTo === 'stdout') fileError(io, command, failure.message);
  return EXIT_USAGE;
}

/** Print a usage error for `ksvc NAME`, with the pointer to its --help, and return the usage exit code. */
export function usageError(io: CliIO, command: string, message: string): number {
  fileError(io, command, message);
  io.stderr(`Run 'ksvc ${command} --help' for usage.\n`);
  return EXIT_USAGE;
}

/**
 * Parse argv strictly; on a bad flag prints the usage error and returns the exit code instead. An
 * option that takes one value may be given once: `--backend iptables --backend nftables` is an
 * error, not "the last one wins". After `--`, every argument is a file name.
 */
export function parseCommandArgs<O extends Options>(io: CliIO, command: string, argv: string[], options: O) {
  const config = { args: argv, options, allowPositionals: true, strict: true, tokens: true } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    return usageError(io, command, (e as Error).message);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    const spec = options[t.name];
    if (spec?.type !== 'string' || spec.multiple) continue;
    if (seen.has(t.name)) return usageError(io, command, `--${t.name} is given more than once`);
    seen.add(t.name);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** The --output value (default text), or a usage exit code. */
export function outputFormatOf(io: CliIO, command: string, value: string | undefined): OutputFormat | number {
  const format = (value ?? 'text') as OutputFormat;
  if (OUTPUT_FORMATS.includes(format)) return format;
  return usageError(io, command, `--output is one of: ${OUTPUT_FORMATS.join(', ')} (not '${value}')`);
}

/** kube-proxy's local-traffic detector flags, shared by `compile` and `import` so they stay one set. */
export const DETECTOR_FLAGS = {
  'detect-local-mode': { type: 'string' },
  'cluster-cidr': { type: 'string', multiple: true },
  'pod-bridge-interface': { type: 'string' },
  'pod-interface-name-prefix': { type: 'string' },
} as const;

export interface DetectorFlagValues {
  clusterCIDRs?: string[];
  detectLocalMode?: string;
  podBridgeInterface?: string;
  podInterfaceNamePrefix?: string;
}

/** The detector flags that were given (api/lower.ts localDetectorFromFlags reads them). */
export function detectorFlagValues(v: {
  'detect-local-mode'?: string;
  'cluster-cidr'?: string[];
  'pod-bridge-interface'?: string;
  'pod-interface-name-prefix'?: string;
}): DetectorFlagValues {
  const out: DetectorFlagValues = {};
  if (v['cluster-cidr'] !== undefined) out.clusterCIDRs = v['cluster-cidr'];
  if (v['detect-local-mode'] !== undefined) out.detectLocalMode = v['detect-local-mode'];
  if (v['pod-bridge-interface'] !== undefined) out.podBridgeInterface = v['pod-bridge-interface'];
  if (v['pod-interface-name-prefix'] !== undefined) out.podInterfaceNamePrefix = v['pod-interface-name-prefix'];
  return out;
}

/** The flags of environment facts and kube-proxy overrides that compile, verify and explain share. */
export type LoweringFlagValues = Parameters<typeof detectorFlagValues>[0] & {
  'no-nfacct'?: boolean;
  'no-random-fully'?: boolean;
  'conntrack-liberal'?: boolean;
  'masquerade-all'?: boolean;
  'no-localhost-nodeports'?: boolean;
};

/** The parseArgs options of the lowering flags, one set for every command that lowers a model. */
export const LOWERING_FLAGS = {
  'no-nfacct': { type: 'boolean' },
  'no-random-fully': { type: 'boolean' },
  'conntrack-liberal': { type: 'boolean' },
  'masquerade-all': { type: 'boolean' },
  'no-localhost-nodeports': { type: 'boolean' },
  ...DETECTOR_FLAGS,
} as const;

const LOWERING_SWITCHES = [
  'no-nfacct',
  'no-random-fully',
  'conntrack-liberal',
  'masquerade-all',
  'no-localhost-nodeports',
] as const;

/**
 * An option and its value as command-line words ksvc reads back the same: `--name=value` when the
 * value starts with '-' (parseArgs would take `--name -x` for two options).
 */
export const optionWords = (name: string, value: string): string[] =>
  value.startsWith('-') && value !== '-' ? [`${name}=${value}`] : [name, value];

/** A file operand as a word ksvc reads back as that file: `-x` would be an option, `./-x` is not. */
export const operandWord = (file: string): string => (file.startsWith('-') && file !== '-' ? `./${file}` : file);

/**
 * The lowering flags that were given, as command-line words again: a command verify prints (the
 * explain line of a counterexample) must lower the model the same way, or it explains other rules.
 */
export function loweringFlagArgs(v: LoweringFlagValues): string[] {
  const args: string[] = [];
  for (const flag of LOWERING_SWITCHES) if (v[flag]) args.push(`--${flag}`);
  for (const flag of Object.keys(DETECTOR_FLAGS) as (keyof typeof DETECTOR_FLAGS)[]) {
    const value = v[flag];
    for (const one of value === undefined ? [] : typeof value === 'string' ? [value] : value)
      args.push(...optionWords(`--${flag}`, one));
  }
  return args;
}

/** Lowering options from the flags, and the flags' warnings (option-as-kube-proxy). */
export interface LoweringSetup {
  options: Omit<LowerOptions, 'node' | 'family'>;
  /** shown with the command's other diagnostics, so --output json and github carry them */
  warnings: Diagnostic[];
}

/** Environment facts and flag overrides for lowering; a usage error (exit code) for bad detector flags. */
export async function loweringOptions(
  io: CliIO,
  command: string,
  v: LoweringFlagValues,
): Promise<LoweringSetup | number> {
  const flags = detectorFlagValues(v);
  const overrides: NonNullable<LowerOptions['overrides']> = {};
  let warnings: Diagnostic[] = [];
  if (Object.keys(flags).length > 0) {
    const { localDetectorFromFlags } = await import('../api/lower.ts');
    const d = localDetectorFromFlags(flags);
    const errors = d.diagnostics.filter((x) => x.severity === 'error');
    if (errors.length > 0) return usageError(io, command, errors.map((x) => x.message).join('; '));
    warnings = d.diagnostics;
    if (d.detector) overrides.localDetector = d.detector;
  }
  if (v['masquerade-all']) overrides.masqueradeAll = true;
  if (v['no-localhost-nodeports']) overrides.localhostNodePorts = false;
  const environment = {
    nfacct: !v['no-nfacct'],
    randomFully: !v['no-random-fully'],
    conntrackLiberal: Boolean(v['conntrack-liberal']),
  };
  return { options: { environment, overrides }, warnings };
}

/** `--jobs` (verify and diff with --all-nodes, cli/child-jobs.ts): a positive integer, default 1; 0 when the text is not one. */
export const jobsOf = (text: string | undefined): number =>
  text === undefined ? 1 : /^\d{1,3}$/.test(text) && Number(text) > 0 ? Number(text) : 0;
