// `verify --kernel`: what the kernel holds once ksvc's rulesets are loaded. Each ruleset is loaded
// into a throw-away network namespace of its own (cli/netns.ts) the way a node loads it —
// iptables-restore with kube-proxy's builtin-chain jumps, `nft -j -f` — and listed back
// (iptables-save, `nft -j list ruleset`): the listings, not ksvc's text, are what verify then
// checks against the IR. So the user-space tools' parsing and the kernel's normalisation (a
// probability rounded, an expression rewritten) are inside the proof.
import { compileIptables } from '../api/iptables.ts';
import { compileNftables } from '../api/nftables.ts';
import type { ArtifactText } from '../api/verify.ts';
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

/** Why the kernel check cannot run here (a sentence), or null. */
export function kernelCheckRefusal(): string | null {
  if (process.getuid?.() !== 0) return 'it loads the rulesets into network namespaces: run it as root';
  const missing = missingTool([
    'ip',
    'iptables-restore',
    'iptables-save',
    'ip6tables-restore',
    'ip6tables-save',
    'nft',
    'nfacct',
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
    must(ns, v6 ? 'ip6tables-restore' : 'iptables-restore', ['-w', '5'], compileIptables(ir, { hooks: true }));
    return must(ns, v6 ? 'ip6tables-save' : 'iptables-save', []);
  });
  const listed = withNetns('verify-nft', (ns) => {
    // the document `ksvc compile` writes (its tables version-stamped)
    const r = nftWithFile(ns, ['-j', '-f'], compileNftables([ir], { stamp: true }));
    if (r.status !== 0) throw new Error(`nft -j -f failed in a throw-away namespace: ${r.stderr.trim()}`);
    return must(ns, 'nft', ['-j', 'list', 'ruleset']);
  });
  return {
    iptables: { text: saved, file: `<kernel: ${v6 ? 'ip6tables-save' : 'iptables-save'}, ${where}>` },
    nftables: { text: listed, file: `<kernel: nft -j list ruleset, ${where}>` },
  };
}
