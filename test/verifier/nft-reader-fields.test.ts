// The nft reader, construct by construct (packet fields, sets, maps, numgen, meta random): hand-written libnftables JSON and the exact
// model steps each must become (docs: verifier/nftables/README.md).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rational } from '../../compiler/ir/outcome.ts';
import { numgenBucketCount, numgenProbability } from '../../verifier/model/numgen.ts';
import {
  accept,
  and,
  concat,
  drop,
  EP_CHAINS,
  ep,
  fields,
  goto,
  jump,
  match,
  meta,
  numgen,
  oneChain,
  payload,
  prefix,
  proto,
  range,
  set,
  steps,
  v4,
  verdict,
} from './nft-support.ts';

const test = suite('nft reader: fields, sets, maps, numgen, random');

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

test.run();
