// Every table of diagnostic codes, in one list: test/unit/diagnostic-codes.test.ts checks it is
// complete (a file calling defineCodes that is not listed fails) and that no code is in two tables;
// scripts/diagnostics-doc.ts writes docs/diagnostics.md from it.
import { fmtCodeTable } from '../cli/fmt.ts';
import { inputCodeTable } from '../cli/input-codes.ts';
import { updateCodeTable } from '../cli/update-codes.ts';
import type { CodeSpec } from '../common/diagnostics.ts';
import { checkCodeTable } from '../compiler/check/codes.ts';
import { kubeCodeTable } from '../compiler/kube/codes.ts';
import { lowerCodeTable } from '../compiler/lower/codes.ts';
import { sharedCodeTable } from '../compiler/shared-rules/codes.ts';
import { syntaxCodeTable } from '../grammar/codes.ts';
import { verifyCodeTable } from '../verifier/codes.ts';
import { iptCodeTable } from '../verifier/iptables/codes.ts';
import { nftCodeTable } from '../verifier/nftables/codes.ts';

export interface CodeTable {
  /** The file that defines the table. */
  file: string;
  /** Who reports these codes, for the docs. */
  stage: string;
  table: Record<string, CodeSpec<never[]>>;
}

export const TABLES: CodeTable[] = [
  { file: 'grammar/codes.ts', stage: '.ksvc syntax (parser)', table: syntaxCodeTable },
  { file: 'compiler/check/codes.ts', stage: '.ksvc checker', table: checkCodeTable },
  { file: 'compiler/shared-rules/codes.ts', stage: 'both front ends (.ksvc and Kubernetes)', table: sharedCodeTable },
  { file: 'compiler/kube/codes.ts', stage: 'Kubernetes import', table: kubeCodeTable },
  { file: 'compiler/lower/codes.ts', stage: 'lowering (compile)', table: lowerCodeTable },
  { file: 'cli/input-codes.ts', stage: 'reading inputs (every command)', table: inputCodeTable },
  { file: 'cli/fmt.ts', stage: 'ksvc fmt --check', table: fmtCodeTable },
  { file: 'cli/update-codes.ts', stage: 'ksvc compile --since', table: updateCodeTable },
  { file: 'verifier/iptables/codes.ts', stage: 'verifier: iptables reader', table: iptCodeTable },
  { file: 'verifier/nftables/codes.ts', stage: 'verifier: nftables reader', table: nftCodeTable },
  { file: 'verifier/codes.ts', stage: 'ksvc verify', table: verifyCodeTable },
];
