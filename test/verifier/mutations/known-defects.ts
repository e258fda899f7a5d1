// Seeded bugs the verifier reports not equivalent — rightly — but with a counterexample that is not
// correct: affinity lists keyed by the DESTINATION address (iptables `recent --rdest`, an nft
// affinity set keyed by `ip daddr`). ksvc never writes such rules; another ruleset may.
//
// The defect (verifier/engine/witness.ts, verifier/explain.ts): the packet space has one affinity
// dimension per (list, key), but a Packet (compiler/ir/packet.ts) has only `affinityAges` by list
// id — the source's records. witnessPacket writes a daddr dimension's age under the list id alone
// (for iptables the same id as the source-keyed dimension of that list, so one overwrites the
// other: the witness contradicts its own region), and packetClass skips daddr dimensions, so the
// explained packet's class is not one point; explain() then keeps only the first cell of
// explore() (`const [cell] = …`) and prints that sub-case's distribution as the packet's.
// known-defects.test.ts keeps these cases honest: when the defect is fixed, that test fails, and
// the mutations belong in iptables-bugs.ts / nftables-bugs.ts.
import { chainOfComment, editRule, replaceOnce, sepChain } from './iptables-edit.ts';
import { editDoc, nameOf, replaceOne, selectRule } from './nft-edit.ts';
import { A4, type Mutation } from './types.ts';

const saddr = { payload: { protocol: 'ip', field: 'saddr' } };
const daddr = { payload: { protocol: 'ip', field: 'daddr' } };
const keyedBySource = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  'concat' in v &&
  JSON.stringify((v as { concat: unknown[] }).concat[0]) === JSON.stringify(saddr);
const keyByDestination = (v: unknown) => ({ concat: [daddr, ...(v as { concat: unknown[] }).concat.slice(1)] });

export const KNOWN_WITNESS_DEFECTS: Mutation[] = [
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
    description: "shop/storefront:http: 10.64.1.5's affinity lookup and update keyed by ip daddr",
    apply: (t) =>
      editDoc(t, (d) => {
        const chain = nameOf(d, 'ip', 'service', 'shop/storefront/tcp/http');
        const endpoint = nameOf(d, 'ip', 'endpoint', 'shop/storefront/tcp/http__10.64.1.5/8080');
        replaceOne(selectRule(d, 'ip', chain, ['@affinity', '"10.64.1.5"']).rule.expr, keyedBySource, keyByDestination);
        replaceOne(selectRule(d, 'ip', endpoint, ['"update"']).rule.expr, keyedBySource, keyByDestination);
      }),
    expect: 'different',
  },
];
