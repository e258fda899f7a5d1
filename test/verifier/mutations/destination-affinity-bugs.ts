// Seeded bugs in affinity lists keyed by the DESTINATION address (iptables `recent --rdest`, an nft
// affinity set keyed by `ip daddr`). ksvc never writes such rules; another ruleset may. A packet
// carries only its source's records, so the counterexample's region names the destination's
// record as a condition ("affinity L (the destination's record): a record 0–600 s old"), and
// `ksvc explain` on the witness shows one case per record state; the harness checks the case the
// region selects. (Until the explain-cases work these counterexamples were wrong: the witness
// wrote the destination's record as the source's, and explain printed only its first case.)
import { chainOfComment, editRule, replaceOnce, sepChain } from './iptables-edit.ts';
import { editDoc, nameOf, selectRules } from './nft-edit.ts';
import { A4, type Mutation, notApplied } from './types.ts';

const saddr = JSON.stringify({ payload: { protocol: 'ip', field: 'saddr' } });
const daddr = { payload: { protocol: 'ip', field: 'daddr' } };

/** Rewrite every affinity key of a rule (a concatenation that starts with ip saddr) to start with ip daddr. */
function keyByDestination(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + keyByDestination(x), 0);
  if (typeof v !== 'object' || v === null) return 0;
  const o = v as Record<string, unknown>;
  let n = 0;
  if (Array.isArray(o.concat) && JSON.stringify(o.concat[0]) === saddr) {
    o.concat[0] = daddr;
    n++;
  }
  return n + Object.values(o).reduce((m: number, x) => m + keyByDestination(x), 0);
}

export const DESTINATION_AFFINITY_BUGS: Mutation[] = [
  {
    id: 'ipt-rcheck-keyed-by-destination',
    artifact: 'iptables',
    target: A4,
    description: "shop/storefront:http: 10.64.1.5's affinity check reads the destination's record (--rdest)",
    apply: (t) => {
      const svc = chainOfComment(t, 'nat', 'KUBE-SERVICES', 'shop/storefront:http cluster IP');
      const list = sepChain(t, 'tcp', '10.64.1.5:8080');
      return editRule(t, { table: 'nat', chain: svc, has: ['--rcheck', `--name ${list} `] }, (l) =>
        replaceOnce(l, ' --rcheck', ' --rdest --rcheck'),
      );
    },
    expect: 'different',
  },
  {
    id: 'nft-affinity-keyed-by-destination',
    artifact: 'nftables',
    target: A4,
    description:
      'shop/storefront:http: every affinity lookup and update of 10.64.1.5 (service and local chain) keyed by ip daddr',
    apply: (t) =>
      editDoc(t, (d) => {
        let n = 0;
        for (const kind of ['service', 'local']) {
          const chain = nameOf(d, 'ip', kind, 'shop/storefront/tcp/http');
          for (const r of selectRules(d, 'ip', chain, ['"10.64.1.5"'])) n += keyByDestination(r.rule.expr);
        }
        // two lookups (service and local chain) and four updates
        if (n !== 6) notApplied(`${n} affinity keys of 10.64.1.5 rewritten, expected 6`);
      }),
    expect: 'different',
  },
];
