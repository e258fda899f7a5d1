// The subcommand table (dispatch order = help order). Each command's module is loaded only when
// that command runs: `ksvc --help` and `ksvc --version` load none of them.
import type { Command } from './command.ts';

export interface CommandEntry {
  name: string;
  /** One line for `ksvc --help`. */
  summary: string;
  load(): Promise<Command>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: 'check',
    summary: 'check .ksvc files and report errors and warnings',
    load: async () => (await import('./check.ts')).checkCommand,
  },
  {
    name: 'fmt',
    summary: 'rewrite .ksvc files in the canonical layout (or --check them)',
    load: async () => (await import('./fmt.ts')).fmtCommand,
  },
  {
    name: 'compile',
    summary: 'compile a .ksvc file to iptables-restore text (or another backend)',
    load: async () => (await import('./compile.ts')).compileCommand,
  },
  {
    name: 'verify',
    summary: 'prove the iptables and nftables rulesets (and the IR) give every packet the same outcome',
    load: async () => (await import('./verify.ts')).verifyCommand,
  },
  {
    name: 'diff',
    summary: 'show how a change to a .ksvc file routes packets differently (a semantic diff for review)',
    load: async () => (await import('./diff.ts')).diffCommand,
  },
  {
    name: 'explain',
    summary: 'follow one packet through the IR, iptables and nftables: rules matched, outcome probabilities',
    load: async () => (await import('./explain.ts')).explainCommand,
  },
  {
    name: 'import',
    summary: 'read Kubernetes Service/EndpointSlice/Node YAML or JSON and print the equivalent .ksvc file',
    load: async () => (await import('./import.ts')).importCommand,
  },
];
