// Behaviour-preserving edits of ksvc's nft JSON output: each must be reported equivalent. Every
// entry says why no packet can tell the difference at kernel level.
import { readFileSync } from 'node:fs';
import {
  type Doc,
  declaration,
  deleteRule,
  editDoc,
  elementLists,
  jsonIs,
  type NftFamily,
  nameOf,
  parseDoc,
  removeElement,
  renameChain,
  replaceOne,
  rulesOf,
  selectRule,
  swapCommands,
} from './nft-edit.ts';
import { A4, type Mutation, notApplied, S4, type Target } from './types.ts';

const familyOf = (t: Target): NftFamily => (t.family === 'ipv4' ? 'ip' : 'ip6');

const same = (id: string, target: Target, description: string, edit: (doc: Doc, f: NftFamily) => void): Mutation => ({
  id: `nft-${id}`,
  artifact: 'nftables',
  target,
  description,
  apply: (t) => editDoc(t, (doc) => edit(doc, familyOf(target))),
  expect: 'equivalent',
});

/** Swap the goto targets of two rules of `chain` (selected by expression content). */
function swapGotos(doc: Doc, f: NftFamily, chain: string, a: string[], b: string[], ta: string, tb: string): void {
  replaceOne(selectRule(doc, f, chain, a).rule.expr, jsonIs(JSON.stringify({ goto: { target: ta } })), () => ({
    goto: { target: tb },
  }));
  replaceOne(selectRule(doc, f, chain, b).rule.expr, jsonIs(JSON.stringify({ goto: { target: tb } })), () => ({
    goto: { target: ta },
  }));
}

const RANDOM = ['{"meta":{"key":"random"}}'];
const FIXTURES = new URL('../fixtures/', import.meta.url);

export const NFTABLES_PRESERVING: Mutation[] = [
  // Chain names are labels: the kernel follows jumps, gotos and verdict-map values.
  same(
    'rename-chains',
    A4,
    'shop/storefront:http service chain and one endpoint chain renamed with every reference',
    (d, f) => {
      renameChain(d, f, nameOf(d, f, 'service', 'shop/storefront/tcp/http'), 'renamed-storefront-http');
      renameChain(d, f, nameOf(d, f, 'endpoint', 'shop/storefront/tcp/http__10.64.1.5/8080'), 'renamed-endpoint-1');
    },
  ),
  // A map's elements have distinct exact keys: a lookup finds the one matching key wherever it is.
  same('reorder-map-elements', A4, 'service-ips and service-nodeports elements in reverse order', (d, f) => {
    for (const set of ['service-ips', 'service-nodeports']) for (const list of elementLists(d, f, set)) list.reverse();
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
  // meta random & 0x7fffffff < 2^30 passes exactly half of the 2^31 values: both sides get 1/2.
  same('swap-5050-split', S4, 'apps/pair (two endpoints): gotos of the 50/50 split swapped', (d, f) => {
    const chain = nameOf(d, f, 'service', 'apps/pair/tcp/api');
    const a = nameOf(d, f, 'endpoint', 'apps/pair/tcp/api__10.64.1.51/8080');
    const b = nameOf(d, f, 'endpoint', 'apps/pair/tcp/api__10.64.2.51/8080');
    const last = rulesOf(d, f, chain).at(-1)!;
    swapGotos(d, f, chain, RANDOM, [JSON.stringify(last.rule.expr)], a, b);
  }),
  // The same after the affinity lookups: records are written by the chosen endpoint's chain.
  same(
    'swap-5050-affinity',
    A4,
    'shop/storefront:http: gotos of the 50/50 split after the affinity lookups swapped',
    (d, f) => {
      const chain = nameOf(d, f, 'service', 'shop/storefront/tcp/http');
      const a = nameOf(d, f, 'endpoint', 'shop/storefront/tcp/http__10.64.1.5/8080');
      const b = nameOf(d, f, 'endpoint', 'shop/storefront/tcp/http__10.64.2.5/8080');
      const last = rulesOf(d, f, chain).at(-1)!;
      swapGotos(d, f, chain, RANDOM, [JSON.stringify(last.rule.expr)], a, b);
    },
  ),
  // Both rules of external-endpoints-check can only drop or fall through, so their order cannot
  // matter: a packet either matches one of them (dropped, whichever runs first) or neither.
  same('reorder-independent-rules', S4, 'external-endpoints-check: its two drop-only lookups swapped', (d, f) => {
    const [x, y] = rulesOf(d, f, 'external-endpoints-check');
    if (!x || !y) notApplied('external-endpoints-check has fewer than two rules');
    swapCommands(d, x.index, y.index);
  }),
  // A chain nothing jumps to never sees a packet.
  same('extra-unreachable-chain', A4, 'a chain nothing jumps to, with a dnat and a drop rule', (d, f) => {
    const at = d.nftables.findIndex((c) => JSON.stringify(c).startsWith('{"add":{"rule":'));
    d.nftables.splice(
      at,
      0,
      { add: { chain: { family: f, table: 'kube-proxy', name: 'unreachable-test' } } },
      { add: { rule: { family: f, table: 'kube-proxy', chain: 'unreachable-test', expr: [{ drop: null }] } } },
    );
  }),
  // An interval set holding the one address matches exactly the same packets.
  same('interval-set-same-element', A4, 'nodeport-ips made an interval set with the same element', (d, f) => {
    declaration(d, 'set', f, 'nodeport-ips').flags = ['interval'];
  }),
  // The local chain of a port with one local endpoint: the affinity lookup and the fallback goto
  // the same endpoint chain, which writes the record either way.
  same(
    'single-endpoint-lookup-removed',
    A4,
    'shop/storefront:http local chain (one local endpoint): affinity lookup removed',
    (d, f) => deleteRule(d, f, nameOf(d, f, 'local', 'shop/storefront/tcp/http'), ['@affinity']),
  ),
  // Without the health-check accept the packet goes on through filter-input: the later rules
  // (external-endpoints-check: other ports; no localnet-check on this node) do not match port
  // 30000 and the policy accepts it. On a node with the localnet check it is a bug.
  same('health-check-element-removed-no-localnet', A4, 'health-check-nodeports: 30000 removed on node-a', (d, f) =>
    removeElement(d, f, 'health-check-nodeports', ['30000']),
  ),
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
