// `verify --kernel`: what the kernel holds once ksvc's rulesets are loaded. Each ruleset is loaded
// into a throw-away network namespace of its own (cli/netns.ts) the way a node loads it —
// iptables-restore with kube-proxy's builtin-chain jumps, `nft -j -f` — and listed back
// (iptables-save, `nft -j list ruleset`): the listings, not ksvc's text, are what verify then
// checks against the IR. So the user-space tools' parsing and the kernel's normalisation (a
// probability rounded, an expression rewritten) are inside the proof.
import { compileIptables } from '../api/iptables.ts';
import { compileNftables } from '../api/nftables.ts';
import type { ArtifactText } from '../api/verify.ts';
import type { Family } from '../common/ip.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import { missingTool, type Netns, nftWithFile, withNetns } from './netns.ts';

export interface KernelListings {
  iptables: ArtifactText;
  nftables: ArtifactText;
}

/** kube-proxy's nfacct counters: its rules name them, so they must exist before the rules load. */
const NFACCT_COUNTERS = ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'];

/** Create kube-proxy's nfacct counters in `ns` (one that exists already is fine). Throws on failure. */
export function addKubeProxyCounters(ns: Netns): void {
  for (const name of NFACCT_COUNTERS) {
    const r = ns.exec('nfacct', ['add', name]);
    if (r.status !== 0 && !/exist/i.test(r.stderr)) throw new Error(`nfacct add ${name}: ${r.stderr.trim()}`);
  }
}

/**
 * Why the kernel check cannot run here (a sentence), or null. Only the tools the run uses are
 * needed: a family's iptables tools (both without --family), nfacct unless --no-nfacct.
 */
export function kernelCheckRefusal(uses: { family?: Family; nfacct: boolean }): string | null {
  if (process.getuid?.() !== 0) return 'it loads the rulesets into network namespaces: run it as root';
  const missing = missingTool([
    'ip',
    'nft',
    ...(uses.family !== 'ipv6' ? ['iptables-restore', 'iptables-save'] : []),
    ...(uses.family !== 'ipv4' ? ['ip6tables-restore', 'ip6tables-save'] : []),
    ...(uses.nfacct ? ['nfacct'] : []),
  ]);
  return missing === null ? null : `'${missing}' is not installed`;
}

function must(ns: Netns, cmd: string, args: readonly string[], input?: string): string {
  const r = ns.exec(cmd, args, input);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in a throw-away namespace: ${r.stderr.trim()}`);
  return r.stdout;
}

/** The program's rulesets, each loaded into its own namespace and listed back. Throws (an Error) on a failed step. */
export function kernelListings(ir: IRProgram): KernelListings {
  const where = `${ir.node === null ? '' : `node ${ir.node}, `}${ir.family}`;
  const v6 = ir.family === 'ipv6';
  const saved = withNetns('verify-ipt', (ns) => {
    if (ir.environment.nfacct) addKubeProxyCounters(ns);
    const [restore, save] = v6 ? ['ip6tables-restore', 'ip6tables-save'] : ['iptables-restore', 'iptables-save'];
    must(ns, restore, ['-w', '5'], compileIptables(ir, { hooks: true }));
    const listing = must(ns, save, []);
    // an empty listing read as "no table" and the family's check went missing, passing (exit 0)
    if (!/^\*nat$/m.test(listing))
      throw new Error(
        `${save} listed no nat table after ${restore} loaded one in a throw-away namespace: the two do not see the same rules (one iptables-legacy, the other iptables-nft?)`,
      );
    return listing;
  });
  const listed = withNetns('verify-nft', (ns) => {
    // the document `ksvc compile` writes (its tables version-stamped)
    const r = nftWithFile(ns, ['-j', '-f'], compileNftables([ir], { stamp: true }));
    if (r.status !== 0) throw new Error(`nft -j -f failed in a throw-away namespace: ${r.stderr.trim()}`);
    const listing = must(ns, 'nft', ['-j', 'list', 'ruleset']);
    if (!listing.includes('"kube-proxy"'))
      throw new Error(
        'nft -j list ruleset listed no kube-proxy table after nft -j -f loaded one in a throw-away namespace',
      );
    return listing;
  });
  return {
    iptables: { text: saved, file: `<kernel: ${v6 ? 'ip6tables-save' : 'iptables-save'}, ${where}>` },
    nftables: { text: listed, file: `<kernel: nft -j list ruleset, ${where}>` },
  };
}
