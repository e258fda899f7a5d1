// Random edits of the artifacts (test/verifier/random-edits.ts) through the kernel's own tools:
// the edited text is loaded into a fresh namespace (iptables-restore / ip6tables-restore, nft -j -f)
// and dumped back (iptables-save -c, nft -j list ruleset). What must hold:
//   - a text the tools refuse does not read without an error (the verifier must not prove
//     something about a ruleset that can never be live);
//   - a loaded text and its dump read alike: both refused, or both to the same program (origins
//     aside).
// Used by edit-dumps.test.ts (a fixed sample) and scripts/fuzz-edit-dumps.ts (campaigns).
import { readIptables } from '../../verifier/iptables/index.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { withoutOrigins as iptablesWithoutOrigins } from '../verifier/iptables-support.ts';
import { withoutOrigins as nftWithoutOrigins } from '../verifier/nft-support.ts';
import { type EditedFamily, editedCase } from '../verifier/random-edits.ts';
import { nftFile } from './load.ts';
import { createKubeProxyNfacct, withNetns } from './netns.ts';

export type DumpedArtifact = 'iptables' | 'nftables';

export interface EditDumpResult {
  /** null: the seed gave no case (no program of the family, or no edit applied) */
  what: string | null;
  /** 'refused': the kernel's tool refused the edited text; 'compared': it loaded and was dumped */
  outcome: 'refused' | 'compared' | 'skipped';
  problems: string[];
}

const errorsOf = (ds: readonly { severity: string; code: string; message: string }[]): string[] =>
  ds.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);

type Loaded = { refused: string } | { dump: string };

/** The edited case of `seed` loaded and dumped back, judged. */
export async function checkEditDump(
  seed: number,
  artifact: DumpedArtifact,
  family: EditedFamily = 'first',
): Promise<EditDumpResult> {
  const c = editedCase(seed, artifact, { family });
  if (c === null) return { what: null, outcome: 'skipped', problems: [] };
  const fam = c.ir.family;
  const text = c.edited[artifact];
  const loaded: Loaded =
    artifact === 'iptables'
      ? await withNetns('edit-ipt', (ns) => {
          const [restore, save] =
            fam === 'ipv4' ? ['iptables-restore', 'iptables-save'] : ['ip6tables-restore', 'ip6tables-save'];
          if (c.ir.environment.nfacct) createKubeProxyNfacct(ns);
          const load = ns.exec(restore, [], text);
          if (load.status !== 0) return { refused: load.stderr.trim() };
          const dump = ns.exec(save, ['-c']);
          if (dump.status !== 0) throw new Error(`${save} -c: ${dump.stderr}`);
          return { dump: dump.stdout };
        })
      : await withNetns('edit-nft', (ns) => {
          try {
            nftFile(ns, ['-j', '-f'], text);
          } catch (e) {
            return { refused: (e as Error).message };
          }
          const list = ns.exec('nft', ['-j', 'list', 'ruleset']);
          if (list.status !== 0) throw new Error(`nft -j list ruleset: ${list.stderr}`);
          return { dump: list.stdout };
        });
  const read = (t: string, file: string) => {
    if (artifact === 'iptables') {
      const r = readIptables(t, { file, family: fam, assumeHooks: true });
      return {
        errors: errorsOf(r.diagnostics),
        program: r.program ? JSON.stringify(iptablesWithoutOrigins(r.program)) : '',
      };
    }
    const r = readNftables(t, { file });
    return { errors: errorsOf(r.diagnostics), program: nftWithoutOrigins(r.programs) };
  };
  const fromText = read(text, 'edited');
  const what = c.edit.what;
  if ('refused' in loaded) {
    const problems =
      fromText.errors.length === 0
        ? [`the kernel's tool refuses the edited text (${loaded.refused.slice(0, 300)}), the reader reads it`]
        : [];
    return { what, outcome: 'refused', problems };
  }
  const fromDump = read(loaded.dump, 'dump');
  const problems: string[] = [];
  if ((fromText.errors.length === 0) !== (fromDump.errors.length === 0)) {
    problems.push(
      `the edited text ${fromText.errors.length === 0 ? 'reads' : `is refused (${fromText.errors[0]})`}, its dump ${fromDump.errors.length === 0 ? 'reads' : `is refused (${fromDump.errors[0]})`}`,
    );
  } else if (fromText.errors.length === 0 && fromText.program !== fromDump.program) {
    problems.push('the dump reads to another program than the edited text it was loaded from');
  }
  return { what, outcome: 'compared', problems };
}
