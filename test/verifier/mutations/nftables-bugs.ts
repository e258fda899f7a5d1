// Seeded bugs in ksvc's nft JSON output: each must be reported not equivalent, with a correct
// counterexample. Edits select rules by chain and expression content, elements by key (nft-edit.ts).
import type { VerifyReport } from '../../../api/verify.ts';
import {
  addElement,
  type Doc,
  declaration,
  deleteRule,
  editDoc,
  elementLists,
  insertRule,
  jsonIs,
  type NftFamily,
  nameOf,
  removeElement,
  replaceOne,
  rulesOf,
  selectRule,
} from './nft-edit.ts';
import { A4, A6, type Mutation, S4, type Target } from './types.ts';

const familyOf = (t: Target): NftFamily => (t.family === 'ipv4' ? 'ip' : 'ip6');

const bug = (
  id: string,
  target: Target,
  description: string,
  edit: (doc: Doc, f: NftFamily) => void,
  check?: (r: VerifyReport) => void,
): Mutation => ({
  id: `nft-${id}`,
  artifact: 'nftables',
  target,
  description,
  apply: (t) => editDoc(t, (doc) => edit(doc, familyOf(target))),
  expect: 'different',
  ...(check ? { check } : {}),
});

/** In the one rule of `chain` whose expression contains `has`, replace the one value equal to `from` by `to`. */
function replaceInRule(doc: Doc, f: NftFamily, chain: string, has: string[], from: unknown, to: unknown): void {
  replaceOne(selectRule(doc, f, chain, has).rule.expr, jsonIs(JSON.stringify(from)), () => to);
}

const svc = (doc: Doc, f: NftFamily, rest: string) => nameOf(doc, f, 'service', rest);
const ep = (doc: Doc, f: NftFamily, rest: string) => nameOf(doc, f, 'endpoint', rest);
const RANDOM = ['{"meta":{"key":"random"}}'];

const exactlyCaught = (r: VerifyReport) => {
  if (!r.counterexamples.some((c) => c.comparison === 'iptables=nftables'))
    throw new Error('no iptables=nftables counterexample');
};

const verdictIn = (side: string, verdict: string) => (r: VerifyReport) => {
  if (!r.counterexamples.some((c) => c.distributions[side]?.some((l) => l.outcome.startsWith(verdict)))) {
    throw new Error(`no counterexample where ${side} says ${verdict}`);
  }
};

export const NFTABLES_BUGS: Mutation[] = [
  bug(
    'threshold-plus-one',
    A4,
    'shop/storefront:http: meta random threshold 1073741824 → 1073741825',
    (d, f) => replaceInRule(d, f, svc(d, f, 'shop/storefront/tcp/http'), RANDOM, 1073741824, 1073741825),
    exactlyCaught,
  ),
  bug(
    'threshold-minus-one',
    S4,
    'apps/quad: meta random threshold 536870912 → 536870911',
    (d, f) => replaceInRule(d, f, svc(d, f, 'apps/quad/udp/dns'), ['536870912'], 536870912, 536870911),
    exactlyCaught,
  ),
  bug(
    'threshold-third-minus-one',
    S4,
    'apps/web: the 1/3 threshold 715827883 → 715827882',
    (d, f) => replaceInRule(d, f, svc(d, f, 'apps/web/tcp/http'), ['715827883'], 715827883, 715827882),
    exactlyCaught,
  ),
  bug(
    'threshold-ipv6',
    A6,
    'kube-dns:dns (IPv6 table): threshold 1073741824 → 1073741825',
    (d, f) => replaceInRule(d, f, svc(d, f, 'kube-system/kube-dns/udp/dns'), RANDOM, 1073741824, 1073741825),
    exactlyCaught,
  ),
  bug(
    'goto-swapped-unequal',
    S4,
    'apps/quad: the gotos of the 1/4 and 1/3 steps swapped (2^-33 at kernel level)',
    (d, f) => {
      const chain = svc(d, f, 'apps/quad/udp/dns');
      const a = ep(d, f, 'apps/quad/udp/dns__10.64.1.41/53');
      const b = ep(d, f, 'apps/quad/udp/dns__10.64.1.42/53');
      replaceInRule(d, f, chain, ['536870912'], { goto: { target: a } }, { goto: { target: b } });
      replaceInRule(d, f, chain, ['715827883'], { goto: { target: b } }, { goto: { target: a } });
    },
    exactlyCaught,
  ),
  bug(
    'local-goto-swapped',
    S4,
    "apps/edge local chain: the random step's goto sends to the other endpoint too",
    (d, f) => {
      const chain = nameOf(d, f, 'local', 'apps/edge/tcp/web');
      const a = ep(d, f, 'apps/edge/tcp/web__10.64.1.71/8080');
      const b = ep(d, f, 'apps/edge/tcp/web__10.64.1.72/8080');
      replaceInRule(d, f, chain, RANDOM, { goto: { target: a } }, { goto: { target: b } });
    },
  ),
  bug('service-ips-missing', A4, 'service-ips: the shop/cart element removed', (d, f) =>
    removeElement(d, f, 'service-ips', ['"10.32.0.30"']),
  ),
  bug('service-ips-extra', A4, 'service-ips: an extra element 10.32.0.99:80/tcp → shop/storefront:http', (d, f) =>
    addElement(d, f, 'service-ips', [
      { concat: ['10.32.0.99', 'tcp', 80] },
      { jump: { target: svc(d, f, 'shop/storefront/tcp/http') } },
    ]),
  ),
  bug(
    'service-ips-verdicts-swapped',
    A4,
    "service-ips: the kube-dns UDP and TCP elements jump to each other's chain",
    (d, f) => {
      const udp = svc(d, f, 'kube-system/kube-dns/udp/dns');
      const tcp = svc(d, f, 'kube-system/kube-dns/tcp/dns-tcp');
      const list = elementLists(d, f, 'service-ips');
      replaceOne(list, jsonIs(JSON.stringify({ jump: { target: udp } })), () => ({ jump: { target: tcp } }));
      replaceOne(
        list,
        (v) => JSON.stringify(v) === JSON.stringify([{ concat: ['10.32.0.10', 'tcp', 53] }, { jump: { target: tcp } }]),
        () => [{ concat: ['10.32.0.10', 'tcp', 53] }, { jump: { target: udp } }],
      );
    },
  ),
  bug('service-nodeports-missing', A4, 'service-nodeports: NodePort 30080 removed', (d, f) =>
    removeElement(d, f, 'service-nodeports', ['30080']),
  ),
  bug('nodeport-ips-missing', A4, "nodeport-ips: the node's address removed", (d, f) =>
    removeElement(d, f, 'nodeport-ips', ['"192.168.10.11"']),
  ),
  bug(
    'nodeport-ips-interval-widened',
    A4,
    'nodeport-ips made an interval set and its element widened to 192.168.10.0/24',
    (d, f) => {
      declaration(d, 'set', f, 'nodeport-ips').flags = ['interval'];
      removeElement(d, f, 'nodeport-ips', ['"192.168.10.11"']);
      d.nftables.push({
        add: {
          element: {
            family: f,
            table: 'kube-proxy',
            name: 'nodeport-ips',
            elem: [{ prefix: { addr: '192.168.10.0', len: 24 } }],
          },
        },
      });
    },
  ),
  bug('no-endpoint-services-missing', A4, 'no-endpoint-services: default/placeholder:web removed', (d, f) =>
    removeElement(d, f, 'no-endpoint-services', ['"default/placeholder:web"']),
  ),
  bug('firewall-ips-missing', A4, 'firewall-ips: 203.0.113.10:443/tcp removed', (d, f) =>
    removeElement(d, f, 'firewall-ips', ['"203.0.113.10"', '443']),
  ),
  bug('firewall-ips-accept', A4, 'firewall-ips: the verdict of 203.0.113.10:80/tcp drop → accept', (d, f) => {
    const list = elementLists(d, f, 'firewall-ips');
    replaceOne(
      list,
      (v) => JSON.stringify(v) === JSON.stringify([{ concat: ['203.0.113.10', 'tcp', 80] }, { drop: null }]),
      () => [{ concat: ['203.0.113.10', 'tcp', 80] }, { accept: null }],
    );
  }),
  bug('no-endpoint-nodeports-missing', S4, 'no-endpoint-nodeports: NodePort 30200 removed', (d, f) =>
    removeElement(d, f, 'no-endpoint-nodeports', ['30200']),
  ),
  bug('no-endpoint-external-ips-missing', S4, 'no-endpoint-external-ips: 203.0.113.50:443 removed', (d, f) =>
    removeElement(d, f, 'no-endpoint-external-ips', ['"203.0.113.50"']),
  ),
  bug(
    'health-check-element-missing',
    S4,
    'health-check-nodeports: port 30201 removed (node with the localnet block)',
    (d, f) => removeElement(d, f, 'health-check-nodeports', ['30201']),
  ),
  bug('dnat-wrong-port', A4, 'shop/storefront:http endpoint: dnat to port 8081', (d, f) =>
    replaceInRule(
      d,
      f,
      ep(d, f, 'shop/storefront/tcp/http__10.64.1.5/8080'),
      ['"dnat"'],
      { addr: '10.64.1.5', port: 8080 },
      {
        addr: '10.64.1.5',
        port: 8081,
      },
    ),
  ),
  bug('dnat-wrong-addr', A4, 'telecom/signalling (SCTP) endpoint: dnat to 10.64.3.21', (d, f) =>
    replaceInRule(
      d,
      f,
      ep(d, f, 'telecom/signalling/sctp/sigtran__10.64.3.20/2905'),
      ['"dnat"'],
      { addr: '10.64.3.20', port: 2905 },
      {
        addr: '10.64.3.21',
        port: 2905,
      },
    ),
  ),
  bug('dnat-protocol-guard', A4, 'shop/cart endpoint: the dnat guard meta l4proto tcp → udp', (d, f) =>
    replaceInRule(d, f, ep(d, f, 'shop/cart/tcp/__10.64.1.10/8080'), ['"dnat"'], 'tcp', 'udp'),
  ),
  bug('masquerade-not-fully-random', A4, 'masquerading: masquerade without fully-random', (d, f) =>
    replaceInRule(
      d,
      f,
      'masquerading',
      ['"masquerade"'],
      { masquerade: { flags: 'fully-random' } },
      { masquerade: null },
    ),
  ),
  bug('mark-xor-to-or', A4, 'masquerading: meta mark set mark ^ 0x4000 → mark | 0x4000', (d, f) =>
    replaceInRule(
      d,
      f,
      'masquerading',
      ['"mangle"'],
      { '^': [{ meta: { key: 'mark' } }, 16384] },
      { '|': [{ meta: { key: 'mark' } }, 16384] },
    ),
  ),
  bug('masquerading-test-flipped', A4, 'masquerading: the return test mark & 0x4000 == 0 negated', (d, f) =>
    replaceInRule(d, f, 'masquerading', ['"return"'], '==', '!='),
  ),
  bug('mark-bit-wrong', A4, 'mark-for-masquerade sets 0x8000 instead of 0x4000', (d, f) =>
    replaceInRule(d, f, 'mark-for-masquerade', [], 16384, 32768),
  ),
  bug('ct-state-changed', A4, 'forward-rules: ct state invalid drop → ct state { invalid, related } drop', (d, f) =>
    replaceInRule(d, f, 'forward-rules', ['"drop"'], 'invalid', ['invalid', 'related']),
  ),
  bug('forward-invalid-drop-removed', A4, 'forward-rules: the ct state invalid drop removed', (d, f) =>
    deleteRule(d, f, 'forward-rules', ['"invalid"']),
  ),
  bug('forward-mark-accept-removed', A4, 'forward-rules: the masquerade-mark accept removed', (d, f) =>
    deleteRule(d, f, 'forward-rules', ['"accept"', '16384']),
  ),
  bug('fib-negated', S4, 'external-endpoints-check: fib daddr type local negated (no-endpoint NodePorts)', (d, f) =>
    replaceInRule(d, f, 'external-endpoints-check', ['"fib"'], '==', '!='),
  ),
  bug(
    'fib-saddr-negated',
    A4,
    'shop/storefront:http external chain: the LOCAL-source masquerade test negated',
    (d, f) =>
      replaceInRule(
        d,
        f,
        nameOf(d, f, 'external', 'shop/storefront/tcp/http'),
        ['"fib"', 'mark-for-masquerade'],
        '==',
        '!=',
      ),
  ),
  bug('affinity-timeout', A4, 'shop/storefront:http affinity set: timeout 600 → 601', (d, f) => {
    declaration(d, 'set', f, nameOf(d, f, 'affinity', 'shop/storefront/tcp/http')).timeout = 601;
  }),
  bug(
    'affinity-timeout-local',
    S4,
    'apps/edge affinity set (used by the local chain too): timeout 300 → 30',
    (d, f) => {
      declaration(d, 'set', f, nameOf(d, f, 'affinity', 'apps/edge/tcp/web')).timeout = 30;
    },
  ),
  bug('affinity-update-removed', A4, "shop/storefront:http: 10.64.1.5's update @affinity removed", (d, f) =>
    deleteRule(d, f, ep(d, f, 'shop/storefront/tcp/http__10.64.1.5/8080'), ['"update"']),
  ),
  bug('affinity-lookup-removed', A4, "shop/storefront:http: 10.64.2.5's affinity lookup removed", (d, f) =>
    deleteRule(d, f, svc(d, f, 'shop/storefront/tcp/http'), ['@affinity', '"10.64.2.5"']),
  ),
  bug('firewall-range-widened', A4, 'shop/storefront:http firewall chain: 198.51.100.0/24 widened to /23', (d, f) =>
    replaceInRule(
      d,
      f,
      nameOf(d, f, 'firewall', 'shop/storefront/tcp/http'),
      ['198.51.100.0'],
      { addr: '198.51.100.0', len: 24 },
      {
        addr: '198.51.100.0',
        len: 23,
      },
    ),
  ),
  bug('masq-cidr-widened', A4, 'shop/cart local chain: ip saddr != 10.64.0.0/16 widened to /15', (d, f) =>
    replaceInRule(
      d,
      f,
      nameOf(d, f, 'local', 'shop/cart/tcp/'),
      ['10.64.0.0'],
      { addr: '10.64.0.0', len: 16 },
      {
        addr: '10.64.0.0',
        len: 15,
      },
    ),
  ),
  bug('masq-operator-flipped', A4, 'kube-dns:dns service chain: ip saddr != 10.64.0.0/16 flipped to ==', (d, f) =>
    replaceInRule(d, f, svc(d, f, 'kube-system/kube-dns/udp/dns'), ['10.64.0.0'], '!=', '=='),
  ),
  bug(
    'hairpin-removed',
    A4,
    'shop/cart endpoint: the hairpin rule (ip saddr self jump mark-for-masquerade) removed',
    (d, f) => deleteRule(d, f, ep(d, f, 'shop/cart/tcp/__10.64.1.10/8080'), ['mark-for-masquerade']),
  ),
  bug('mark-masq-missing', A4, 'telecom/signalling external chain: jump mark-for-masquerade removed', (d, f) =>
    deleteRule(d, f, nameOf(d, f, 'external', 'telecom/signalling/sctp/sigtran'), ['mark-for-masquerade']),
  ),
  bug('etp-shortcut-removed', A4, 'shop/storefront:http external chain: the pod-source goto service removed', (d, f) =>
    deleteRule(d, f, nameOf(d, f, 'external', 'shop/storefront/tcp/http'), ['10.64.0.0']),
  ),
  bug('return-inserted', A4, 'shop/storefront:https service chain: return as its first rule', (d, f) => {
    const chain = svc(d, f, 'shop/storefront/tcp/https');
    const first = rulesOf(d, f, chain)[0]!;
    insertRule(d, f, chain, [JSON.stringify(first.rule.expr)], 'before', [{ return: null }]);
  }),
  bug(
    'reject-to-drop',
    A4,
    'reject-chain: reject → drop',
    (d, f) => replaceInRule(d, f, 'reject-chain', [], { reject: null }, { drop: null }),
    verdictIn('nftables', 'drop'),
  ),
  bug('policy-changed', A4, 'filter-forward base chain: policy accept → drop', (d, f) => {
    declaration(d, 'chain', f, 'filter-forward').policy = 'drop';
  }),
  bug(
    'filter-before-nat',
    S4,
    'nat-output priority -100 → 10: filter-output (localnet check) runs before DNAT',
    (d, f) => {
      declaration(d, 'chain', f, 'nat-output').prio = 10;
    },
  ),
  bug(
    'localnet-check-removed',
    S4,
    'localnet-check: the drop of new, not-DNATed localnet connections removed',
    (d, f) => deleteRule(d, f, 'localnet-check', ['"new"']),
  ),
  bug(
    'localnet-source-flipped',
    S4,
    'localnet-check: ip saddr != 127.0.0.0/8 flipped to == (the new-connection rule)',
    (d, f) => replaceInRule(d, f, 'localnet-check', ['"new"'], '!=', '=='),
  ),
  bug(
    'nodeport-dispatch-missing',
    S4,
    'services: the fib daddr type local dispatch to service-nodeports removed',
    (d, f) => deleteRule(d, f, 'services', ['@service-nodeports']),
  ),
  bug('external-check-unhooked', S4, 'filter-input: the jump to external-endpoints-check removed', (d, f) =>
    deleteRule(d, f, 'filter-input', ['external-endpoints-check']),
  ),
];
