// Behaviour-preserving edits of ksvc's nft JSON output (the lean layout, docs/nftables.md §1): each
// must be reported equivalent. Every entry says why no packet can tell the difference at kernel
// level (one says which stated assumption makes it so).
import { readFileSync } from 'node:fs';
import {
  type Doc,
  declaration,
  deleteRule,
  elementLists,
  mapPair,
  type NftFamily,
  nameOf,
  parseDoc,
  type RuleRef,
  removeElement,
  renameChain,
  renameSet,
  replaceOne,
  rulesOf,
  selectRule,
  selectRules,
  swapCommands,
} from './nft-edit.ts';
import { AFFINITY_LOOKUP, RANDOM, replaceInRule, same } from './nft-mutation.ts';
import { A4, A6, type Mutation, notApplied, S4 } from './types.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const HTTP = 'shop/storefront/tcp/http';

/** Exchange two strings everywhere in one rule's expression (one of them must occur). */
function exchange(r: RuleRef, a: string, b: string): void {
  const text = JSON.stringify(r.rule.expr);
  const [qa, qb] = [JSON.stringify(a), JSON.stringify(b)];
  if (!text.includes(qa) && !text.includes(qb)) notApplied(`neither ${a} nor ${b} in the rule`);
  r.rule.expr = JSON.parse(
    text
      .split(qa)
      .map((part) => part.replaceAll(qb, qa))
      .join(qb),
  );
}

/** The hairpin lookups (`ip saddr . ip daddr @hairpin`) of every chain that has one. */
const hairpinRules = (d: Doc, f: NftFamily) =>
  ['nat-input', 'nat-postrouting', 'forward-rules'].map((chain) => selectRule(d, f, chain, ['@hairpin']));

export const NFTABLES_PRESERVING: Mutation[] = [
  // Chain names are labels: the kernel follows jumps, gotos and verdict-map values.
  same(
    'rename-chains',
    A4,
    'shop/storefront:http service chain and the shared balance-cluster-ips-1-53 renamed with every reference',
    (d, f) => {
      renameChain(d, f, nameOf(d, f, 'service', HTTP), 'renamed-storefront-http');
      renameChain(d, f, 'balance-cluster-ips-1-53', 'renamed-balance-53');
    },
  ),
  // Set and map names are labels too: a rule holds a reference to the set object. (Not the
  // affinity sets: their names are how the verifier pairs nft records with iptables' recent lists.)
  same('rename-sets', A4, 'the hairpin set and the dnat-cluster-ips-0 map renamed with every reference', (d, f) => {
    renameSet(d, f, 'hairpin', 'renamed-hairpin');
    renameSet(d, f, 'dnat-cluster-ips-0', 'renamed-dnat-0');
  }),
  // A map's elements have distinct exact keys: a lookup finds the one matching key wherever it is.
  same(
    'reorder-map-elements',
    A4,
    'service-ips, service-nodeports, dnat-cluster-ips-0, hairpin and cluster-ips-masquerade in reverse order',
    (d, f) => {
      for (const set of ['service-ips', 'service-nodeports', 'dnat-cluster-ips-0', 'hairpin', 'cluster-ips-masquerade'])
        for (const list of elementLists(d, f, set)) list.reverse();
    },
  ),
  // One `add element` command or two: the set ends up with the same elements in one transaction.
  same('element-commands-split', S4, 'dnat-cluster-ips-0 elements added by two add element commands', (d, f) => {
    const [list] = elementLists(d, f, 'dnat-cluster-ips-0');
    const at = d.nftables.findIndex(
      (c) => (c as { add?: { element?: { elem?: unknown } } }).add?.element?.elem === list,
    );
    if (!list || list.length < 2 || at < 0) notApplied('dnat-cluster-ips-0 has fewer than two elements');
    const rest = list.splice(Math.floor(list.length / 2));
    d.nftables.splice(at + 1, 0, {
      add: { element: { family: f, table: 'kube-proxy', name: 'dnat-cluster-ips-0', elem: rest } },
    });
  }),
  // Comments are metadata; the kernel does not evaluate them.
  same('drop-comments', A4, 'every rule and element comment removed', (d) => {
    let n = 0;
    const strip = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(strip);
      if (typeof v !== 'object' || v === null) return v;
      const o = v as Record<string, unknown>;
      // an element with a comment is {"elem": {"val": KEY, "comment": …}}: keep the bare key
      if ('elem' in o && typeof o.elem === 'object' && o.elem !== null && 'val' in (o.elem as object)) {
        n++;
        return strip((o.elem as Record<string, unknown>).val);
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) {
        if (k === 'comment' && typeof x === 'string') n++;
        else out[k] = strip(x);
      }
      return out;
    };
    d.nftables = strip(d.nftables) as Doc['nftables'];
    if (n === 0) notApplied('no comments');
  }),
  // meta random & 0x7fffffff < 2^30 passes exactly half of the 2^31 values: both endpoints get 1/2
  // whichever map the first rule reads.
  same('swap-5050-split', S4, 'apps/pair (two endpoints): its dnat-cluster-ips-0 and -1 elements swapped', (d, f) => {
    const k = { concat: ['10.33.0.40', 'tcp', 8080] };
    const a = mapPair(d, f, 'dnat-cluster-ips-0', k);
    const b = mapPair(d, f, 'dnat-cluster-ips-1', k);
    [a[1], b[1]] = [b[1], a[1]];
  }),
  same(
    'swap-5050-maps',
    A6,
    'balance-cluster-ips-2-53 (IPv6 kube-dns UDP and TCP): its two rules read each other’s DNAT map',
    (d, f) => {
      const [first, last] = rulesOf(d, f, 'balance-cluster-ips-2-53');
      if (!first || !last) notApplied('balance-cluster-ips-2-53 has fewer than two rules');
      exchange(first, '@dnat-cluster-ips-0', '@dnat-cluster-ips-1');
      exchange(last, '@dnat-cluster-ips-0', '@dnat-cluster-ips-1');
    },
  ),
  // The draw is fresh: `>= 2^30` passes the other 2^30 of the 2^31 values, again exactly 1/2.
  same(
    'threshold-op-5050',
    S4,
    'balance-cluster-ips-2-8080 (apps/pair): meta random & 0x7fffffff < 2^30 → >= 2^30',
    (d, f) => replaceInRule(d, f, 'balance-cluster-ips-2-8080', RANDOM, '<', '>='),
  ),
  // The same after the affinity lookups: each rule writes the record of the endpoint it DNATs to.
  same(
    'swap-5050-affinity',
    A4,
    'shop/storefront:http: the random rule and the last rule exchange endpoints (update and DNAT)',
    (d, f) => {
      const chain = nameOf(d, f, 'service', HTTP);
      const draw = selectRule(d, f, chain, RANDOM);
      const last = rulesOf(d, f, chain).at(-1)!;
      exchange(draw, '10.64.1.5', '10.64.2.5');
      exchange(last, '10.64.1.5', '10.64.2.5');
    },
  ),
  // Both rules of external-endpoints-check can only drop or fall through, so their order cannot
  // matter: a packet either matches one of them (dropped, whichever runs first) or neither.
  same('reorder-independent-rules', S4, 'external-endpoints-check: its two drop-only lookups swapped', (d, f) => {
    const [x, y] = rulesOf(d, f, 'external-endpoints-check');
    if (!x || !y) notApplied('external-endpoints-check has fewer than two rules');
    swapCommands(d, x.index, y.index);
  }),
  // The two masquerade-mark rules only set the same bit, on disjoint keys, and read nothing the
  // other writes.
  same('reorder-masquerade-marks', A4, 'services: the cluster-ips-masquerade and -2 rules swapped', (d, f) => {
    const [x, y] = selectRules(d, f, 'services', ['@cluster-ips-masquerade']);
    if (!x || !y) notApplied('services has fewer than two cluster-ips-masquerade rules');
    swapCommands(d, x.index, y.index);
  }),
  // Two tests in one rule: both must hold, in either order (neither has a side effect).
  same('hairpin-tests-reordered', A4, 'nat-postrouting: ct status dnat and the @hairpin lookup swapped', (d, f) => {
    const { rule } = selectRule(d, f, 'nat-postrouting', ['@hairpin']);
    const [a, b, ...rest] = rule.expr;
    rule.expr = [b, a, ...rest];
  }),
  // Every hairpin element is E . E: (s, d) is in the set exactly when (d, s) is.
  same('hairpin-key-reversed', A4, 'every @hairpin lookup keyed ip daddr . ip saddr', (d, f) => {
    for (const r of hairpinRules(d, f)) exchange(r, 'saddr', 'daddr');
  }),
  // A chain that always ends in a DNAT (a terminal verdict) never returns: jump and goto are alike.
  same('goto-to-jump', S4, 'service-ips: every goto (balance and service chains) made a jump', (d, f) => {
    let n = 0;
    for (const list of elementLists(d, f, 'service-ips'))
      for (const e of list as unknown[][]) {
        const v = e[1] as { goto?: unknown; jump?: unknown };
        if (v.goto) {
          e[1] = { jump: v.goto };
          n++;
        }
      }
    if (n === 0) notApplied('no goto in service-ips');
  }),
  // `vmap @service-nodeports` is the last rule of `services`: returning to it or past it is the same.
  same('nodeport-jump-to-goto', S4, 'service-nodeports: jump nodeport-… (apps/remote) made a goto', (d, f) => {
    const chain = nameOf(d, f, 'nodeport', 'apps/remote/tcp/ingress');
    replaceOne(
      elementLists(d, f, 'service-nodeports'),
      (v) => JSON.stringify(v) === JSON.stringify({ jump: { target: chain } }),
      () => ({ goto: { target: chain } }),
    );
  }),
  // A chain nothing jumps to never sees a packet.
  same('extra-unreachable-chain', A4, 'a chain nothing jumps to, with a drop rule', (d, f) => {
    const at = d.nftables.findIndex((c) => JSON.stringify(c).startsWith('{"add":{"rule":'));
    d.nftables.splice(
      at,
      0,
      { add: { chain: { family: f, table: 'kube-proxy', name: 'unreachable-test' } } },
      { add: { rule: { family: f, table: 'kube-proxy', chain: 'unreachable-test', expr: [{ drop: null }] } } },
    );
  }),
  // apps/pair is balanced over 2 endpoints: its chain reads dnat-cluster-ips-0 and -1 only.
  same(
    'unread-dnat-element',
    S4,
    'dnat-cluster-ips-3: an element for apps/pair, whose chain never reads it',
    (d, f) => {
      elementLists(d, f, 'dnat-cluster-ips-3')[0]!.push([{ concat: ['10.33.0.40', 'tcp', 8080] }, '10.64.9.9']);
    },
  ),
  // An interval set holding the one address matches exactly the same packets.
  same('interval-set-same-element', A4, 'nodeport-ips made an interval set with the same element', (d, f) => {
    declaration(d, 'set', f, 'nodeport-ips').flags = ['interval'];
  }),
  // The local chain of a port with one local endpoint: the affinity lookup rule and the fallback
  // rule write the same record and DNAT to the same endpoint.
  same(
    'single-endpoint-lookup-removed',
    A4,
    'shop/storefront:http local chain (one local endpoint): the affinity lookup rule removed',
    (d, f) => deleteRule(d, f, nameOf(d, f, 'local', HTTP), [AFFINITY_LOOKUP]),
  ),
  // Without the health-check accept the packet goes on through filter-input: the later rules
  // (external-endpoints-check: other ports; no localnet-check on this node) do not match port
  // 30000 and the policy accepts it. On a node with the localnet check it is a bug.
  same('health-check-element-removed-no-localnet', A4, 'health-check-nodeports: 30000 removed on node-a', (d, f) =>
    removeElement(d, f, 'health-check-nodeports', ['30000']),
  ),
  // The hairpin accept stands for iptables' mark accept in KUBE-FORWARD; without it the packet
  // (destination: an endpoint) meets only the no-endpoint maps, whose keys are service addresses
  // no endpoint of node-a has, and the policy accepts it (docs/nftables.md §1.6).
  same('forward-hairpin-accept-removed', A4, 'forward-rules: the ct status dnat … @hairpin accept removed', (d, f) =>
    deleteRule(d, f, 'forward-rules', ['@hairpin']),
  ),
  // Under the `martians` assumption (docs/verifier.md) no IPv4 packet reaches nat-input with its
  // source equal to its DNAT target: an arriving one never has a local source, and a locally
  // generated one is bound in output/postrouting. Only with accept_local can it matter (kernel test:
  // test/kernel/nft-load.test.ts). (For IPv6, which has no martian check, removing it is a bug.)
  same('nat-input-hairpin-removed', A4, 'nat-input: its hairpin mark rule removed (unobservable: martians)', (d, f) =>
    deleteRule(d, f, 'nat-input', ['@hairpin']),
  ),
  // nat chains are run by the nat core's own hook, at -100 on output whatever their priority (which
  // orders them only among themselves): measured, a nat output chain at 10 had DNATed before a
  // filter chain at 0 ran. So filter-output still sees the DNATed packet.
  same('nat-output-priority-10', A4, 'nat-output priority -100 → 10 (the nat core still runs it at -100)', (d, f) => {
    declaration(d, 'chain', f, 'nat-output').prio = 10;
  }),
  // What the kernel lists for this very document (`nft -j list ruleset`, committed fixture that the
  // kernel tier checks against a live load): other object order, handles, sizes, no commands.
  {
    id: 'nft-list-ruleset-form',
    artifact: 'nftables',
    target: A4,
    description: 'the nft -j list ruleset form the kernel printed for this document',
    apply: (t) => {
      const doc = parseDoc(readFileSync(new URL('everything-node-a.nft.json', FIXTURES), 'utf8'));
      if (JSON.stringify(doc) !== JSON.stringify(parseDoc(t))) notApplied('the fixture is not this document');
      return readFileSync(new URL('everything-node-a.list.json', FIXTURES), 'utf8');
    },
    expect: 'equivalent',
  },
];
