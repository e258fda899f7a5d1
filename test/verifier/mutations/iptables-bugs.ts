// Seeded bugs in ksvc's iptables-restore output: each must be reported not equivalent, with a
// correct counterexample. Edits select rules by table, chain and content (iptables-edit.ts).
import type { VerifyReport } from '../../../api/verify.ts';
import { DESTINATION_AFFINITY_BUGS } from './destination-affinity-bugs.ts';
import {
  chainOfComment,
  deleteRule,
  deleteRules,
  editRule,
  insertRule,
  moveRule,
  replaceOnce,
  sepChain,
  type Table,
} from './iptables-edit.ts';
import { shiftedProbability } from './probability.ts';
import { A4, A6, C4, type Mutation, S4, type Target } from './types.ts';

const bug = (
  id: string,
  target: Target,
  description: string,
  apply: (t: string) => string,
  check?: (r: VerifyReport) => void,
): Mutation => ({
  id: `ipt-${id}`,
  artifact: 'iptables',
  target,
  description,
  apply,
  expect: 'different',
  ...(check ? { check } : {}),
});

/** A service port's chains (KUBE-SVC/SVL/EXT/FW share the port's hash): from its cluster IP rule. */
function chains(text: string, servicePort: string) {
  const svc = chainOfComment(text, 'nat', 'KUBE-SERVICES', `${servicePort} cluster IP`);
  const hash = svc.replace(/^KUBE-SV[CL]-/, '');
  return { svc, svcChain: `KUBE-SVC-${hash}`, svl: `KUBE-SVL-${hash}`, ext: `KUBE-EXT-${hash}`, fw: `KUBE-FW-${hash}` };
}

const nat = (chain: string, has: string[] = [], lacks: string[] = []) => ({ table: 'nat' as Table, chain, has, lacks });
const filter = (chain: string, has: string[] = []) => ({ table: 'filter' as Table, chain, has });

/** The iptables=nftables counterexamples differ only in probabilities, by exactly `units`·2^-31 on some outcome. */
const probabilityOff = (units: bigint) => (r: VerifyReport) => {
  const cx = r.counterexamples.find((c) => c.comparison === 'iptables=nftables');
  if (!cx) throw new Error('no iptables=nftables counterexample');
  const ipt = new Map(cx.distributions.iptables!.map((l) => [l.outcome, l.p]));
  const nft = new Map(cx.distributions.nftables!.map((l) => [l.outcome, l.p]));
  if (ipt.size !== nft.size || ![...ipt.keys()].every((k) => nft.has(k)))
    throw new Error('the outcomes differ, not only their probabilities');
  const diffs = [...ipt].map(([k, p]) => p.num * (1n << 31n) * nft.get(k)!.den - nft.get(k)!.num * (1n << 31n) * p.den);
  const scale = [...ipt].map(([k, p]) => p.den * nft.get(k)!.den);
  const hit = diffs.some((d, i) => d === units * scale[i]! || d === -units * scale[i]!);
  if (!hit) throw new Error(`no outcome whose probability moved by ${units}·2^-31`);
};

const verdictIn = (side: string, verdict: string) => (r: VerifyReport) => {
  if (!r.counterexamples.some((c) => c.distributions[side]?.some((l) => l.outcome.startsWith(verdict)))) {
    throw new Error(`no counterexample where ${side} says ${verdict}`);
  }
};

export const IPTABLES_BUGS: Mutation[] = [
  bug('drop-services-rule', A4, 'KUBE-SERVICES rule for shop/cart cluster IP removed', (t) =>
    deleteRule(t, nat('KUBE-SERVICES', ['"shop/cart cluster IP"'])),
  ),
  bug('services-wrong-port', A4, 'KUBE-SERVICES rule for shop/cart matches --dport 8081', (t) =>
    editRule(t, nat('KUBE-SERVICES', ['"shop/cart cluster IP"']), (l) =>
      replaceOnce(l, '--dport 8080', '--dport 8081'),
    ),
  ),
  bug('drop-sep-dnat', A4, "kube-dns:dns endpoint chain's DNAT removed", (t) =>
    deleteRule(t, nat(sepChain(t, 'udp', '10.64.1.7:53'), ['-j DNAT'])),
  ),
  bug(
    'probability-plus-one',
    S4,
    'apps/quad: --probability 0.25 raised by one threshold unit (lround(p·2^31) + 1)',
    (t) =>
      editRule(t, nat(chains(t, 'apps/quad:dns').svc, ['--probability 0.2500000000']), (l) =>
        replaceOnce(l, '0.2500000000', shiftedProbability('0.2500000000', 1n)),
      ),
    probabilityOff(1n),
  ),
  bug(
    'probability-minus-one',
    S4,
    'apps/web: --probability 0.3333333333 lowered by one threshold unit',
    (t) =>
      editRule(t, nat(chains(t, 'apps/web:http').svc, ['--probability 0.3333333333']), (l) =>
        replaceOnce(l, '0.3333333333', shiftedProbability('0.3333333333', -1n)),
      ),
    probabilityOff(1n),
  ),
  bug(
    'probability-affinity-split',
    A4,
    'shop/storefront:http (with affinity): the 50/50 split raised by one threshold unit',
    (t) =>
      editRule(t, nat(chains(t, 'shop/storefront:http').svc, ['--probability 0.5000000000']), (l) =>
        replaceOnce(l, '0.5000000000', shiftedProbability('0.5000000000', 1n)),
      ),
    probabilityOff(1n),
  ),
  bug(
    'swap-unequal-split',
    S4,
    'apps/quad: the endpoints of the 1/4 and 1/3 steps of the cascade swapped (off by 2^-33 at kernel level)',
    (t) => {
      const svc = chains(t, 'apps/quad:dns').svc;
      const a = sepChain(t, 'udp', '10.64.1.41:53');
      const b = sepChain(t, 'udp', '10.64.1.42:53');
      let out = editRule(t, nat(svc, ['--probability 0.2500000000']), (l) => replaceOnce(l, `-j ${a}`, `-j ${b}`));
      out = editRule(out, nat(svc, ['--probability 0.3333333333']), (l) => replaceOnce(l, `-j ${b}`, `-j ${a}`));
      return out;
    },
    (r) => {
      if (!r.counterexamples.some((c) => c.comparison === 'iptables=nftables')) throw new Error('not caught exactly');
    },
  ),
  bug('swap-probabilities', S4, 'apps/web: the probabilities of the first two cascade steps swapped', (t) => {
    const svc = chains(t, 'apps/web:http').svc;
    let out = editRule(t, nat(svc, ['--probability 0.3333333333']), (l) =>
      replaceOnce(l, '0.3333333333', '0.5000000000'),
    );
    out = editRule(out, nat(svc, ['--probability 0.5000000000', '10.64.2.21']), (l) =>
      replaceOnce(l, '0.5000000000', '0.3333333333'),
    );
    return out;
  }),
  bug('dnat-swapped-endpoint', S4, "apps/web: 10.64.1.21's endpoint chain DNATs to 10.64.2.22", (t) =>
    editRule(t, nat(sepChain(t, 'tcp', '10.64.1.21:8080'), ['-j DNAT']), (l) =>
      replaceOnce(l, '10.64.1.21:8080', '10.64.2.22:8080'),
    ),
  ),
  bug('masq-cidr-widened', A4, 'shop/cart: off-cluster masquerade test ! -s 10.64.0.0/16 widened to /15', (t) =>
    editRule(t, nat(chains(t, 'shop/cart').svc, ['! -s 10.64.0.0/16']), (l) =>
      replaceOnce(l, '10.64.0.0/16', '10.64.0.0/15'),
    ),
  ),
  bug('masq-cidr-narrowed', A4, 'kube-dns:dns-tcp: ! -s 10.64.0.0/16 narrowed to /17', (t) =>
    editRule(t, nat(chains(t, 'kube-system/kube-dns:dns-tcp').svc, ['! -s 10.64.0.0/16']), (l) =>
      replaceOnce(l, '10.64.0.0/16', '10.64.0.0/17'),
    ),
  ),
  bug('masq-operator-flipped', A4, 'kube-dns:dns: ! -s 10.64.0.0/16 flipped to -s', (t) =>
    editRule(t, nat(chains(t, 'kube-system/kube-dns:dns').svc, ['! -s 10.64.0.0/16']), (l) =>
      replaceOnce(l, '! -s 10.64.0.0/16', '-s 10.64.0.0/16'),
    ),
  ),
  bug('hairpin-masq-missing', A4, "shop/cart endpoint's hairpin masquerade (-s self -j KUBE-MARK-MASQ) removed", (t) =>
    deleteRule(t, nat(sepChain(t, 'tcp', '10.64.1.10:8080'), ['-s 10.64.1.10 -j KUBE-MARK-MASQ'])),
  ),
  bug('dnat-wrong-port', A4, 'shop/storefront:http endpoint DNATs to port 8081', (t) =>
    editRule(t, nat(sepChain(t, 'tcp', '10.64.1.5:8080'), ['-j DNAT']), (l) =>
      replaceOnce(l, '10.64.1.5:8080', '10.64.1.5:8081'),
    ),
  ),
  bug('dnat-wrong-ip', A4, 'telecom/signalling (SCTP) endpoint DNATs to 10.64.3.21', (t) =>
    editRule(t, nat(sepChain(t, 'sctp', '10.64.3.20:2905'), ['-j DNAT']), (l) =>
      replaceOnce(l, '10.64.3.20:', '10.64.3.21:'),
    ),
  ),
  bug('dnat-wrong-port-ipv6', A6, 'kube-dns:dns IPv6 endpoint fd00:64:0:2::7 DNATs to port 54', (t) =>
    editRule(t, nat(sepChain(t, 'udp', '[fd00:64:0:2::7]:53'), ['-j DNAT']), (l) =>
      replaceOnce(l, '[fd00:64:0:2::7]:53', '[fd00:64:0:2::7]:54'),
    ),
  ),
  bug('rcheck-dropped', A4, "shop/storefront:http: 10.64.2.5's affinity check (-m recent --rcheck) removed", (t) =>
    deleteRule(
      t,
      nat(chains(t, 'shop/storefront:http').svc, ['--rcheck', `--name ${sepChain(t, 'tcp', '10.64.2.5:8080')} `]),
    ),
  ),
  bug('set-dropped', A4, "shop/storefront:https: 10.64.1.5's affinity record write (-m recent --set) removed", (t) => {
    const sep = sepChain(t, 'tcp', '10.64.1.5:8443');
    return editRule(t, nat(sep, ['-j DNAT']), (l) => replaceOnce(l, ` -m recent --name ${sep} --set`, ''));
  }),
  bug('seconds-plus-one', A4, 'shop/storefront:http: affinity --seconds 600 → 601 for 10.64.1.5', (t) =>
    editRule(
      t,
      nat(chains(t, 'shop/storefront:http').svc, ['--rcheck', `--name ${sepChain(t, 'tcp', '10.64.1.5:8080')} `]),
      (l) => replaceOnce(l, '--seconds 600', '--seconds 601'),
    ),
  ),
  bug(
    'svl-seconds',
    S4,
    'apps/edge local chain (two local endpoints): affinity --seconds 300 → 3000 for 10.64.1.72',
    (t) =>
      editRule(
        t,
        nat(chains(t, 'apps/edge:web').svl, ['--rcheck', `--name ${sepChain(t, 'tcp', '10.64.1.72:8080')} `]),
        (l) => replaceOnce(l, '--seconds 300', '--seconds 3000'),
      ),
  ),
  bug('svl-rcheck-dropped', S4, "apps/edge local chain: 10.64.1.72's affinity check removed", (t) =>
    deleteRule(
      t,
      nat(chains(t, 'apps/edge:web').svl, ['--rcheck', `--name ${sepChain(t, 'tcp', '10.64.1.72:8080')} `]),
    ),
  ),
  bug('negated-statistic', S4, 'apps/web: the 1/3 step negated (! --probability: passes 2/3)', (t) =>
    editRule(t, nat(chains(t, 'apps/web:http').svc, ['--probability 0.3333333333']), (l) =>
      replaceOnce(l, '--mode random --probability', '--mode random ! --probability'),
    ),
  ),
  bug(
    'forward-mark-mask-widened',
    A4,
    'KUBE-FORWARD: the masquerade-mark test mask 0x4000 → 0xc000 (bit 15 must be clear too)',
    (t) =>
      editRule(t, filter('KUBE-FORWARD', ['-m mark']), (l) =>
        replaceOnce(l, '0x00004000/0x00004000', '0x00004000/0x0000c000'),
      ),
  ),
  bug(
    'dnat-without-port',
    A4,
    'shop/storefront:http endpoint: DNAT without a port (keeps 80 or the NodePort, not 8080)',
    (t) =>
      editRule(t, nat(sepChain(t, 'tcp', '10.64.1.5:8080'), ['-j DNAT']), (l) =>
        replaceOnce(l, '10.64.1.5:8080', '10.64.1.5'),
      ),
  ),
  bug(
    'affinity-check-order',
    A4,
    'shop/storefront:http: the two affinity checks swapped (a client with two records)',
    (t) => {
      const c = chains(t, 'shop/storefront:http').svc;
      const second = sepChain(t, 'tcp', '10.64.2.5:8080');
      const first = sepChain(t, 'tcp', '10.64.1.5:8080');
      return moveRule(t, nat(c, ['--rcheck', `--name ${second} `]), nat(c, ['--rcheck', `--name ${first} `]), 'before');
    },
  ),
  bug('ctstate-changed', A4, 'KUBE-FORWARD: --ctstate INVALID drop widened to INVALID,RELATED', (t) =>
    editRule(t, filter('KUBE-FORWARD', ['--ctstate INVALID']), (l) =>
      replaceOnce(l, '--ctstate INVALID', '--ctstate INVALID,RELATED'),
    ),
  ),
  bug('forward-invalid-drop-removed', A4, 'KUBE-FORWARD: the ctstate INVALID drop removed', (t) =>
    deleteRule(t, filter('KUBE-FORWARD', ['--ctstate INVALID'])),
  ),
  bug('nodeport-dispatch-missing', A4, 'KUBE-NODEPORTS: the rule for NodePort 30080 removed', (t) =>
    deleteRule(t, nat('KUBE-NODEPORTS', ['--dport 30080'])),
  ),
  bug('nodeports-jump-missing', A4, 'KUBE-SERVICES: the final jump to KUBE-NODEPORTS removed', (t) =>
    deleteRule(t, nat('KUBE-SERVICES', ['-j KUBE-NODEPORTS'])),
  ),
  bug(
    'localhost-nodeport-missing',
    S4,
    'KUBE-NODEPORTS: both rules of NodePort 30100 (localhost and any) removed',
    (t) => deleteRules(t, nat('KUBE-NODEPORTS', ['--dport 30100'])),
  ),
  bug('mark-masq-missing', A4, "telecom/signalling's external chain: the KUBE-MARK-MASQ jump removed", (t) =>
    deleteRule(t, nat(chains(t, 'telecom/signalling:sigtran').ext, ['-j KUBE-MARK-MASQ'])),
  ),
  bug('return-inserted', A4, 'shop/storefront:https service chain: an unconditional RETURN first', (t) => {
    const c = chains(t, 'shop/storefront:https').svc;
    return insertRule(t, nat(c, ['cluster IP']), 'before', `-A ${c} -j RETURN`);
  }),
  bug('postrouting-mark-flipped', A4, 'KUBE-POSTROUTING: the mark test of the RETURN rule negated', (t) =>
    editRule(t, nat('KUBE-POSTROUTING', ['-j RETURN']), (l) => replaceOnce(l, '-m mark ! --mark', '-m mark --mark')),
  ),
  bug('xor-mark-dropped', A4, 'KUBE-POSTROUTING: the --xor-mark that clears the masquerade bit removed', (t) =>
    deleteRule(t, nat('KUBE-POSTROUTING', ['--xor-mark'])),
  ),
  bug('mark-bit-wrong', A4, 'KUBE-MARK-MASQ sets bit 15 instead of 14', (t) =>
    editRule(t, nat('KUBE-MARK-MASQ'), (l) => replaceOnce(l, '--or-mark 0x00004000', '--or-mark 0x00008000')),
  ),
  // The masquerade bit still right, bit 0 set beside it: caught only because every bit a ruleset
  // touches is observed with a model too (until 2026-12-06, only the model's masquerade bit).
  bug('mark-other-bit-set', A4, 'KUBE-MARK-MASQ also sets bit 0', (t) =>
    editRule(t, nat('KUBE-MARK-MASQ'), (l) => replaceOnce(l, '--or-mark 0x00004000', '--or-mark 0x00004001')),
  ),
  // --set-mark writes the whole mark: every other bit (another program's) is cleared
  bug('set-mark-clears-other-bits', A4, 'KUBE-MARK-MASQ: --set-mark instead of --or-mark', (t) =>
    editRule(t, nat('KUBE-MARK-MASQ'), (l) => replaceOnce(l, '--or-mark 0x00004000', '--set-mark 0x00004000')),
  ),
  bug('random-fully-dropped', A4, 'KUBE-POSTROUTING: MASQUERADE without --random-fully', (t) =>
    editRule(t, nat('KUBE-POSTROUTING', ['-j MASQUERADE']), (l) => replaceOnce(l, ' --random-fully', '')),
  ),
  bug('firewall-range-widened', A4, 'shop/storefront:http KUBE-FW: source range 198.51.100.0/24 widened to /23', (t) =>
    editRule(t, nat(chains(t, 'shop/storefront:http').fw, ['-s 198.51.100.0/24']), (l) =>
      replaceOnce(l, '198.51.100.0/24', '198.51.100.0/23'),
    ),
  ),
  bug('proxy-firewall-drop-removed', A4, 'KUBE-PROXY-FIREWALL: the DROP for shop/storefront:https removed', (t) =>
    deleteRule(t, filter('KUBE-PROXY-FIREWALL', ['--dport 443'])),
  ),
  bug(
    'reject-to-drop',
    A4,
    'default/placeholder:web (no endpoints): REJECT → DROP',
    (t) =>
      editRule(t, filter('KUBE-SERVICES', ['"default/placeholder:web has no endpoints"']), (l) =>
        replaceOnce(l, '-j REJECT', '-j DROP'),
      ),
    verdictIn('iptables', 'drop'),
  ),
  bug('health-check-removed', S4, 'KUBE-NODEPORTS (filter): the health-check node port ACCEPT removed', (t) =>
    deleteRule(t, filter('KUBE-NODEPORTS', ['--dport 30201 -j ACCEPT'])),
  ),
  bug('localnet-block-removed', S4, 'KUBE-FIREWALL: the "block incoming localnet connections" DROP removed', (t) =>
    deleteRule(t, filter('KUBE-FIREWALL', ['-d 127.0.0.0/8'])),
  ),
  bug('localnet-source-flipped', S4, "KUBE-FIREWALL: the localnet block's ! -s 127.0.0.0/8 flipped to -s", (t) =>
    editRule(t, filter('KUBE-FIREWALL', ['-d 127.0.0.0/8']), (l) =>
      replaceOnce(l, '! -s 127.0.0.0/8', '-s 127.0.0.0/8'),
    ),
  ),
  bug(
    'etp-local-shortcut-removed',
    A4,
    'shop/storefront:http KUBE-EXT: the pod-traffic short-circuit to KUBE-SVC removed',
    (t) => deleteRule(t, nat(chains(t, 'shop/storefront:http').ext, ['"pod traffic for'])),
  ),
  bug(
    'etp-local-route-local-removed',
    A4,
    'shop/storefront:http KUBE-EXT: "route LOCAL traffic" to KUBE-SVC removed',
    (t) => deleteRule(t, nat(chains(t, 'shop/storefront:http').ext, ['"route LOCAL traffic'])),
  ),
  bug(
    'external-services-drop-removed',
    S4,
    'KUBE-EXTERNAL-SERVICES: NodePort 30200 (no local endpoints) DROP removed',
    (t) => deleteRule(t, filter('KUBE-EXTERNAL-SERVICES', ['--dport 30200'])),
  ),
  bug('external-ip-drop-removed', C4, 'node-c KUBE-EXTERNAL-SERVICES: external IP 192.168.99.22:80 DROP removed', (t) =>
    deleteRule(t, filter('KUBE-EXTERNAL-SERVICES', ['-d 192.168.99.22 --dport 80'])),
  ),
  ...DESTINATION_AFFINITY_BUGS.filter((m) => m.artifact === 'iptables'),
];
