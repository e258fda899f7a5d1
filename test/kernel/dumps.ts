// Loading one IR's two artifacts into fresh namespaces and dumping them back as the kernel prints
// them (`iptables-save -c`, `nft -j list ruleset`): each dump must read without an error to the
// same program as the text it was loaded from (origins aside). Used by dump-forms.test.ts,
// iptables-read.test.ts (savedByKernel), scripts/fuzz-kernel.ts, and edit-dumps.ts (the loads and
// dumps, which may be refused).
import { renderIptables } from '../../backends/iptables/index.ts';
import { renderNftablesJson } from '../../backends/nftables/index.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { hooksFor, readIptables } from '../../verifier/iptables/index.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { withoutOrigins as iptablesWithoutOrigins } from '../verifier/iptables-support.ts';
import { withoutOrigins as nftWithoutOrigins } from '../verifier/nft-support.ts';
import { nftFile } from './load.ts';
import { createKubeProxyNfacct, withNetns } from './netns.ts';

const errorsOf = (what: string, ds: readonly { severity: string; code: string; message: string }[]) =>
  ds.filter((d) => d.severity === 'error').map((d) => `${what}: ${d.code}: ${d.message}`);

/** What a load and dump gave: the dump, or the loading tool's refusal. */
export type Dumped = { dump: string } | { refused: string };

/**
 * kube-proxy's restore input with its builtin-chain jumps added, as a node holds them once kube-proxy
 * has installed them apart (each table's hooks to the chains it declares, before its COMMIT): what a
 * node's listing of that input shows.
 */
export function withKubeProxyHooks(restore: string): string {
  const out: string[] = [];
  let table = '';
  const declared = new Set<string>();
  for (const line of restore.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      declared.clear();
    } else if (line.startsWith(':')) declared.add(line.slice(1).split(' ')[0]!);
    else if (line.trim() === 'COMMIT') {
      for (const h of hooksFor((t, chain) => t === table && declared.has(chain))) out.push(h.line);
    }
    out.push(line);
  }
  return out.join('\n');
}

/** `restore` (iptables-restore text for `ir`) loaded into a fresh namespace and dumped with `iptables-save -c`. */
export function iptablesDumped(ir: IRProgram, restore: string): Promise<Dumped> {
  const [restoreCmd, saveCmd] = saveCommands(ir);
  return withNetns('dump-ipt', (ns) => {
    if (ir.environment.nfacct) createKubeProxyNfacct(ns);
    const load = ns.exec(restoreCmd, [], restore);
    if (load.status !== 0) return { refused: `${restoreCmd}: ${load.stderr.trim()}` };
    const save = ns.exec(saveCmd, ['-c']);
    if (save.status !== 0) throw new Error(`${saveCmd} -c: ${save.stderr}`);
    return { dump: save.stdout };
  });
}

/** An nft JSON document loaded into a fresh namespace with `nft -j -f` and listed with `nft -j list ruleset`. */
export function nftDumped(doc: string): Promise<Dumped> {
  return withNetns('dump-nft', (ns) => {
    try {
      nftFile(ns, ['-j', '-f'], doc);
    } catch (e) {
      return { refused: (e as Error).message };
    }
    const list = ns.exec('nft', ['-j', 'list', 'ruleset']);
    if (list.status !== 0) throw new Error(`nft -j list ruleset: ${list.stderr}`);
    return { dump: list.stdout };
  });
}

const dumpOrThrow = (d: Dumped): string => {
  if ('refused' in d) throw new Error(d.refused);
  return d.dump;
};

/** `restore` (iptables-restore text for `ir`) loaded into a fresh namespace, as `iptables-save -c` prints it. */
export async function savedByKernel(ir: IRProgram, restore: string): Promise<string> {
  return dumpOrThrow(await iptablesDumped(ir, restore));
}

const saveCommands = (ir: IRProgram): [restore: string, save: string] =>
  ir.family === 'ipv4' ? ['iptables-restore', 'iptables-save'] : ['ip6tables-restore', 'ip6tables-save'];

/** What is wrong with the dumps of `ir`'s artifacts (empty when both read as what was loaded). */
export async function dumpProblems(ir: IRProgram): Promise<string[]> {
  const problems: string[] = [];
  const restore = renderIptables(ir, { format: 'restore', hooks: true });
  const saveCmd = saveCommands(ir)[1];
  const saved = await savedByKernel(ir, restore);
  const fromText = readIptables(restore, { file: 'restore' });
  const fromKernel = readIptables(saved, { file: `${saveCmd} -c` });
  problems.push(
    ...errorsOf('restore text', fromText.diagnostics),
    ...errorsOf(`${saveCmd} -c`, fromKernel.diagnostics),
  );
  if (
    fromText.program &&
    fromKernel.program &&
    JSON.stringify(iptablesWithoutOrigins(fromKernel.program)) !==
      JSON.stringify(iptablesWithoutOrigins(fromText.program))
  ) {
    problems.push(`${saveCmd} -c reads to another program than the restore text`);
  }
  const doc = renderNftablesJson(ir);
  const listed = dumpOrThrow(await nftDumped(doc));
  const fromDoc = readNftables(doc, { file: 'document' });
  const fromListing = readNftables(listed, { file: 'nft -j list ruleset' });
  problems.push(
    ...errorsOf('document', fromDoc.diagnostics),
    ...errorsOf('nft -j list ruleset', fromListing.diagnostics),
  );
  if (problems.length === 0 && nftWithoutOrigins(fromListing.programs) !== nftWithoutOrigins(fromDoc.programs)) {
    problems.push('nft -j list ruleset reads to another program than the document');
  }
  return problems;
}
