// Seeded bugs in what the lean nft layout does per service port (docs/nftables.md §1.5–1.7): the
// shared balance chains (`meta random & 0x7fffffff < T` cascades that DNAT through the dnat-…-i
// maps), the explicit service-/local- chains of affinity ports (lookup, update, DNAT in one rule),
// the hairpin set read after DNAT, and the masquerade sets of `services`. Each must be reported not
// equivalent with a correct counterexample.
import {
  deleteRule,
  dropFromRule,
  jsonIs,
  mapPair,
  moveRuleAfter,
  nameOf,
  removeElement,
  replaceOne,
  replaceStrings,
  selectRule,
} from './nft-edit.ts';
import { AFFINITY_LOOKUP, bug, exactlyCaught, RANDOM, replaceInRule } from './nft-mutation.ts';
import { A4, A6, type Mutation, S4 } from './types.ts';

const key = (...parts: (string | number)[]) => ({ concat: parts });
const HTTP = 'shop/storefront/tcp/http';
const STICKY = 'apps/sticky/tcp/https';

export const NFTABLES_BALANCE_BUGS: Mutation[] = [
  // --- thresholds: one unit of 2^-31 is a kernel-level difference (IR ≡ each artifact still holds)
  bug(
    'threshold-plus-one',
    A4,
    'shop/storefront:http service chain (affinity, explicit cascade): meta random threshold 1073741824 → 1073741825',
    (d, f) => replaceInRule(d, f, nameOf(d, f, 'service', HTTP), RANDOM, 1073741824, 1073741825),
    exactlyCaught,
  ),
  bug(
    'threshold-minus-one',
    S4,
    'balance-cluster-ips-4-53 (apps/quad): the 1/4 threshold 536870912 → 536870911',
    (d, f) => replaceInRule(d, f, 'balance-cluster-ips-4-53', ['536870912'], 536870912, 536870911),
    exactlyCaught,
  ),
  bug(
    'threshold-third-minus-one',
    S4,
    'balance-cluster-ips-3-8080 (apps/web ClusterIP): the 1/3 threshold 715827883 → 715827882',
    (d, f) => replaceInRule(d, f, 'balance-cluster-ips-3-8080', ['715827883'], 715827883, 715827882),
    exactlyCaught,
  ),
  bug(
    'threshold-nodeport-plus-one',
    S4,
    'balance-cluster-nodeports-3-8080 (apps/web NodePort): the 1/2 threshold 1073741824 → 1073741825',
    (d, f) => replaceInRule(d, f, 'balance-cluster-nodeports-3-8080', ['1073741824'], 1073741824, 1073741825),
    exactlyCaught,
  ),
  bug(
    'threshold-ipv6',
    A6,
    'balance-cluster-ips-2-53 (IPv6 table, kube-dns UDP and TCP): threshold 1073741824 → 1073741825',
    (d, f) => replaceInRule(d, f, 'balance-cluster-ips-2-53', RANDOM, 1073741824, 1073741825),
    exactlyCaught,
  ),
  bug(
    'random-op-flipped',
    S4,
    'balance-cluster-ips-4-53 (apps/quad): meta random & 0x7fffffff < 536870912 → >= (3/4 instead of 1/4)',
    (d, f) => replaceInRule(d, f, 'balance-cluster-ips-4-53', ['536870912'], '<', '>='),
  ),
  bug(
    'random-mask-widened',
    S4,
    'balance-cluster-ips-2-8080 (apps/pair): meta random & 0x7fffffff → & 0xffffffff (1/4 instead of 1/2)',
    (d, f) => replaceInRule(d, f, 'balance-cluster-ips-2-8080', RANDOM, 0x7fffffff, 0xffffffff),
  ),
  // --- the cascade's DNAT: map references, map elements, the chain's port constant
  bug(
    'dnat-elements-swapped-unequal',
    S4,
    'apps/quad: its dnat-cluster-ips-0 and -1 elements swapped (the 1/4 and (3/4)·T(3) steps: 2^-33 at kernel level)',
    (d, f) => {
      const k = key('10.33.0.30', 'udp', 53);
      const a = mapPair(d, f, 'dnat-cluster-ips-0', k);
      const b = mapPair(d, f, 'dnat-cluster-ips-1', k);
      [a[1], b[1]] = [b[1], a[1]];
    },
    exactlyCaught,
  ),
  bug(
    'balance-maps-swapped',
    S4,
    'balance-cluster-nodeports-3-8080 (apps/web NodePort): its first two rules read each other’s DNAT map',
    (d, f) => {
      const chain = 'balance-cluster-nodeports-3-8080';
      replaceInRule(d, f, chain, ['715827883'], '@dnat-cluster-nodeports-0', '@dnat-cluster-nodeports-1');
      replaceInRule(d, f, chain, ['1073741824'], '@dnat-cluster-nodeports-1', '@dnat-cluster-nodeports-0');
    },
    exactlyCaught,
  ),
  bug(
    'balance-dnat-port-wrong',
    S4,
    'balance-cluster-nodeports-3-8080 (apps/web NodePort): its first rule DNATs to port 8081 (the map gives the address, the rule the port)',
    (d, f) => replaceInRule(d, f, 'balance-cluster-nodeports-3-8080', ['715827883'], 8080, 8081),
  ),
  bug(
    'dnat-map-element-missing',
    S4,
    'dnat-cluster-ips-1: the apps/quad element removed (the lookup misses, the rule breaks, the cascade goes on)',
    (d, f) => removeElement(d, f, 'dnat-cluster-ips-1', ['"10.33.0.30"']),
  ),
  bug(
    'dnat-map-wrong-addr',
    A4,
    'dnat-cluster-ips-0: telecom/signalling (SCTP) 10.32.0.40:2905 → 10.64.3.21 instead of 10.64.3.20',
    (d, f) => {
      mapPair(d, f, 'dnat-cluster-ips-0', key('10.32.0.40', 'sctp', 2905))[1] = '10.64.3.21';
    },
  ),
  bug(
    'dnat-nodeport-map-wrong',
    S4,
    'dnat-cluster-nodeports-2: apps/web NodePort 30100 → 10.64.2.21 (its second endpoint) instead of 10.64.2.22',
    (d, f) => {
      mapPair(d, f, 'dnat-cluster-nodeports-2', key('tcp', 30100))[1] = '10.64.2.21';
    },
  ),
  bug(
    'balance-rule-removed',
    S4,
    'balance-cluster-ips-4-53 (apps/quad): the rule DNATing through dnat-cluster-ips-1 removed',
    (d, f) => deleteRule(d, f, 'balance-cluster-ips-4-53', ['@dnat-cluster-ips-1']),
  ),
  bug(
    'balance-port-wrong',
    A4,
    'balance-local-ips-1-8080 (shop/cart): dnat to … map @dnat-local-ips-0 : 8081',
    (d, f) => replaceInRule(d, f, 'balance-local-ips-1-8080', [], 8080, 8081),
  ),
  // --- explicit chains (affinity ports): one rule per endpoint, DNAT written out
  bug('dnat-wrong-port', A4, 'shop/storefront:http service chain: the random rule DNATs to 10.64.1.5:8081', (d, f) =>
    replaceInRule(
      d,
      f,
      nameOf(d, f, 'service', HTTP),
      RANDOM,
      { addr: '10.64.1.5', port: 8080 },
      { addr: '10.64.1.5', port: 8081 },
    ),
  ),
  bug(
    'dnat-protocol-guard',
    A4,
    'shop/storefront:http service chain: the random rule’s meta l4proto tcp → udp',
    (d, f) => replaceInRule(d, f, nameOf(d, f, 'service', HTTP), RANDOM, 'tcp', 'udp'),
  ),
  bug(
    'local-endpoint-swapped',
    S4,
    'apps/edge local chain: the random rule records and DNATs to 10.64.1.72 (the fallback’s endpoint) too',
    (d, f) => replaceStrings(d, f, nameOf(d, f, 'local', 'apps/edge/tcp/web'), RANDOM, '10.64.1.71', '10.64.1.72', 2),
  ),
  // --- affinity: lookups, updates, the set
  bug(
    'affinity-update-removed',
    A4,
    'shop/storefront:http service chain: the random rule DNATs to 10.64.1.5 without its update @affinity',
    (d, f) => dropFromRule(d, f, nameOf(d, f, 'service', HTTP), RANDOM, '"update"'),
  ),
  bug(
    'affinity-update-wrong-endpoint',
    S4,
    'apps/sticky service chain: the 1/3 rule DNATs to 10.64.1.31 but records the client for 10.64.2.31',
    (d, f) => {
      const { rule } = selectRule(d, f, nameOf(d, f, 'service', STICKY), ['715827883']);
      const update = rule.expr.find((e) => JSON.stringify(e).includes('"update"'));
      replaceOne(update, jsonIs('"10.64.1.31"'), () => '10.64.2.31');
    },
  ),
  bug(
    'affinity-lookup-removed',
    A4,
    "shop/storefront:http service chain: 10.64.2.5's affinity lookup rule removed",
    (d, f) => deleteRule(d, f, nameOf(d, f, 'service', HTTP), [AFFINITY_LOOKUP, '"10.64.2.5"']),
  ),
  bug(
    'affinity-lookup-wrong-port',
    A4,
    "shop/storefront:http service chain: 10.64.1.5's lookup key names port 8081 (a record nothing writes)",
    (d, f) => {
      const port = (p: number) => ({ '|': [{ '&': [{ payload: { protocol: 'th', field: 'dport' } }, 0] }, p] });
      const chain = nameOf(d, f, 'service', HTTP);
      replaceInRule(d, f, chain, [AFFINITY_LOOKUP, '"10.64.1.5"'], port(8080), port(8081));
    },
  ),
  bug(
    'affinity-lookup-negated',
    S4,
    "apps/sticky service chain: 10.64.1.31's lookup @affinity negated (clients without a record go there)",
    (d, f) => {
      const { rule } = selectRule(d, f, nameOf(d, f, 'service', STICKY), [AFFINITY_LOOKUP, '"10.64.1.31"']);
      const lookup = rule.expr.find((e) => JSON.stringify(e).includes(AFFINITY_LOOKUP));
      replaceOne(lookup, jsonIs('"=="'), () => '!=');
    },
  ),
  // --- hairpin: the set lookup after DNAT in nat-postrouting (and nat-input)
  bug('hairpin-element-missing', A4, "hairpin: shop/cart's local endpoint 10.64.1.10 . 10.64.1.10 removed", (d, f) =>
    removeElement(d, f, 'hairpin', ['"10.64.1.10"']),
  ),
  bug('hairpin-postrouting-removed', A4, 'nat-postrouting: the ct status dnat … @hairpin mark rule removed', (d, f) =>
    deleteRule(d, f, 'nat-postrouting', ['@hairpin']),
  ),
  bug(
    'hairpin-dnat-status-dropped',
    A4,
    'nat-postrouting: the hairpin rule without ct status dnat (marks a pod talking to its own address)',
    (d, f) => dropFromRule(d, f, 'nat-postrouting', ['@hairpin'], '"status"'),
  ),
  // --- the masquerade marks of `services` (before the dispatch)
  bug(
    'mark-bit-wrong',
    A4,
    'services: the cluster-ips-masquerade rule sets mark bit 0x8000 instead of 0x4000',
    (d, f) => replaceInRule(d, f, 'services', ['"@cluster-ips-masquerade"'], 16384, 32768),
  ),
  // `meta mark set 0x4000` writes the whole mark: every other bit (another program's) is cleared
  bug(
    'mark-set-clears-other-bits',
    A4,
    'services: the cluster-ips-masquerade rule sets the mark to 0x4000 instead of or-ing the bit in',
    (d, f) =>
      replaceInRule(
        d,
        f,
        'services',
        ['"@cluster-ips-masquerade"'],
        { '|': [{ meta: { key: 'mark' } }, 16384] },
        16384,
      ),
  ),
  bug(
    'masq-cidr-widened',
    A4,
    'services: the cluster-ips-masquerade rule’s ip saddr != 10.64.0.0/16 widened to /15',
    (d, f) =>
      replaceInRule(
        d,
        f,
        'services',
        ['"@cluster-ips-masquerade"'],
        { addr: '10.64.0.0', len: 16 },
        { addr: '10.64.0.0', len: 15 },
      ),
  ),
  bug(
    'masq-operator-flipped',
    A4,
    'services: cluster-ips-masquerade-2 (telecom/signalling’s own detector) ip saddr != 10.0.0.0/8 flipped to ==',
    (d, f) => replaceInRule(d, f, 'services', ['"@cluster-ips-masquerade-2"'], '!=', '=='),
  ),
  bug(
    'masq-mark-after-dispatch',
    A4,
    'services: the cluster-ips-masquerade rule moved after vmap @service-ips (a goto never comes back)',
    (d, f) => moveRuleAfter(d, f, 'services', ['"@cluster-ips-masquerade"'], ['@service-ips']),
  ),
  bug('cluster-masq-element-missing', A4, 'cluster-ips-masquerade: shop/cart 10.32.0.30:8080/tcp removed', (d, f) =>
    removeElement(d, f, 'cluster-ips-masquerade', ['"10.32.0.30"']),
  ),
  bug('nodeport-masq-element-missing', A4, 'nodeports-masquerade: telecom/signalling sctp . 32005 removed', (d, f) =>
    removeElement(d, f, 'nodeports-masquerade', ['32005']),
  ),
];
