// Behaviour-preserving edits of ksvc's iptables-restore output: each must be reported equivalent.
// Every entry says why no packet can tell the difference at kernel level.
import {
  chainOfComment,
  deleteRule,
  deleteRules,
  editRule,
  editRules,
  insertRule,
  moveRule,
  renameChain,
  replaceOnce,
  sepChain,
  type Table,
} from './iptables-edit.ts';
import { thresholdOf } from './probability.ts';
import { restoreToSave } from './save-form.ts';
import { A4, type Mutation, notApplied, S4, type Target } from './types.ts';

const same = (id: string, target: Target, description: string, apply: (t: string) => string): Mutation => ({
  id: `ipt-${id}`,
  artifact: 'iptables',
  target,
  description,
  apply,
  expect: 'equivalent',
});

const nat = (chain: string, has: string[] = [], lacks: string[] = []) => ({ table: 'nat' as Table, chain, has, lacks });

/** Swap the chains two rules of `chain` jump to (the rules stay where they are). */
function swapTargets(
  text: string,
  chain: string,
  a: string[],
  b: string[],
  ta: string,
  tb: string,
  lacks: string[] = [],
) {
  let out = editRule(text, nat(chain, a, lacks), (l) => replaceOnce(l, `-j ${ta}`, `-j ${tb}`));
  out = editRule(out, nat(chain, b, lacks), (l) => replaceOnce(l, `-j ${tb}`, `-j ${ta}`));
  return out;
}

export const IPTABLES_PRESERVING: Mutation[] = [
  // Chain names are only labels: the kernel follows jumps, and affinity lists are named by
  // `recent --name` (unchanged), not by the chain that checks them.
  same(
    'rename-chains',
    A4,
    'shop/storefront:http KUBE-SVC, KUBE-SVL and one KUBE-SEP chain renamed everywhere',
    (t) => {
      const svc = chainOfComment(t, 'nat', 'KUBE-SERVICES', 'shop/storefront:http cluster IP');
      const sep = sepChain(t, 'tcp', '10.64.1.5:8080');
      let out = renameChain(t, 'nat', svc, 'KUBE-SVC-RENAMED0STOREFRNT');
      out = renameChain(out, 'nat', svc.replace('KUBE-SVC-', 'KUBE-SVL-'), 'KUBE-SVL-RENAMED0STOREFRNT');
      return renameChain(out, 'nat', sep, 'KUBE-SEP-RENAMED0ENDPOINT1');
    },
  ),
  // Bit 0 flipped before and after the masquerade bit is set: the mark space has two bits (every
  // bit a ruleset touches is observed), and no packet leaves with bit 0 changed.
  same('mark-other-bit-flipped-twice', A4, 'KUBE-MARK-MASQ: --xor-mark 0x1 before and after its --or-mark', (t) => {
    const out = insertRule(t, nat('KUBE-MARK-MASQ'), 'before', '-A KUBE-MARK-MASQ -j MARK --xor-mark 0x00000001');
    return insertRule(
      out,
      nat('KUBE-MARK-MASQ', ['--or-mark']),
      'after',
      '-A KUBE-MARK-MASQ -j MARK --xor-mark 0x00000001',
    );
  }),
  // -m comment matches every packet; comments change nothing.
  same('drop-comments', A4, 'every -m comment removed', (t) => {
    const out = t.replace(/ -m comment --comment (?:"[^"]*"|\S+)/g, '');
    if (out === t) notApplied('no comments');
    return out;
  }),
  // 0.5 is stored as 2^30 (exactly 1/2), so both endpoints of a two-endpoint cascade get exactly 1/2.
  same('swap-5050-split', S4, 'apps/pair (two endpoints, no affinity): targets of the 50/50 split swapped', (t) => {
    const svc = chainOfComment(t, 'nat', 'KUBE-SERVICES', 'apps/pair:api cluster IP');
    const a = sepChain(t, 'tcp', '10.64.1.51:8080');
    const b = sepChain(t, 'tcp', '10.64.2.51:8080');
    return swapTargets(t, svc, ['--probability 0.5000000000'], ['"apps/pair:api -> 10.64.2.51:8080"'], a, b);
  }),
  // The same with affinity: the random step only runs when no fresh record decided, and the
  // records written are the chosen endpoint's (its KUBE-SEP chain writes them).
  same(
    'swap-5050-affinity',
    A4,
    'shop/storefront:http: targets of the 50/50 split (after the affinity checks) swapped',
    (t) => {
      const svc = chainOfComment(t, 'nat', 'KUBE-SERVICES', 'shop/storefront:http cluster IP');
      const a = sepChain(t, 'tcp', '10.64.1.5:8080');
      const b = sepChain(t, 'tcp', '10.64.2.5:8080');
      return swapTargets(t, svc, ['--probability 0.5000000000'], ['"shop/storefront:http -> 10.64.2.5:8080"'], a, b, [
        '--rcheck',
      ]);
    },
  ),
  // KUBE-SERVICES rules match disjoint (destination, protocol, port) triples: at most one matches a packet.
  same('reorder-services', A4, 'KUBE-SERVICES: the shop/cart rule moved after the SCTP service rule', (t) =>
    moveRule(
      t,
      nat('KUBE-SERVICES', ['"shop/cart cluster IP"']),
      nat('KUBE-SERVICES', ['"telecom/signalling:sigtran cluster IP"']),
      'after',
    ),
  ),
  // A chain nothing jumps to never sees a packet.
  same('extra-unreachable-chain', A4, 'a KUBE-SVC chain that nothing jumps to, with a DNAT rule', (t) => {
    const sep = sepChain(t, 'tcp', '10.64.1.10:8080');
    const natCommit = t.lastIndexOf('\nCOMMIT\n');
    const out =
      `${t.slice(0, natCommit)}\n-A KUBE-SVC-UNREACHABLE00000 -j KUBE-MARK-MASQ\n-A KUBE-SVC-UNREACHABLE00000 -j ${sep}${t.slice(natCommit)}`.replace(
        ':KUBE-MARK-MASQ - [0:0]\n',
        ':KUBE-MARK-MASQ - [0:0]\n:KUBE-SVC-UNREACHABLE00000 - [0:0]\n',
      );
    if (!out.includes(':KUBE-SVC-UNREACHABLE00000') || !out.includes(`-A KUBE-SVC-UNREACHABLE00000 -j ${sep}`)) {
      notApplied('chain not added');
    }
    return out;
  }),
  // What iptables-save prints for the loaded rules, with kube-proxy's builtin-chain jumps.
  same(
    'save-form',
    A4,
    'iptables-save -c form: rules grouped by chain, counters, /32 masks, hook jumps written out',
    (t) => restoreToSave(t, 'ipv4'),
  ),
  // Two identical ACCEPT rules (both health-check rules name port 30000): the second never decides.
  same(
    'duplicate-rule-removed',
    A4,
    'KUBE-NODEPORTS (filter): the second of two identical health-check ACCEPTs removed',
    (t) =>
      deleteRule(t, {
        table: 'filter',
        chain: 'KUBE-NODEPORTS',
        has: ['"shop/storefront:https health check node port"'],
      }),
  ),
  // The localhost rule (-d 127.0.0.0/8, with an nfacct counter) is followed by the same port's rule
  // for every destination, jumping to the same chain: only the counter (not an outcome) differs.
  same('localhost-nodeport-rule-removed', S4, 'KUBE-NODEPORTS: the 127.0.0.0/8 rule of NodePort 30100 removed', (t) =>
    deleteRule(t, nat('KUBE-NODEPORTS', ['-d 127.0.0.0/8', '--dport 30100'])),
  ),
  // With one local endpoint, the local chain's affinity check and its fallback jump to the same
  // KUBE-SEP chain: whether the client's record is fresh cannot change where the packet goes, and
  // the record is written by the KUBE-SEP chain either way.
  same(
    'single-endpoint-rcheck-removed',
    A4,
    'shop/storefront:https local chain (one local endpoint): affinity check removed',
    (t) => {
      const svc = chainOfComment(t, 'nat', 'KUBE-SERVICES', 'shop/storefront:https cluster IP');
      return deleteRule(t, nat(svc.replace('KUBE-SVC-', 'KUBE-SVL-'), ['--rcheck']));
    },
  ),
  // Without kube-proxy's health-check ACCEPT, the packet goes on through filter INPUT: the later
  // kube-proxy rules there (KUBE-EXTERNAL-SERVICES: other ports; no KUBE-FIREWALL on this node,
  // whose NodePort addresses exclude 127.0.0.0/8) do not match port 30000, so INPUT's ACCEPT
  // policy accepts it — the same verdict. Only an administrator's later INPUT rule could tell
  // (kube-chains-only). On a node with the localnet block it is a bug (ipt-health-check-removed).
  same(
    'health-checks-removed-no-localnet',
    A4,
    'KUBE-NODEPORTS (filter): both health-check ACCEPTs removed on node-a',
    (t) => deleteRules(t, { table: 'filter', chain: 'KUBE-NODEPORTS', has: ['--dport 30000 -j ACCEPT'] }),
  ),
  // shop/cart's target port is its service port (8080) and only its cluster IP rule (port 8080)
  // leads to its endpoint chain: a DNAT that keeps the packet's port DNATs to the same port.
  same('dnat-port-implicit', A4, 'shop/cart endpoint: DNAT to 10.64.1.10 without the port (the same 8080)', (t) =>
    editRule(t, nat(sepChain(t, 'tcp', '10.64.1.10:8080'), ['-j DNAT']), (l) =>
      replaceOnce(l, '10.64.1.10:8080', '10.64.1.10'),
    ),
  ),
  // --reap forgets records older than the rule's --seconds; every check of these lists uses the
  // same --seconds, so a reaped record is one no check would have found fresh anyway.
  same('reap-removed', A4, 'shop/storefront:http: --reap removed from every affinity check', (t) => {
    const svc = chainOfComment(t, 'nat', 'KUBE-SERVICES', 'shop/storefront:http cluster IP');
    let out = t;
    for (const chain of [svc, svc.replace('KUBE-SVC-', 'KUBE-SVL-')]) {
      out = editRules(out, { table: 'nat', chain, has: ['--rcheck'] }, (l) => replaceOnce(l, ' --reap', ''));
    }
    return out;
  }),
  // xt_statistic with ! passes when the random 31-bit value is ≥ the threshold: for 0.5 (2^30)
  // that is 2^31 − 2^30 values, again exactly 1/2.
  same(
    'negated-5050-statistic',
    S4,
    'apps/pair: ! --probability 0.5 (passes the other half, still exactly 1/2)',
    (t) => {
      const svc = chainOfComment(t, 'nat', 'KUBE-SERVICES', 'apps/pair:api cluster IP');
      return editRule(t, nat(svc, ['--probability 0.5000000000']), (l) =>
        replaceOnce(l, '--mode random --probability', '--mode random ! --probability'),
      );
    },
  ),
  // 0.3333333334·2^31 = 715827882.8, which rounds to the same threshold as 0.3333333333 (715827882.6).
  same('same-threshold', S4, 'apps/web: --probability 0.3333333333 → 0.3333333334 (the same lround(p·2^31))', (t) => {
    if (thresholdOf('0.3333333333') !== thresholdOf('0.3333333334')) notApplied('the thresholds differ');
    const svc = chainOfComment(t, 'nat', 'KUBE-SERVICES', 'apps/web:http cluster IP');
    return editRule(t, nat(svc, ['--probability 0.3333333333']), (l) => replaceOnce(l, '0.3333333333', '0.3333333334'));
  }),
];
