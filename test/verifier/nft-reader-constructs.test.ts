// The nft reader, construct by construct: hand-written libnftables JSON and the exact model steps
// each must become (docs: verifier/nftables/README.md).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rational } from '../../compiler/ir/outcome.ts';
import { numgenBucketCount, numgenProbability } from '../../verifier/model/numgen.ts';
import type { Step } from '../../verifier/model/program.ts';
import {
  accept,
  and,
  concat,
  ct,
  drop,
  fib,
  goto,
  jump,
  match,
  meta,
  numgen,
  oneChain,
  or,
  payload,
  prefix,
  program,
  range,
  read,
  set,
  steps,
  v4,
  xor,
} from './nft-support.ts';

const test = suite('nft reader: constructs');

const fields = (parts: unknown[], negate = false): Step =>
  ({ kind: 'test', test: { kind: 'fields', parts }, negate }) as Step;
const proto = (...protocols: string[]): Step => fields([{ field: 'l4proto', protocols }]);
const verdict = (v: object): Step => ({ kind: 'verdict', verdict: v }) as Step;
const ep = (name: string): Step => verdict({ kind: 'goto', chain: `ip kube-proxy/${name}` });
const EP_CHAINS = ['a', 'b', 'c'].map((name) => ({ name, rules: [[accept]] }));

test('addresses: value, prefix, range, set literal (merged), ordering', () => {
  const daddr = payload('ip', 'daddr');
  const got = steps(
    oneChain([
      [match('==', daddr, '10.0.0.1'), accept],
      [match('!=', payload('ip', 'saddr'), prefix('10.0.0.0', 8)), accept],
      [match('==', daddr, range('10.0.0.1', '10.0.0.5')), accept],
      [match('==', daddr, set('10.0.0.3', prefix('10.1.0.0', 16), range('10.0.0.1', '10.0.0.2'))), accept],
      [match('<', daddr, '10.0.0.5'), accept],
      [match('>=', daddr, '255.255.255.255'), accept],
    ]),
  );
  assert.equal(got[0], [
    fields([{ field: 'daddr', ranges: [[v4('10.0.0.1'), v4('10.0.0.1')]] }]),
    verdict({ kind: 'accept' }),
  ]);
  assert.equal(got[1]![0], fields([{ field: 'saddr', ranges: [[v4('10.0.0.0'), v4('10.255.255.255')]] }], true));
  assert.equal(got[2]![0], fields([{ field: 'daddr', ranges: [[v4('10.0.0.1'), v4('10.0.0.5')]] }]));
  assert.equal(
    got[3]![0],
    fields([
      {
        field: 'daddr',
        ranges: [
          [v4('10.0.0.1'), v4('10.0.0.3')],
          [v4('10.1.0.0'), v4('10.1.255.255')],
        ],
      },
    ]),
  );
  assert.equal(got[4]![0], fields([{ field: 'daddr', ranges: [[0n, v4('10.0.0.4')]] }]));
  assert.equal(got[5]![0], fields([{ field: 'daddr', ranges: [[v4('255.255.255.255'), v4('255.255.255.255')]] }]));
});

test('IPv6 addresses and ip6 prefixes', () => {
  const got = steps(
    oneChain([[match('==', payload('ip6', 'daddr'), prefix('fd00::', 64)), accept]], { family: 'ip6' }),
  );
  const lo = 0xfd00n << 112n;
  assert.equal(got[0]![0], fields([{ field: 'daddr', ranges: [[lo, lo + (1n << 64n) - 1n]] }]));
  const mapped = steps(
    oneChain([[match('==', payload('ip6', 'saddr'), '::ffff:10.0.0.1'), accept]], { family: 'ip6' }),
  );
  const m = (0xffffn << 32n) | v4('10.0.0.1');
  assert.equal(mapped[0]![0], fields([{ field: 'saddr', ranges: [[m, m]] }]));
});

test('protocols: meta l4proto, ip protocol, numbers, sets, ranges; ICMP per family', () => {
  const l4 = meta('l4proto');
  const got = steps(
    oneChain([
      [match('==', l4, 'tcp'), accept],
      [match('==', payload('ip', 'protocol'), set('tcp', 'udp')), accept],
      [match('==', l4, 17), accept],
      [match('!=', l4, 'icmp'), accept],
      [match('==', l4, range(0, 255)), accept],
    ]),
  );
  assert.equal(got[0]![0], proto('tcp'));
  assert.equal(got[1]![0], proto('tcp', 'udp'));
  assert.equal(got[2]![0], proto('udp'));
  assert.equal(got[3]![0], fields([{ field: 'l4proto', protocols: ['icmp'] }], true));
  assert.equal(got[4]![0], proto('tcp', 'udp', 'sctp', 'icmp', 'other'));
  const six = steps(oneChain([[match('==', l4, 'ipv6-icmp'), accept]], { family: 'ip6' }));
  assert.equal(six[0]![0], proto('icmp'));
});

test('ports: tcp/udp/sctp payloads imply their protocol; th ports after a protocol test', () => {
  const got = steps(
    oneChain([
      [match('==', payload('tcp', 'dport'), 80), accept],
      [match('!=', payload('tcp', 'dport'), 80), accept],
      [match('==', payload('udp', 'sport'), range(1000, 2000)), accept],
      [match('==', meta('l4proto'), set('tcp', 'sctp')), match('==', payload('th', 'dport'), set(80, 443)), accept],
    ]),
  );
  const dport = (ranges: unknown[], negate = false) => fields([{ field: 'dport', ranges }], negate);
  assert.equal(got[0], [proto('tcp'), dport([[80, 80]]), verdict({ kind: 'accept' })]);
  assert.equal(got[1]!.slice(0, 2), [proto('tcp'), dport([[80, 80]], true)]);
  assert.equal(got[2]!.slice(0, 2), [proto('udp'), fields([{ field: 'sport', ranges: [[1000, 2000]] }])]);
  assert.equal(got[3]!.slice(0, 2), [
    proto('tcp', 'sctp'),
    dport([
      [80, 80],
      [443, 443],
    ]),
  ]);
});

test('verdict map on daddr . l4proto . th dport (named), elements in canonical order', () => {
  const key = concat(payload('ip', 'daddr'), meta('l4proto'), payload('th', 'dport'));
  const doc = oneChain([[{ vmap: { key, data: '@svc' } }]], {
    chains: EP_CHAINS,
    maps: [
      {
        name: 'svc',
        type: ['ipv4_addr', 'inet_proto', 'inet_service'],
        map: 'verdict',
        elem: [
          [concat('10.0.0.2', 'udp', 53), goto('b')],
          [concat('10.0.0.1', 'tcp', 80), jump('a')],
        ],
      },
    ],
  });
  const dispatch = steps(doc)[0]![0];
  assert.equal(dispatch, {
    kind: 'dispatch',
    elements: [
      {
        parts: [
          { field: 'daddr', ranges: [[v4('10.0.0.1'), v4('10.0.0.1')]] },
          { field: 'l4proto', protocols: ['tcp'] },
          { field: 'dport', ranges: [[80, 80]] },
        ],
        steps: [verdict({ kind: 'jump', chain: 'ip kube-proxy/a' })],
      },
      {
        parts: [
          { field: 'daddr', ranges: [[v4('10.0.0.2'), v4('10.0.0.2')]] },
          { field: 'l4proto', protocols: ['udp'] },
          { field: 'dport', ranges: [[53, 53]] },
        ],
        steps: [ep('b')],
      },
    ],
  });
});

test('interval map with concatenated prefixes and port ranges; anonymous vmap with continue and return', () => {
  const key = concat(payload('ip', 'saddr'), meta('l4proto'), payload('th', 'dport'));
  const doc = oneChain(
    [
      [{ vmap: { key, data: '@ranges' } }],
      [
        {
          vmap: {
            key: meta('l4proto'),
            data: set(['tcp', accept], ['udp', { continue: null }], ['icmp', { return: null }]),
          },
        },
      ],
    ],
    {
      base: { type: 'filter', hook: 'input', prio: 0 },
      maps: [
        {
          name: 'ranges',
          type: ['ipv4_addr', 'inet_proto', 'inet_service'],
          map: 'verdict',
          flags: ['interval'],
          elem: [[concat(prefix('10.0.0.0', 8), 'tcp', range(80, 90)), drop]],
        },
      ],
    },
  );
  const got = steps(doc);
  assert.equal(got[0]![0], {
    kind: 'dispatch',
    elements: [
      {
        parts: [
          { field: 'saddr', ranges: [[v4('10.0.0.0'), v4('10.255.255.255')]] },
          { field: 'l4proto', protocols: ['tcp'] },
          { field: 'dport', ranges: [[80, 90]] },
        ],
        steps: [verdict({ kind: 'drop' })],
      },
    ],
  });
  assert.equal(got[1]![0], {
    kind: 'dispatch',
    elements: [
      { parts: [{ field: 'l4proto', protocols: ['icmp'] }], steps: [verdict({ kind: 'return' })] },
      { parts: [{ field: 'l4proto', protocols: ['tcp'] }], steps: [verdict({ kind: 'accept' })] },
      { parts: [{ field: 'l4proto', protocols: ['udp'] }], steps: [] },
    ],
  });
});

test('named sets: one field (fields test) and a concatenation (hairpin membership)', () => {
  const doc = oneChain(
    [
      [match('==', payload('ip', 'daddr'), '@ips'), accept],
      [match('==', concat(payload('ip', 'saddr'), payload('ip', 'daddr')), '@hairpin'), accept],
    ],
    {
      sets: [
        { name: 'ips', type: 'ipv4_addr', flags: ['interval'], elem: [prefix('10.0.0.0', 24), '192.168.0.1'] },
        {
          name: 'hairpin',
          type: ['ipv4_addr', 'ipv4_addr'],
          elem: [concat('10.0.0.2', '10.0.0.2'), concat('10.0.0.1', '10.0.0.1')],
        },
      ],
    },
  );
  const got = steps(doc);
  assert.equal(
    got[0]![0],
    fields([
      {
        field: 'daddr',
        ranges: [
          [v4('10.0.0.0'), v4('10.0.0.255')],
          [v4('192.168.0.1'), v4('192.168.0.1')],
        ],
      },
    ]),
  );
  const one = (a: string) => [
    { field: 'saddr', ranges: [[v4(a), v4(a)]] },
    { field: 'daddr', ranges: [[v4(a), v4(a)]] },
  ];
  assert.equal(got[1]![0], {
    kind: 'test',
    test: { kind: 'member', elements: [one('10.0.0.1'), one('10.0.0.2')] },
    negate: false,
  });
});

test('numgen random mod 3 vmap: a numgen step; bucket weights 1431655766, 1431655765, 1431655765 of 2^32', () => {
  const doc = oneChain([[{ vmap: { key: numgen(3), data: set([0, goto('a')], [1, goto('b')], [2, goto('c')]) } }]], {
    chains: EP_CHAINS,
  });
  const step = steps(doc)[0]![0];
  assert.equal(step, {
    kind: 'numgen',
    modulus: 3,
    offset: 0,
    branches: [
      { values: [[0, 0]], steps: [ep('a')] },
      { values: [[1, 1]], steps: [ep('b')] },
      { values: [[2, 2]], steps: [ep('c')] },
    ],
  });
  assert.equal(
    [0, 1, 2].map((k) => numgenBucketCount(3, k)),
    [1431655766n, 1431655765n, 1431655765n],
  );
  assert.equal(numgenProbability(3, 0, [[0, 0]]), rational(1431655766n, 1n << 32n));
  assert.equal(numgenProbability(3, 0, [[1, 2]]), rational(2863311530n, 1n << 32n));
});

test('numgen random mod 10 offset 5 through a named interval map: exact weights per branch', () => {
  const doc = oneChain([[{ vmap: { key: numgen(10, 5), data: '@lb' } }]], {
    chains: EP_CHAINS,
    maps: [
      {
        name: 'lb',
        type: 'integer',
        map: 'verdict',
        flags: ['interval'],
        elem: [
          [range(6, 14), goto('b')],
          [5, goto('a')],
        ],
      },
    ],
  });
  const step = steps(doc)[0]![0];
  assert.equal(step, {
    kind: 'numgen',
    modulus: 10,
    offset: 5,
    branches: [
      { values: [[5, 5]], steps: [ep('a')] },
      { values: [[6, 14]], steps: [ep('b')] },
    ],
  });
  const c = [
    429496730n,
    429496730n,
    429496729n,
    429496730n,
    429496729n,
    429496730n,
    429496730n,
    429496729n,
    429496730n,
    429496729n,
  ];
  assert.equal(
    c.map((_, k) => numgenBucketCount(10, k)),
    c,
  );
  assert.equal(numgenProbability(10, 5, [[5, 5]]), rational(c[0]!, 1n << 32n));
  assert.equal(
    numgenProbability(10, 5, [[6, 14]]),
    rational(
      c.slice(1).reduce((a, b) => a + b),
      1n << 32n,
    ),
  );
  assert.equal(numgenProbability(10, 5, [[0, 4]]), rational(0, 1));
});

test('numgen as a match continues the rule in its one branch', () => {
  const [step, v] = steps(oneChain([[match('==', numgen(2), 0), goto('a')]], { chains: EP_CHAINS }))[0]!;
  assert.equal(step, { kind: 'numgen', modulus: 2, offset: 0, branches: [{ values: [[0, 0]], steps: [] }] });
  assert.equal(v, ep('a'));
});

test('meta random thresholds: exact probabilities', () => {
  const r = meta('random');
  const got = steps(
    oneChain(
      [
        [match('<', and(r, 2147483647), 715827883), goto('a')],
        [match('==', and(r, 3), 1), goto('a')],
        [match('<', r, 100), goto('a')],
        [match('!=', and(r, 1), 0), goto('a')],
        [match('>=', and(r, 255), 64), goto('a')],
        [match('>', and(r, 255), 300), goto('a')],
        [match('<=', and(r, 255), 0), goto('a')],
      ],
      { chains: EP_CHAINS },
    ),
  );
  const p = (n: bigint | number, d: bigint | number) => ({ kind: 'random', p: rational(n, d) });
  assert.equal(
    got.map((s) => s[0]),
    [p(715827883, 1n << 31n), p(1, 4), p(100, 1n << 32n), p(1, 2), p(192, 256), p(0, 1), p(1, 256)],
  );
});

test('fib saddr/daddr type local', () => {
  const got = steps(
    oneChain([
      [match('==', fib('saddr'), 'local'), accept],
      [match('!=', { fib: { result: 'type', flags: 'daddr' } }, 'local'), accept],
    ]),
  );
  assert.equal(got[0]![0], fields([{ field: 'saddrLocal', local: true }]));
  assert.equal(got[1]![0], fields([{ field: 'daddrLocal', local: true }], true));
});

test('ct state and ct status dnat (status read guarded by a conntrack entry)', () => {
  const got = steps(
    oneChain(
      [
        [match('in', ct('state'), 'new'), accept],
        [match('in', ct('state'), ['established', 'related']), accept],
        [match('==', ct('state'), set('related', 'established')), accept],
        [match('!=', ct('state'), 'established'), accept],
        [match('in', ct('status'), 'dnat'), accept],
        [match('==', and(ct('status'), 'dnat'), 0), drop],
        [match('!', ct('status'), 'dnat'), drop],
        [match('!=', and(ct('status'), 'dnat'), 0), drop],
      ],
      { base: { type: 'filter', hook: 'input', prio: 0 } },
    ),
  );
  const state = (states: string[], negate = false) => ({
    kind: 'test',
    test: { kind: 'ct', states, dnat: false },
    negate,
  });
  const guard = state(['established', 'new', 'related']);
  const dnat = (negate: boolean) => ({ kind: 'test', test: { kind: 'ct', states: [], dnat: true }, negate });
  assert.equal(got[0]![0], state(['new']));
  assert.equal(got[1]![0], state(['established', 'related']));
  assert.equal(got[2]![0], state(['established', 'related']));
  assert.equal(got[3]![0], state(['established'], true));
  assert.equal(got[4]!.slice(0, 2), [guard, dnat(false)]);
  assert.equal(got[5]!.slice(0, 2), [guard, dnat(true)]);
  assert.equal(got[6]!.slice(0, 2), [guard, dnat(true)]);
  assert.equal(got[7]!.slice(0, 2), [guard, dnat(false)]);
});

test('meta mark tests and writes: or, xor, and, set, and+xor (iptables --set-xmark), as listed', () => {
  const mark = meta('mark');
  const mangle = (value: unknown) => ({ mangle: { key: mark, value } });
  const got = steps(
    oneChain([
      [match('==', and(mark, 16384), 0), { return: null }],
      [match('!=', and(mark, '0x4000'), 16384), accept],
      [match('==', mark, 16), accept],
      [mangle(or(mark, 16384))],
      [mangle(xor(mark, 16384))],
      [mangle(and(mark, 255))],
      [mangle(32)],
      [mangle(xor(and(mark, 0xffffbfff), 0x4000))],
      [mangle(xor(and(mark, 0xff00), 1))],
    ]),
  );
  const markTest = (mask: number, value: number, negate = false) => ({
    kind: 'test',
    test: { kind: 'mark', mask, value },
    negate,
  });
  const write = (op: string, value: number) => ({ kind: 'mark', op, value });
  assert.equal(got[0]![0], markTest(16384, 0));
  assert.equal(got[1]![0], markTest(16384, 16384, true));
  assert.equal(got[2]![0], markTest(0xffffffff, 16));
  assert.equal(
    got.slice(3).map((s) => s),
    [
      [write('or', 16384)],
      [write('xor', 16384)],
      [write('and', 255)],
      [write('set', 32)],
      [write('or', 0x4000)],
      [write('and', 0xff00), write('xor', 1)],
    ],
  );
});

test('interface names: exact, wildcard prefix, escaped star, sets', () => {
  const got = steps(
    oneChain([
      [match('==', meta('iifname'), 'veth*'), accept],
      [match('==', meta('iifname'), 'a\\*'), accept],
      [match('!=', meta('oifname'), set('eth0', 'cbr*')), accept],
    ]),
  );
  assert.equal(got[0]![0], fields([{ field: 'iifname', names: [{ name: 'veth', prefix: true }] }]));
  assert.equal(got[1]![0], fields([{ field: 'iifname', names: [{ name: 'a*', prefix: false }] }]));
  assert.equal(
    got[2]![0],
    fields(
      [
        {
          field: 'oifname',
          names: [
            { name: 'cbr', prefix: true },
            { name: 'eth0', prefix: false },
          ],
        },
      ],
      true,
    ),
  );
});

test('dnat: address and port, no port, family field, IPv6', () => {
  const got = steps(
    oneChain([
      [match('==', meta('l4proto'), 'tcp'), { dnat: { addr: '10.0.0.1', port: 80 } }],
      [{ dnat: { addr: '10.0.0.2' } }],
      [match('==', meta('l4proto'), 'udp'), { dnat: { family: 'ip', addr: '10.0.0.3', port: 53 } }],
    ]),
  );
  assert.equal(got[0], [proto('tcp'), verdict({ kind: 'dnat', ip: '10.0.0.1', port: 80 })]);
  assert.equal(got[1], [verdict({ kind: 'dnat', ip: '10.0.0.2', port: null })]);
  assert.equal(got[2]![1], verdict({ kind: 'dnat', ip: '10.0.0.3', port: 53 }));
  const six = steps(oneChain([[{ dnat: { addr: 'fd00:0:0:0::1', port: 80 } }]], { family: 'ip6' }));
  assert.equal(six[0], [{ kind: 'verdict', verdict: { kind: 'dnat', ip: 'fd00::1', port: 80 } }]);
});

test('dnat through maps: numgen-keyed anonymous map, named map to address . port, map keyed by daddr', () => {
  const doc = oneChain(
    [
      [
        match('==', meta('l4proto'), 'tcp'),
        { dnat: { addr: { map: { key: numgen(2), data: set([0, '10.0.0.1'], [1, '10.0.0.2']) } }, port: 80 } },
      ],
      [match('==', meta('l4proto'), 'tcp'), { dnat: { family: 'ip', addr: { map: { key: numgen(2), data: '@lb' } } } }],
      [
        match('==', meta('l4proto'), 'tcp'),
        { dnat: { family: 'ip', addr: { map: { key: payload('ip', 'daddr'), data: '@vip' } } } },
      ],
    ],
    {
      maps: [
        {
          name: 'lb',
          type: 'integer',
          map: 'ipv4_addr . inet_service',
          elem: [
            [0, concat('10.0.0.1', 80)],
            [1, concat('10.0.0.2', 8080)],
          ],
        },
        {
          name: 'vip',
          type: 'ipv4_addr',
          map: ['ipv4_addr', 'inet_service'],
          elem: [['172.30.0.1', concat('10.0.0.9', 8443)]],
        },
      ],
    },
  );
  const dnat = (ip: string, port: number) => [verdict({ kind: 'dnat', ip, port })];
  const got = steps(doc);
  assert.equal(got[0]![1], {
    kind: 'numgen',
    modulus: 2,
    offset: 0,
    branches: [
      { values: [[0, 0]], steps: dnat('10.0.0.1', 80) },
      { values: [[1, 1]], steps: dnat('10.0.0.2', 80) },
    ],
  });
  assert.equal(got[1]![1], {
    kind: 'numgen',
    modulus: 2,
    offset: 0,
    branches: [
      { values: [[0, 0]], steps: dnat('10.0.0.1', 80) },
      { values: [[1, 1]], steps: dnat('10.0.0.2', 8080) },
    ],
  });
  assert.equal(got[2]![1], {
    kind: 'dispatch',
    elements: [
      { parts: [{ field: 'daddr', ranges: [[v4('172.30.0.1'), v4('172.30.0.1')]] }], steps: dnat('10.0.0.9', 8443) },
    ],
  });
});

test('masquerade and reject kinds', () => {
  const post = steps(
    oneChain(
      [
        [{ masquerade: null }],
        [{ masquerade: { flags: 'fully-random' } }],
        [{ masquerade: { flags: ['fully-random'] } }],
      ],
      { base: { type: 'nat', hook: 'postrouting', prio: 100 } },
    ),
  );
  assert.equal(
    post.map((s) => s[0]),
    [false, true, true].map((fullyRandom) => verdict({ kind: 'masquerade', fullyRandom })),
  );
  const filter = { base: { type: 'filter' as const, hook: 'input', prio: 0 } };
  const v4r = steps(
    oneChain(
      [
        [{ reject: null }],
        [{ reject: { type: 'icmp', expr: 'port-unreachable' } }],
        [{ reject: { type: 'icmp', expr: 'host-unreachable' } }],
        [{ reject: { type: 'tcp reset' } }],
      ],
      filter,
    ),
  );
  const reject = (w: string) => verdict({ kind: 'reject', with: w });
  assert.equal(v4r, [
    [reject('port-unreachable')],
    [reject('port-unreachable')],
    [reject('host-unreachable')],
    [proto('tcp'), reject('tcp-reset')],
  ]);
  const v6r = steps(
    oneChain(
      [
        [{ reject: { type: 'icmpv6', expr: 'admin-prohibited' } }],
        [{ reject: { type: 'icmpx', expr: 'host-unreachable' } }],
        [{ reject: { type: 'icmpx', expr: 'no-route' } }],
      ],
      { ...filter, family: 'ip6' },
    ),
  );
  assert.equal(v6r, [[reject('admin-prohibited')], [reject('addr-unreachable')], [reject('no-route')]]);
});

test("affinity, kube-proxy's form: a dynamic set per endpoint keyed by ip saddr", () => {
  const doc = oneChain([[match('==', payload('ip', 'saddr'), '@aff-a'), goto('a')]], {
    chains: [
      {
        name: 'a',
        rules: [
          [{ set: { op: 'update', elem: payload('ip', 'saddr'), set: '@aff-a' } }, { dnat: { addr: '10.0.0.1' } }],
        ],
      },
    ],
    sets: [{ name: 'aff-a', type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: 10800 }],
  });
  const got = steps(doc);
  assert.equal(got[0]![0], {
    kind: 'test',
    test: { kind: 'affinity', list: 'aff-a', key: 'saddr', maxAgeSeconds: 10800 },
    negate: false,
  });
  assert.equal(steps(doc, 'a')[0]![0], { kind: 'affinityWrite', list: 'aff-a', key: 'saddr' });
});

test("affinity, ksvc's form: one set per service port keyed client . endpoint; command and listing spellings agree", () => {
  const saddr = payload('ip', 'saddr');
  const dport = payload('th', 'dport');
  // As ksvc writes it (nft 1.0.6 cannot type a bare constant in a concatenation) …
  const written = concat(saddr, or(and(saddr, '0.0.0.0'), '10.64.1.5'), or(and(dport, 0), 8080));
  // … and as `nft -j list` prints the same bytecode back: (x & c) | c is the constant c too.
  const listed = concat(saddr, or(and(saddr, '10.64.1.5'), 171966725), or(and(dport, 8080), 8080));
  const sets = [{ name: 'aff', type: ['ipv4_addr', 'ipv4_addr', 'inet_service'], flags: ['timeout'], timeout: 600 }];
  const chains = [
    { name: 'a', rules: [[{ set: { op: 'update', elem: written, set: '@aff' } }, { dnat: { addr: '10.64.1.5' } }]] },
  ];
  const got = steps(
    oneChain(
      [
        [match('==', written, '@aff'), goto('a')],
        [match('==', listed, '@aff'), goto('a')],
      ],
      { sets, chains },
    ),
  );
  const list = 'aff{saddr . 10.64.1.5 . 8080}';
  const t = { kind: 'test', test: { kind: 'affinity', list, key: 'saddr', maxAgeSeconds: 600 }, negate: false };
  assert.equal(got[0]![0], t);
  assert.equal(got[1]![0], t);
  assert.equal(steps(oneChain([[goto('a')]], { sets, chains }), 'a')[0]![0], {
    kind: 'affinityWrite',
    list,
    key: 'saddr',
  });
});

test('records already in a dynamic set (a live listing) are noted, not read', () => {
  const doc = oneChain([[match('==', payload('ip', 'saddr'), '@aff'), accept]], {
    sets: [
      {
        name: 'aff',
        type: 'ipv4_addr',
        flags: ['timeout'],
        timeout: 600,
        elem: [{ elem: { val: '192.168.0.2', timeout: 600, expires: 590 } }, '192.168.0.3'],
      },
    ],
  });
  const p = program(doc);
  assert.ok(
    p.notes.some((n) => n.includes("'aff' holds 2 record(s)")),
    p.notes.join('; '),
  );
  assert.equal(steps(doc)[0]![0], {
    kind: 'test',
    test: { kind: 'affinity', list: 'aff', key: 'saddr', maxAgeSeconds: 600 },
    negate: false,
  });
});

test('counter, log, continue and nftrace are no-ops; jump and goto name chain ids', () => {
  const got = steps(
    oneChain(
      [
        [
          { counter: null },
          { counter: { packets: 3, bytes: 180 } },
          { log: { prefix: 'x ' } },
          { continue: null },
          jump('a'),
        ],
        [{ mangle: { key: meta('nftrace'), value: 1 } }, goto('a')],
      ],
      { chains: EP_CHAINS },
    ),
  );
  assert.equal(got[0], [
    { kind: 'noop', what: 'counter' },
    { kind: 'noop', what: 'counter' },
    { kind: 'noop', what: 'log' },
    { kind: 'noop', what: 'continue' },
    verdict({ kind: 'jump', chain: 'ip kube-proxy/a' }),
  ]);
  assert.equal(got[1], [{ kind: 'noop', what: 'meta nftrace set' }, ep('a')]);
});

test('commands: insert prepends, flush chain empties, delete element removes, flush ruleset clears', () => {
  const doc = oneChain([[jump('a')]], {
    chains: [
      { name: 'a', rules: [[drop]] },
      { name: 'orphan', rules: [[accept]] },
    ],
  });
  const t = { family: 'ip', table: 'kube-proxy' };
  doc.nftables.push(
    { insert: { rule: { ...t, chain: 'a', expr: [{ return: null }] } } },
    { add: { set: { ...t, name: 's', type: 'inet_service', elem: [80, 443] } } },
    { delete: { element: { ...t, name: 's', elem: [80] } } },
    { add: { rule: { ...t, chain: 'base', expr: [match('==', payload('tcp', 'dport'), '@s'), accept] } } },
    { flush: { chain: { ...t, name: 'orphan' } } },
  );
  const p = program(doc);
  assert.equal(steps(doc, 'a'), [[verdict({ kind: 'return' })], [verdict({ kind: 'drop' })]]);
  assert.equal(steps(doc)[1]!.slice(0, 2), [proto('tcp'), fields([{ field: 'dport', ranges: [[443, 443]] }])]);
  assert.equal(
    p.ignored.map((i) => [i.kind, i.name, i.reason]),
    [['chain', 'orphan', 'no base chain reaches it']],
  );
  const cleared = oneChain([[accept]]);
  cleared.nftables.push({ flush: { ruleset: null } });
  assert.equal(read(cleared).programs, []);
});

test('scope: other tables are listed as ignored, the inet and ip6 ones in every program', () => {
  const doc = oneChain([[accept]]);
  doc.nftables.push(
    { add: { table: { family: 'inet', name: 'firewalld' } } },
    { add: { chain: { family: 'inet', table: 'firewalld', name: 'x', type: 'filter', hook: 'input', prio: 10 } } },
    {
      add: {
        rule: { family: 'inet', table: 'firewalld', chain: 'x', expr: [{ xt: { type: 'match', name: 'recent' } }] },
      },
    },
    { add: { table: { family: 'ip', name: 'nat' } } },
    { add: { table: { family: 'ip6', name: 'kube-proxy' } } },
    { add: { table: { family: 'ip6', name: 'nat' } } },
  );
  const r = read(doc);
  assert.equal(r.diagnostics, []);
  assert.equal(
    r.programs.map((p) => [p.family, p.ignored.map((i) => i.name)]),
    [
      ['ipv4', ['inet firewalld', 'ip nat']],
      ['ipv6', ['inet firewalld', 'ip6 nat']],
    ],
  );
});

test.run();
