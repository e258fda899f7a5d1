// The backends `ksvc compile` writes: adding one is one more entry of BACKENDS (name, formats,
// chunks, the --since update), each loading its part of the library (api/) only when a compile
// runs. Apart from compile.ts, which reads the command line and the input and writes what these make.
import type { IRProgram } from '../compiler/ir/types.ts';

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
  /** The artifact in pieces, in order (the library is loaded here, when a compile runs). */
  chunks(programs: IRProgram[], options: BackendRenderOptions): Promise<Iterable<string>>;
  /** --since: the update from `before`'s ruleset to `after`'s (one node's; a one-family backend's: one family); null: none */
  update(before: IRProgram[], after: IRProgram[]): Promise<BackendUpdate | null>;
}

/** Why a change cannot be written as an update, and what to do instead. */
interface Refusal {
  why: string;
  instead: string;
}

/** An update a backend writes for --since, with what it did and its proof (--prove). */
export interface BackendUpdate {
  text: string;
  /** why this change cannot be written as an update at all (nothing is written), and what to do instead */
  refused?: Refusal;
  /** for a terminal: "partial restore: 1 of 10 services rewritten, …" */
  summary: string;
  prove(): Promise<{ proven: boolean; difference: string | null }>;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Why a partial restore cannot make the change (its text is not written): kube-proxy's hook rules
 * in INPUT and OUTPUT jump to its filter chains, and a partial restore writes no hook rule. A chain
 * OLD has and FILE does not (KUBE-FIREWALL, localhost NodePorts turned off) cannot be deleted while
 * they jump to it; one FILE adds (turned on) would be reached by none.
 */
function refusedPartial(stranded: string[], unhooked: string[]): { refused: Refusal } | null {
  const readme = '(README, "Which iptables output to use")';
  if (stranded.length > 0) {
    return {
      refused: {
        why: `it removes the filter chain(s) ${stranded.join(', ')} (localhost NodePorts turned off), which kube-proxy's hook rules in INPUT and OUTPUT jump to: a partial restore cannot delete them`,
        instead: `remove those jumps and the chains, then load the full restore input with --noflush ${readme}`,
      },
    };
  }
  if (unhooked.length > 0) {
    return {
      refused: {
        why: `it adds the filter chain(s) ${unhooked.join(', ')} (localhost NodePorts turned on), which need kube-proxy's hook rules in INPUT and OUTPUT: a partial restore writes no hook rule`,
        instead: `load the full restore input with --with-hooks instead ${readme}`,
      },
    };
  }
  return null;
}

export const BACKENDS: Backend[] = [
  {
    name: 'iptables',
    formats: ['restore', 'save'],
    singleFamily: true,
    hooks: true,
    async chunks(programs, o) {
      const { compileIptablesChunks } = await import('../api/iptables.ts');
      return compileIptablesChunks(programs[0]!, { format: o.format as 'restore' | 'save', hooks: o.hooks });
    },
    async update([before], [after]) {
      const { compileIptablesPartial } = await import('../api/iptables.ts');
      const p = compileIptablesPartial(before!, after!);
      return {
        text: p.text,
        ...(refusedPartial(p.stranded, p.unhooked) ?? {}),
        summary: `partial restore: ${p.rewritten.length} of ${plural(p.services, 'service')} rewritten, ${plural(p.deleted.length, 'chain')} deleted (apply with iptables-restore --noflush)`,
        prove: async () => (await import('../api/update.ts')).proveIptablesPartial(before!, after!, p.text),
      };
    },
  },
  {
    // Both families in one document (one `nft -j -f` transaction replacing the kube-proxy tables).
    name: 'nftables',
    formats: ['json', 'text'],
    singleFamily: false,
    hooks: false,
    async chunks(programs, o) {
      const { compileNftablesChunks } = await import('../api/nftables.ts');
      // stamped: a --since update made from this output applies to a node holding it only
      return compileNftablesChunks(programs, { format: o.format as 'json' | 'text', stamp: true });
    },
    async update(before, after) {
      const { compileNftablesDelta } = await import('../api/nftables.ts');
      const d = compileNftablesDelta(before, after, { stamp: true });
      if (d === null) return null;
      const s = d.stats;
      const tables =
        s.tablesAdded + s.tablesRemoved > 0 ? `; tables ${s.tablesAdded} created, ${s.tablesRemoved} deleted` : '';
      const stamps = (d.previousStamps ?? []).map((st) => `ksvc-version-${st}`).join(', ');
      return {
        text: d.text,
        summary: `delta: chains ${s.chainsAdded} added, ${s.chainsChanged} refilled, ${s.chainsRemoved} deleted; elements ${s.elementsAdded} added, ${s.elementsRemoved} deleted${tables} (apply with nft -j -f; nft refuses it on tables not stamped as OLD's: ${stamps})`,
        prove: async () =>
          (await import('../api/update.ts')).proveNftablesDelta(before, after, d.text, { stamp: true }),
      };
    },
  },
];
