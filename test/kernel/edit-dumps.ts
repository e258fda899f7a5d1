// Random edits of the artifacts (test/verifier/random-edits.ts) through the kernel's own tools:
// the edited text is loaded into a fresh namespace (iptables-restore / ip6tables-restore, nft -j -f)
// and dumped back (iptables-save -c, nft -j list ruleset). What must hold:
//   - a text the tools refuse does not read without an error (the verifier must not prove
//     something about a ruleset that can never be live);
//   - a loaded text and its dump read alike: both refused, or both to the same program (origins
//     aside).
// Used by edit-dumps.test.ts (a fixed sample) and scripts/fuzz-edit-dumps.ts (campaigns).
import { withoutOrigins as iptablesWithoutOrigins } from '../verifier/iptables-support.ts';
import { withoutOrigins as nftWithoutOrigins } from '../verifier/nft-support.ts';
import { type EditedFamily, editedCase, readArtifact } from '../verifier/random-edits.ts';
import { iptablesDumped, nftDumped, withKubeProxyHooks } from './dumps.ts';

export type DumpedArtifact = 'iptables' | 'nftables';

export interface EditDumpResult {
  /** null: the seed gave no case (no program of the family, or no edit applied) */
  what: string | null;
  /** 'refused': the kernel's tool refused the edited text; 'compared': it loaded and was dumped */
  outcome: 'refused' | 'compared' | 'skipped';
  problems: string[];
}

/** The edited case of `seed` loaded and dumped back, judged. */
export async function checkEditDump(
  seed: number,
  artifact: DumpedArtifact,
  family: EditedFamily = 'first',
): Promise<EditDumpResult> {
  const c = editedCase(seed, artifact, { family });
  if (c === null) return { what: null, outcome: 'skipped', problems: [] };
  const { what } = c;
  // iptables: with kube-proxy's jumps, as a node holds its restore input (a listing without them
  // reaches none of its chains, and reads so)
  const text = artifact === 'iptables' ? withKubeProxyHooks(c.edited.iptables) : c.edited.nftables;
  const loaded = artifact === 'iptables' ? await iptablesDumped(c.ir, text) : await nftDumped(text);
  const read = (t: string, file: string) => {
    const r = readArtifact(artifact, t, c.ir.family, file);
    const comparable =
      r.program === null
        ? ''
        : artifact === 'iptables'
          ? JSON.stringify(iptablesWithoutOrigins(r.program))
          : nftWithoutOrigins([r.program]);
    return { errors: r.errors, program: comparable };
  };
  const fromText = read(text, 'edited');
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
