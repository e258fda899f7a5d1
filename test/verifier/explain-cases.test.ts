// explain() on hand-written rulesets whose outcome depends on something a packet's fields do not
// fix: the destination's locality without a model, a record keyed by the destination address in an
// affinity list. Every case is reported with its condition, each matches the explanation of the
// same packet with that thing fixed, and cases with the same outcomes and paths are merged. Also:
// one trace entry per rule evaluation (a statistic draw and its jump are one rule).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Packet } from '../../compiler/ir/packet.ts';
import { type Explanation, explain } from '../../verifier/explain.ts';
import type { NetfilterProgram, Step } from '../../verifier/model/program.ts';
import type { ArtifactInput } from '../../verifier/verify.ts';
import { iptables } from './kube-shaped.ts';
import { base, dnat, dport, localDst, program, proto, test } from './model-builders.ts';

const Cases = suite('explain: every case of a packet');

const art = (p: NetfilterProgram): ArtifactInput => ({ backend: p.backend, program: p, canonicalList: (n) => n });

const packet = (dst: string, port: number, extra: Partial<Packet> = {}): Packet => ({
  path: 'arriving',
  src: '203.0.113.7' as never,
  dst: dst as never,
  protocol: 'tcp',
  sport: 40000,
  dport: port,
  inInterface: 'eth0',
  mark: 0,
  ct: { state: 'new', dnat: false },
  affinityAges: {},
  ...extra,
});

/** A NodePort: DNAT only when the destination is a local address (addrtype LOCAL / fib daddr type local). */
const nodePort = (backend: 'iptables' | 'nftables') =>
  program(backend, [base('prerouting', 'nat', 'PREROUTING')], {
    PREROUTING: [[test(localDst(), proto('tcp'), dport(30080)), dnat('10.0.1.1', 8080)]],
  });

const outcomes = (e: Explanation, k: number, who: string) =>
  (e.cases[k]!.results[who] ?? []).map((o) => `${o.outcome} @ ${o.p.num}/${o.p.den}`);

Cases('without a model, a NodePort packet has two cases: its destination local or not', () => {
  const e = explain({
    family: 'ipv4',
    ir: null,
    artifacts: [art(nodePort('iptables')), art(nodePort('nftables'))],
    packet: packet('192.0.2.50', 30080),
  });
  assert.is(e.locality.mode, 'universal');
  assert.is(e.cases.length, 2);
  const byCondition = new Map(e.cases.map((k, i) => [k.conditions.join(' & '), i]));
  const local = byCondition.get('the destination 192.0.2.50 is a local address of the node');
  const remote = byCondition.get('the destination 192.0.2.50 is not a local address of the node');
  assert.ok(local !== undefined && remote !== undefined, [...byCondition.keys()].join('\n'));
  for (const who of ['iptables', 'nftables']) {
    assert.equal(outcomes(e, local!, who), ['accept dnat 10.0.1.1:8080 mark 0x0 @ 1/1']);
    assert.equal(outcomes(e, remote!, who), ['accept mark 0x0 @ 1/1']);
  }
  // several cases: no single `results` to read
  assert.equal(e.results, {});

  // each case is what the packet gets with that fact fixed
  for (const [addresses, k] of [
    [['192.0.2.50'], local!],
    [[], remote!],
  ] as const) {
    const fixed = explain({
      family: 'ipv4',
      ir: null,
      artifacts: [art(nodePort('iptables'))],
      packet: packet('192.0.2.50', 30080),
      locality: { mode: 'concrete', addresses },
    });
    assert.is(fixed.cases.length, 1);
    assert.equal(fixed.cases[0]!.conditions, []);
    assert.equal(fixed.results, fixed.cases[0]!.results);
    assert.equal(
      fixed.results.iptables!.map((o) => `${o.outcome} @ ${o.p.num}/${o.p.den}`),
      outcomes(e, k, 'iptables'),
    );
  }
});

Cases('a packet the rules never ask about locality has one case, without conditions', () => {
  const e = explain({
    family: 'ipv4',
    ir: null,
    artifacts: [art(nodePort('iptables'))],
    packet: packet('192.0.2.50', 80),
  });
  assert.is(e.cases.length, 1);
  assert.equal(e.cases[0]!.conditions, []);
  assert.equal(outcomes(e, 0, 'iptables'), ['accept mark 0x0 @ 1/1']);
});

Cases('a destination-keyed affinity record: a case per record state, equal ones merged', () => {
  const check: Step = {
    kind: 'test',
    test: { kind: 'affinity', list: 'L', key: 'daddr', maxAgeSeconds: 60 },
    negate: false,
  };
  const p = program('iptables', [base('prerouting', 'nat', 'PREROUTING')], {
    PREROUTING: [
      [test(proto('tcp'), dport(80)), check, dnat('10.0.1.1', 8080)],
      [test(proto('tcp'), dport(80)), dnat('10.0.1.2', 8080)],
    ],
  });
  const e = explain({ family: 'ipv4', ir: null, artifacts: [art(p)], packet: packet('10.96.0.1', 80) });
  assert.equal(
    e.cases.map((k) => k.conditions),
    [
      ['the destination 10.96.0.1 has a record 0–60 s old in affinity list L'],
      ['the destination 10.96.0.1 has a record ≥ 60 s old or no record in affinity list L'],
    ],
  );
  assert.equal(outcomes(e, 0, 'iptables'), ['accept dnat 10.0.1.1:8080 mark 0x0 @ 1/1']);
  assert.equal(outcomes(e, 1, 'iptables'), ['accept dnat 10.0.1.2:8080 mark 0x0 @ 1/1']);
});

Cases('notes: a martian source, an affinity list no rule knows', () => {
  const e = explain({
    family: 'ipv4',
    ir: null,
    artifacts: [art(nodePort('iptables'))],
    packet: packet('192.0.2.50', 30080, { src: '192.0.2.1' as never, affinityAges: { 'ns/x:p/tcp/1.2.3.4:80': 5 } }),
    locality: { mode: 'concrete', addresses: ['192.0.2.1'] },
  });
  assert.ok(
    e.notes.some((n) => n.includes('192.0.2.1 is a local address') && n.includes('martian')),
    e.notes.join('\n'),
  );
  assert.ok(
    e.notes.some((n) => n.includes('no rule checks or writes affinity list ns/x:p/tcp/1.2.3.4:80')),
    e.notes.join('\n'),
  );
});

Cases('a statistic rule is one trace entry: the draw and the jump it took', () => {
  const e = explain({ family: 'ipv4', ir: null, artifacts: [art(iptables())], packet: packet('10.96.0.10', 80) });
  const paths = e.results.iptables!.flatMap((o) => o.paths);
  assert.is(paths.length, 3);
  for (const path of paths) {
    for (let i = 1; i < path.length; i++) {
      const [a, b] = [path[i - 1]!, path[i]!];
      assert.ok(a.chain !== b.chain || a.rule !== b.rule, `${b.chain} #${b.rule + 1} listed twice in a row`);
    }
  }
  // the first endpoint's path: KUBE-SVC rule 2 drew and jumped, once
  const first = paths.find((p) => p.some((t) => t.chain === 'SEP-10.0.1.1'))!;
  const draws = first.filter((t) => t.chain === 'KUBE-SVC' && t.rule === 1);
  assert.is(draws.length, 1);
  assert.match(draws[0]!.note, /^random choice taken \(p = \d+\/2\^31\); jump$/);
});

Cases.run();
