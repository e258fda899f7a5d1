// The engine's netfilter semantics, one rule of docs/verifier.md §2 at a time, through explain on
// one concrete packet (so each test names the packet and the outcome it expects).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Packet } from '../../compiler/ir/packet.ts';
import { explain } from '../../verifier/explain.ts';
import type { NetfilterProgram, Step } from '../../verifier/model/program.ts';
import {
  accept,
  base,
  dnat,
  dport,
  drop,
  dst,
  goto,
  jump,
  localDst,
  mark,
  masquerade,
  not,
  orMark,
  program,
  proto,
  random,
  reject,
  ret,
  src,
  test,
  xorMark,
} from './model-builders.ts';

const packet = (over: Partial<Packet> = {}): Packet => ({
  path: 'arriving',
  src: '203.0.113.7' as never,
  dst: '10.96.0.10' as never,
  protocol: 'tcp',
  sport: 40000,
  dport: 80,
  inInterface: 'eth0',
  mark: 0,
  ct: { state: 'new', dnat: false },
  affinityAges: {},
  ...over,
});

const run = (p: NetfilterProgram, pk: Packet = packet(), local: string[] = ['192.168.0.2']) =>
  explain({
    family: 'ipv4',
    ir: null,
    artifacts: [{ backend: p.backend, program: p, canonicalList: (n) => n }],
    packet: pk,
    locality: { mode: 'concrete', addresses: local },
  }).results[p.backend]!.map((o) => `${o.outcome} @ ${o.p.num}/${o.p.den}`);

const nat = (chains: Record<string, Step[][]>, extra: Parameters<typeof program>[1] = []) =>
  program('iptables', [base('prerouting', 'nat', 'PREROUTING'), base('postrouting', 'nat', 'POSTROUTING'), ...extra], {
    PREROUTING: [],
    POSTROUTING: [],
    ...chains,
  });

const S = suite('engine semantics');

S('a packet nothing touches is accepted unchanged', () => {
  assert.equal(run(nat({})), ['accept mark 0x0 @ 1/1']);
});

S('DNAT in nat PREROUTING; masquerade in POSTROUTING only for a marked, forwarded packet', () => {
  const p = nat({
    PREROUTING: [[test(dst('10.96.0.10'), proto('tcp'), dport(80)), orMark(0x4000), dnat('10.0.1.1', 8080)]],
    POSTROUTING: [[mark(0x4000, 0x4000, true), ret], [xorMark(0x4000)], [masquerade(false)]],
  });
  assert.equal(run(p), ['accept dnat 10.0.1.1:8080 masquerade mark 0x0 @ 1/1']);
  // DNAT to a local address: delivered locally, POSTROUTING never runs, the mark stays
  const toLocal = nat({
    PREROUTING: [[orMark(0x4000), dnat('192.168.0.2', 8080)]],
    POSTROUTING: [[mark(0x4000, 0x4000, true), ret], [xorMark(0x4000)], [masquerade(false)]],
  });
  assert.equal(run(toLocal), ['accept dnat 192.168.0.2:8080 mark 0x4000 @ 1/1']);
});

S('a mark test compares the masked mark with the value as given: a value bit outside the mask never matches', () => {
  // iptables `-m mark ! --mark 0x40004000/0x4000 -j RETURN`: the kernel never matches the test, so
  // the negation always returns (held against the kernel: a rule with that mark test counts no
  // packet of mark 0x4000)
  const p = nat({ POSTROUTING: [[mark(0x4000, 0x40004000, true), ret], [xorMark(0x4000)], [masquerade(false)]] });
  assert.equal(run(p, packet({ dst: '10.0.1.1' as never, mark: 0x4000 })), ['accept mark 0x4000 @ 1/1']);
  const matching = nat({ POSTROUTING: [[mark(0x4000, 0x4000, true), ret], [xorMark(0x4000)], [masquerade(false)]] });
  assert.equal(run(matching, packet({ dst: '10.0.1.1' as never, mark: 0x4000 })), ['accept masquerade mark 0x0 @ 1/1']);
});

S('nat chains only see new connections', () => {
  const p = nat({ PREROUTING: [[dnat('10.0.1.1', 8080)]] });
  assert.equal(run(p, packet({ ct: { state: 'established', dnat: true } })), ['accept mark 0x0 @ 1/1']);
});

S('after one nat chain binds, later nat chains of the hook do not run; an accepting one does not bind', () => {
  const p = program('nftables', [base('prerouting', 'nat', 'a', -100), base('prerouting', 'nat', 'b', -90)], {
    a: [[accept]],
    b: [[dnat('10.0.1.2', 80)]],
  });
  assert.equal(run(p), ['accept dnat 10.0.1.2:80 mark 0x0 @ 1/1']);
  const q = program('nftables', [base('prerouting', 'nat', 'a', -100), base('prerouting', 'nat', 'b', -90)], {
    a: [[dnat('10.0.1.1', 80)]],
    b: [[dnat('10.0.1.2', 80)]],
  });
  assert.equal(run(q), ['accept dnat 10.0.1.1:80 mark 0x0 @ 1/1']);
});

S('filter verdicts: drop and reject end the packet; accept ends only its base chain', () => {
  const f = (rules: Step[][], second: Step[][] = []) =>
    program('nftables', [base('forward', 'filter', 'one', 0), base('forward', 'filter', 'two', 10)], {
      one: rules,
      two: second,
    });
  assert.equal(run(f([[drop]])), ['drop mark 0x0 @ 1/1']);
  assert.equal(run(f([[reject]])), ['reject mark 0x0 @ 1/1']);
  assert.equal(run(f([[accept]], [[drop]])), ['drop mark 0x0 @ 1/1']);
});

S('jump returns to the caller; goto returns to the caller’s caller; a base chain’s end is its policy', () => {
  const p = program('iptables', [{ hook: 'forward', type: 'filter', priority: 0, chain: 'FORWARD', policy: 'drop' }], {
    FORWARD: [[jump('A')], [accept]],
    A: [[goto('B')], [drop]],
    B: [[ret]],
  });
  assert.equal(run(p), ['accept mark 0x0 @ 1/1']);
  const q = program('iptables', [{ hook: 'forward', type: 'filter', priority: 0, chain: 'FORWARD', policy: 'drop' }], {
    FORWARD: [[jump('A')]],
    A: [],
  });
  assert.equal(run(q), ['drop mark 0x0 @ 1/1']);
});

S('the local path: OUTPUT, POSTROUTING, then INPUT via lo when the destination is local', () => {
  const p = program(
    'iptables',
    [base('output', 'nat', 'OUT'), base('input', 'filter', 'IN'), base('output', 'filter', 'FOUT')],
    {
      OUT: [[dnat('192.168.0.2', 9000)]],
      FOUT: [],
      IN: [[test({ field: 'iifname', names: [{ name: 'lo', prefix: false }] }), reject]],
    },
  );
  assert.equal(run(p, packet({ path: 'local', src: '192.168.0.2' as never, inInterface: null })), [
    'reject mark 0x0 @ 1/1',
  ]);
});

S('back through lo after MASQUERADE, the filter hooks see a node address as the source', () => {
  // kube-proxy's "block incoming localnet connections" in INPUT: to 127.0.0.0/8 from elsewhere. A
  // packet from 127.0.0.1 to 127.0.0.1 that nat POSTROUTING masqueraded comes back with a node
  // address as its source, and the kernel drops it (the kernel packet tests met this: an edited
  // ruleset's localhost NodePort that returned instead of DNATing)
  const rules = (masq: Step[][]) =>
    program(
      'iptables',
      [base('postrouting', 'nat', 'POST'), base('input', 'filter', 'IN'), base('output', 'filter', 'FOUT')],
      {
        POST: masq,
        FOUT: [],
        IN: [[not(src('127.0.0.0/8')), test(dst('127.0.0.0/8')), drop]],
      },
    );
  const local = packet({ path: 'local', src: '127.0.0.1' as never, dst: '127.0.0.1' as never, inInterface: null });
  assert.equal(run(rules([[masquerade(false)]]), local), ['drop mark 0x0 @ 1/1']);
  assert.equal(run(rules([]), local), ['accept mark 0x0 @ 1/1']);
  // which node address routing picks is not modelled: a test that depends on it refuses the ruleset
  const mixed = program(
    'iptables',
    [base('postrouting', 'nat', 'POST'), base('input', 'filter', 'IN'), base('output', 'filter', 'FOUT')],
    { POST: [[masquerade(false)]], FOUT: [], IN: [[test(src('192.168.0.2')), drop]] },
  );
  assert.throws(() => run(mixed, local, ['192.168.0.2', '192.168.0.3']), /MASQUERADE/);
});

S('addrtype LOCAL follows the node addresses and loopback', () => {
  const p = nat({ PREROUTING: [[test(localDst()), dnat('10.0.1.1', 1)]] });
  assert.equal(run(p, packet({ dst: '192.168.0.2' as never })), ['accept dnat 10.0.1.1:1 mark 0x0 @ 1/1']);
  assert.equal(run(p, packet({ dst: '192.168.0.3' as never })), ['accept mark 0x0 @ 1/1']);
});

S('statistic: exact shares, and a rule after a failed draw sees the rest', () => {
  const p = nat({ PREROUTING: [[random(1n, 4n), dnat('10.0.1.1', 1)], [dnat('10.0.1.2', 1)]] });
  assert.equal(run(p), ['accept dnat 10.0.1.1:1 mark 0x0 @ 1/4', 'accept dnat 10.0.1.2:1 mark 0x0 @ 3/4']);
});

S('numgen random mod 3: kernel bucket weights out of 2^32', () => {
  const p = nat({
    PREROUTING: [
      [
        {
          kind: 'numgen',
          modulus: 3,
          offset: 0,
          branches: [0, 1, 2].map((k) => ({ values: [[k, k] as const], steps: [dnat(`10.0.1.${k + 1}`, 1)] })),
        },
      ],
    ],
  });
  assert.equal(run(p), [
    'accept dnat 10.0.1.1:1 mark 0x0 @ 715827883/2147483648',
    'accept dnat 10.0.1.2:1 mark 0x0 @ 1431655765/4294967296',
    'accept dnat 10.0.1.3:1 mark 0x0 @ 1431655765/4294967296',
  ]);
});

S('affinity: a fresh record wins, a stale one does not, the chosen endpoint is written', () => {
  const p = nat({
    PREROUTING: [
      [
        { kind: 'test', test: { kind: 'affinity', list: 'L1', key: 'saddr', maxAgeSeconds: 10800 }, negate: false },
        goto('E1'),
      ],
      [goto('E2')],
    ],
    E1: [[{ kind: 'affinityWrite', list: 'L1', key: 'saddr' }, dnat('10.0.1.1', 1)]],
    E2: [[{ kind: 'affinityWrite', list: 'L2', key: 'saddr' }, dnat('10.0.1.2', 1)]],
  });
  assert.equal(run(p, packet({ affinityAges: { L1: 10 } })), ['accept dnat 10.0.1.1:1 mark 0x0 affinity L1 @ 1/1']);
  assert.equal(run(p, packet({ affinityAges: { L1: 10800 } })), ['accept dnat 10.0.1.2:1 mark 0x0 affinity L2 @ 1/1']);
});

S('ct tests: a new connection is DNAT status once nat DNATed it', () => {
  const p = program('iptables', [base('output', 'nat', 'OUT'), base('output', 'filter', 'FOUT')], {
    OUT: [[dnat('10.0.1.1', 1)]],
    FOUT: [
      [{ kind: 'test', test: { kind: 'ct', states: ['related', 'established'], dnat: true }, negate: false }, accept],
      [drop],
    ],
  });
  assert.equal(run(p, packet({ path: 'local', src: '192.168.0.2' as never, inInterface: null })), [
    'accept dnat 10.0.1.1:1 mark 0x0 @ 1/1',
  ]);
});

S('a port tested without a protocol before it is refused (closed world)', () => {
  const p = nat({ PREROUTING: [[test(dport(80)), accept]] });
  assert.throws(() => run(p, packet({ protocol: 'icmp', sport: 0, dport: 0 })), /protocol/);
});

S.run();
