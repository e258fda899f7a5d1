// nft facts a review measured in the kernel (soundness hunt, 2026-12-06), each once read otherwise:
// a base chain added again keeps its policy; an affinity set is known by its whole name (its hash
// included), and one list lives in one set; the order of base chains at one hook; nat chains at the nat core's priority; `ct
// state` compared with a list; a set's timeout without the timeout flag.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { diffArtifacts } from '../../api/diff.ts';
import { compileIptables } from '../../api/iptables.ts';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { verifyArtifacts } from '../../api/verify.ts';
import { base32Sha256 } from '../../common/hash.ts';

const test = suite('nft facts measured in the kernel');

const MODEL = `node n1 {
  address 192.168.0.1
}

service default/web {
  http: ClusterIP 10.32.0.10:80/tcp -> endpoints:8080, sessionAffinity clientIP 600
  endpoints 10.64.1.13 on n1, 10.64.1.14
}
`;
const model = load(MODEL, { file: 'facts.ksvc' }).model!;
const ir = lower(model, { node: 'n1' }).programs[0]!;
const IPTABLES = compileIptables(ir);
const NFT = compileNftables([ir]);

type Command = Record<string, unknown>;
const commands = (): Command[] => (JSON.parse(NFT) as { nftables: Command[] }).nftables;
const doc = (cmds: Command[]): string => JSON.stringify({ nftables: cmds });
const table = { family: 'ip', table: 'kube-proxy' };

/** verify's three-way result for the iptables output and an nft document (errors are returned). */
function verify(nft: string): { equivalent: boolean | null; errors: string[] } {
  const r = verifyArtifacts({
    iptables: { text: IPTABLES, file: '<iptables>' },
    nftables: { text: nft, file: '<nft>' },
    model: { model, node: 'n1' },
  });
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
  return { equivalent: r.runs[0]?.report?.equivalent ?? null, errors };
}

/** diff of two nft documents. */
const diffNft = (a: string, b: string) =>
  diffArtifacts({ old: { text: a, file: '<old>' }, new: { text: b, file: '<new>' }, backend: 'nftables' });

/** The witness packet of every change diff found. */
const changedWitnesses = (r: ReturnType<typeof diffNft>) =>
  r.runs.flatMap((run) => run.changes.map((c) => c.counterexample.witness));

/** diff's verdict on two nft documents: true when they route alike. */
function sameRouting(a: string, b: string): boolean {
  const r = diffNft(a, b);
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  return r.runs.every((run) => run.report?.equivalent === true);
}

test('the output as compiled is equivalent (the baseline of every edit below)', () => {
  assert.equal(verify(NFT), { equivalent: true, errors: [] });
});

test('a base chain added again without a policy keeps its policy (drop stays drop)', () => {
  const chain = { ...table, name: 'filter-output-x', type: 'filter', hook: 'output', prio: 0 };
  const edited = doc([...commands(), { add: { chain: { ...chain, policy: 'drop' } } }, { add: { chain } }]);
  assert.equal(verify(edited).equivalent, false);
});

test('an affinity set is its whole name: another hash is another set, even with the same readable part', () => {
  const cmds = commands();
  const text = JSON.stringify(cmds);
  const real = /affinity-([A-Z2-7]{8})-default\/web\/tcp\/http/.exec(text)![0];
  const other = real.replace(/affinity-[A-Z2-7]{8}-/, 'affinity-AAAAAAAA-');
  const set = cmds.find((c) => JSON.stringify(c).includes(`"name":"${real}"`))!;
  // every update writes the other set; the lookups still read the real one
  const edited = cmds.map((c) => {
    const s = JSON.stringify(c);
    return s.includes('"op":"update"') ? (JSON.parse(s.replaceAll(`@${real}`, `@${other}`)) as Command) : c;
  });
  const withSet = [...edited];
  withSet.splice(edited.indexOf(set) + 1, 0, JSON.parse(JSON.stringify(set).replace(real, other)) as Command);
  assert.equal(verify(doc(withSet)).equivalent, false);
});

test('one list lives in one set: a per-endpoint set read beside the per-port set written is other records', () => {
  const cmds = commands();
  const text = JSON.stringify(cmds);
  const real = /affinity-([A-Z2-7]{8})-default\/web\/tcp\/http/.exec(text)![0];
  // kube-proxy's per-endpoint name for 10.64.1.13:8080, its hash right: the same identity
  const readable = 'default/web/tcp/http__10.64.1.13/8080';
  const perEndpoint = `affinity-${base32Sha256(readable, 8)}-${readable}`;
  const lookup = (c: Command) => {
    const s = JSON.stringify(c);
    return s.includes(`"right":"@${real}"`) && s.includes('"10.64.1.13"');
  };
  const saddrIn: Command = {
    match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: `@${perEndpoint}` },
  };
  const edited = cmds.map((c) => {
    if (!lookup(c)) return c;
    const rule = structuredClone(c) as { add: { rule: { expr: Command[] } } };
    rule.add.rule.expr = rule.add.rule.expr.map((e) =>
      'match' in e && JSON.stringify(e).includes(`@${real}`) ? saddrIn : e,
    );
    return rule as Command;
  });
  assert.ok(
    edited.some((c, i) => c !== cmds[i]),
    'a lookup was rewritten',
  );
  const set = { add: { set: { ...table, name: perEndpoint, type: 'ipv4_addr', flags: ['timeout'], timeout: 600 } } };
  // the lookups read the per-endpoint set, the updates still write the per-port one: affinity breaks
  const at = edited.findIndex((c) => JSON.stringify(c).includes(`"name":"${real}"`)) + 1;
  const r = verify(doc([...edited.slice(0, at), set, ...edited.slice(at)]));
  assert.equal(r, { equivalent: false, errors: [] });
  // the set written holds the list, whatever the order rules use them: a read of the other set
  // that changes nothing (a counter), first in the chain or last, changes nothing
  const chain = (JSON.parse(JSON.stringify(cmds.find(lookup)!)) as { add: { rule: { chain: string } } }).add.rule.chain;
  const noop: Command = { add: { rule: { ...table, chain, expr: [saddrIn, { counter: null }] } } };
  const firstRule = cmds.findIndex(
    (c) => JSON.stringify(c).includes(`"chain":"${chain}"`) && 'add' in c && 'rule' in (c.add as object),
  );
  for (const place of [firstRule, cmds.length]) {
    const withNoop = [...cmds.slice(0, at), set, ...cmds.slice(at, place), noop, ...cmds.slice(place)];
    assert.equal(verify(doc(withNoop)), { equivalent: true, errors: [] }, `no-op read at ${place}`);
  }
});

test("another table's base chains are noted: they run beside kube-proxy's and are not read", () => {
  // measured: a foreign nat DNAT at -150, a notrack at -300 and a mark of the masquerade bit at
  // -150 each changed kube-proxy's outcome while the proof held
  const other = (family: string, name: string, hook: string, prio: number): Command[] => [
    { add: { table: { family, name } } },
    { add: { chain: { family, table: name, name: 'c', type: 'filter', hook, prio, policy: 'accept' } } },
  ];
  const r = verifyArtifacts({
    iptables: { text: IPTABLES, file: '<iptables>' },
    nftables: {
      text: doc([
        ...commands(),
        ...other('inet', 'calico', 'prerouting', -150),
        ...other('ip6', 'v6only', 'output', 0),
        ...other('bridge', 'cni', 'prerouting', -200),
      ]),
      file: '<nft>',
    },
    model: { model, node: 'n1' },
  });
  const notes = r.runs[0]!.report!.notes;
  assert.ok(
    notes.some((n) => n.startsWith('table inet calico has base chains (prerouting -150), which run beside')),
    notes.join('\n'),
  );
  // a bridge CNI's frames pass the bridge family's hooks before the IP stack sees them
  assert.ok(
    notes.some((n) => n.startsWith('table bridge cni has base chains (prerouting -200)')),
    notes.join('\n'),
  );
  // another family's table runs for other packets: listed only
  assert.not.ok(notes.some((n) => n.includes('v6only')));
  assert.is(r.runs[0]!.report!.equivalent, true);
  // a base chain deleted again (by its handle, which names no chain) is no longer noted
  const withHandle = other('inet', 'calico', 'prerouting', -150);
  (withHandle[1] as { add: { chain: Record<string, unknown> } }).add.chain.handle = 7;
  const deleted = verifyArtifacts({
    iptables: { text: IPTABLES, file: '<iptables>' },
    nftables: {
      text: doc([...commands(), ...withHandle, { delete: { chain: { family: 'inet', table: 'calico', handle: 7 } } }]),
      file: '<nft>',
    },
    model: { model, node: 'n1' },
  });
  assert.equal(
    deleted.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  assert.not.ok(deleted.runs[0]!.report!.notes.some((n) => n.includes('calico')));
});

test("a set's default timeout without the timeout flag still expires its elements: refused, not read as static", () => {
  const cmds = commands().map((c) => {
    const add = c.add as { map?: { name: string } } | undefined;
    return add?.map?.name.startsWith('service-ips') ? { add: { map: { ...add.map, timeout: 2 } } } : c;
  });
  assert.ok(JSON.stringify(cmds).includes('"timeout":2'), 'the dispatch map was edited');
  const r = verify(doc(cmds));
  assert.equal(r.equivalent, null);
  assert.ok(
    r.errors.some((e) => e.startsWith('nft-affinity')),
    r.errors.join('\n'),
  );
});

test('an element timeout in a set without the timeout flag is refused (nft refuses the load)', () => {
  const cmds = commands();
  const at = cmds.findIndex((c) => JSON.stringify(c).includes('"element"'));
  assert.ok(at >= 0, 'the output adds elements');
  const el = cmds[at]!.add as { element: { elem: unknown[] } };
  const [first, ...rest] = el.element.elem as [unknown[], ...unknown[]];
  const timed = Array.isArray(first)
    ? [{ elem: { val: first[0], timeout: 2 } }, first[1]]
    : { elem: { val: first, timeout: 2 } };
  cmds[at] = { add: { element: { ...el.element, elem: [timed, ...rest] } } };
  const r = verify(doc(cmds));
  assert.ok(
    r.errors.some((e) => e.includes('timeout flag')),
    r.errors.join('\n'),
  );
});

test('ct state == or != a list compares the state bits exactly: refused (!= holds for every packet)', () => {
  const chain = { ...table, name: 'filter-output-x', type: 'filter', hook: 'output', prio: 0, policy: 'accept' };
  for (const op of ['!=', '==']) {
    const rule = {
      ...table,
      chain: 'filter-output-x',
      expr: [{ match: { op, left: { ct: { key: 'state' } }, right: ['established', 'related'] } }, { drop: null }],
    };
    const r = verify(doc([...commands(), { add: { chain } }, { add: { rule } }]));
    assert.ok(
      r.errors.some((e) => e.startsWith('nft-unsupported') && e.includes(`ct state ${op} with several states`)),
      r.errors.join('\n'),
    );
  }
  // `in` tests any of them: read
  const rule = {
    ...table,
    chain: 'filter-output-x',
    expr: [
      { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } },
      { accept: null },
    ],
  };
  assert.equal(verify(doc([...commands(), { add: { chain } }, { add: { rule } }])).errors, []);
});

const udp9999 = { match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: 9999 } };
const markOr = { mangle: { key: { meta: { key: 'mark' } }, value: { '|': [{ meta: { key: 'mark' } }, 16] } } };
const marked = { match: { op: '==', left: { '&': [{ meta: { key: 'mark' } }, 16] }, right: 16 } };
const filterChain = (name: string, hook: string, prio: number) => ({
  add: { chain: { ...table, name, type: 'filter', hook, prio, policy: 'accept' } },
});
const rule = (chain: string, ...expr: unknown[]) => ({ add: { rule: { ...table, chain, expr } } });

test('base chains at one hook and priority: the one declared later runs first (as the kernel registers them)', () => {
  // x1 marks, x2 drops what is marked: the kernel runs x2 first, so nothing is dropped
  const marking = doc([
    ...commands(),
    filterChain('x1', 'output', 0),
    filterChain('x2', 'output', 0),
    rule('x1', udp9999, markOr),
    rule('x2', udp9999, marked, { drop: null }),
  ]);
  // the same chains with x2 explicitly first (a lower priority)
  const x2First = doc([
    ...commands(),
    filterChain('x1', 'output', 0),
    filterChain('x2', 'output', -1),
    rule('x1', udp9999, markOr),
    rule('x2', udp9999, marked, { drop: null }),
  ]);
  const dropping = doc([...commands(), filterChain('x3', 'output', 0), rule('x3', udp9999, { drop: null })]);
  assert.ok(sameRouting(marking, x2First), 'x2 runs before x1 marks: it drops only packets marked on arrival');
  assert.not.ok(sameRouting(marking, dropping));
});

test("nat chains run at the nat core's priority (-100 on output), whatever their own: a filter chain at -50 runs after DNAT", () => {
  const natAt = (prio: number) =>
    commands().map((c) => {
      const ch = (c.add as { chain?: { name: string } } | undefined)?.chain;
      return ch?.name === 'nat-output' ? { add: { chain: { ...ch, prio } } } : c;
    });
  // the filter chain drops the endpoint's address: it only matters after the DNAT
  const dropEndpoint = (prio: number) => [
    filterChain('xf', 'output', prio),
    rule(
      'xf',
      { match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '10.64.1.13' } },
      { drop: null },
    ),
  ];
  const late = doc([...natAt(-10), ...dropEndpoint(-50)]);
  const early = doc([...natAt(-100), ...dropEndpoint(-50)]);
  const before = doc([...natAt(-100), ...dropEndpoint(-150)]);
  assert.ok(sameRouting(late, early), 'nat at -10 runs at -100: before the filter chain at -50 in both');
  assert.not.ok(sameRouting(late, before), 'a filter chain at -150 runs before the DNAT');
});

/** A document of one table kube-proxy with these chains and rules (helpers' shapes). */
const table1 = (...cmds: unknown[]) =>
  doc([{ add: { table: { family: 'ip', name: 'kube-proxy' } } }, ...(cmds as Command[])]);
const baseChain = (name: string, type: string, hook: string, prio: number) => ({
  add: { chain: { ...table, name, type, hook, prio, policy: 'accept' } },
});
const daddr = (addr: string) => ({
  match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: addr },
});
const tcpDport = (port: number) => ({
  match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: port },
});

test('a filter chain after the nat core in postrouting sees the source MASQUERADE wrote (a node address)', () => {
  const masq = [
    baseChain('NP', 'nat', 'postrouting', 100),
    rule(
      'NP',
      {
        match: {
          op: '==',
          left: { payload: { protocol: 'ip', field: 'saddr' } },
          right: { prefix: { addr: '10.244.0.0', len: 16 } },
        },
      },
      { masquerade: null },
    ),
  ];
  const old = table1(...masq);
  // measured: the forwarded, masqueraded connection is dropped (its source is now local)
  const dropLocalSource = table1(
    ...masq,
    baseChain('FP', 'filter', 'postrouting', 200),
    // arriving on r0 only: the source is the pod's (not local) until MASQUERADE rewrites it
    rule(
      'FP',
      { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'r0' } },
      { match: { op: '==', left: { fib: { result: 'type', flags: ['saddr'] } }, right: 'local' } },
      { drop: null },
    ),
  );
  assert.not.ok(sameRouting(old, dropLocalSource));
});

test('a locally generated packet DNATed to 127.0.0.1 is delivered through input, also without a model', () => {
  const dnat = [
    baseChain('NO', 'nat', 'output', -100),
    rule('NO', daddr('10.96.0.10'), tcpDport(80), { dnat: { addr: '127.0.0.1', port: 8080 } }),
  ];
  const old = table1(...dnat);
  const next = table1(
    ...dnat,
    baseChain('FI', 'filter', 'input', 0),
    rule('FI', daddr('127.0.0.1'), tcpDport(8080), { drop: null }),
  );
  const r = diffNft(old, next);
  const witnesses = changedWitnesses(r);
  assert.ok(
    witnesses.some((w) => w.dst === '10.96.0.10' && w.path === 'local'),
    JSON.stringify(witnesses),
  );
});

test('a constant set a rule uses cannot change: refused (the kernel refuses the whole load)', () => {
  const setAndRule = [
    baseChain('c', 'filter', 'prerouting', 0),
    { add: { set: { ...table, name: 's', type: 'ipv4_addr', flags: ['constant'], elem: ['10.0.0.7'] } } },
    rule(
      'c',
      { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@s' } },
      { drop: null },
    ),
  ];
  for (const change of [
    { add: { element: { ...table, name: 's', elem: ['10.0.0.8'] } } },
    // the rule flushed away earlier in the same load still binds the set (measured: EBUSY)
    [{ flush: { chain: { ...table, name: 'c' } } }, { add: { element: { ...table, name: 's', elem: ['10.0.0.8'] } } }],
    { delete: { element: { ...table, name: 's', elem: ['10.0.0.7'] } } },
    { flush: { set: { ...table, name: 's' } } },
  ]) {
    const r = diffNft(table1(...setAndRule), table1(...setAndRule, ...[change].flat()));
    assert.ok(
      r.diagnostics.some((d) => d.code === 'nft-constant-busy'),
      JSON.stringify(r.diagnostics.map((d) => d.code)),
    );
  }
});

test("a filter chain at the nat core's own priority is refused: its order depends on which table registered nat first", () => {
  const tied = table1(
    baseChain('n', 'nat', 'output', -100),
    baseChain('f', 'filter', 'output', -100),
    rule('n', daddr('10.99.0.1'), { dnat: { addr: '10.99.0.2' } }),
    rule('f', daddr('10.99.0.2'), { drop: null }),
  );
  const r = diffNft(tied, tied);
  assert.ok(
    r.diagnostics.some((d) => d.message.includes("the nat core's own")),
    JSON.stringify(r.diagnostics.map((d) => d.message)),
  );
  // at -99 it runs after the nat core whoever registered it: read
  const after = table1(
    baseChain('n', 'nat', 'output', -100),
    baseChain('f', 'filter', 'output', -99),
    rule('n', daddr('10.99.0.1'), { dnat: { addr: '10.99.0.2' } }),
    rule('f', daddr('10.99.0.2'), { drop: null }),
  );
  assert.ok(sameRouting(after, after));
});

test("a datagram the node sends to lo's broadcast address passes input (not LOCAL, but delivered through lo)", () => {
  const udp9999 = { match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: 9999 } };
  const inputDrop = table1(
    baseChain('FI', 'filter', 'input', 0),
    rule('FI', daddr('127.255.255.255'), udp9999, { drop: null }),
  );
  const none = table1(baseChain('FI', 'filter', 'input', 0));
  const r = diffNft(none, inputDrop);
  const witnesses = changedWitnesses(r);
  // measured: a drop in input counts the node's own datagram to 127.255.255.255
  assert.ok(
    witnesses.some((w) => w.path === 'local' && w.dst === '127.255.255.255'),
    JSON.stringify(witnesses),
  );
  // with the node's model (locality known): the same drop in ksvc's own filter-input is a difference
  const edited = doc([...commands(), rule('filter-input', daddr('127.255.255.255'), udp9999, { drop: null })]);
  assert.equal(verify(edited).equivalent, false);
});

test('IPv6 MASQUERADE of a packet to ::1 keeps ::1 as its source: a test of ::1 after it is not decided as false', () => {
  const t6 = { family: 'ip6', table: 'kube-proxy' };
  const base = [
    { add: { table: { family: 'ip6', name: 'kube-proxy' } } },
    { add: { chain: { ...t6, name: 'n', type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' } } },
    { add: { chain: { ...t6, name: 'f', type: 'filter', hook: 'postrouting', prio: 200, policy: 'accept' } } },
    { add: { rule: { ...t6, chain: 'n', expr: [{ masquerade: null }] } } },
  ];
  const dropLoopback = {
    add: {
      rule: {
        ...t6,
        chain: 'f',
        expr: [
          { match: { op: '==', left: { payload: { protocol: 'ip6', field: 'saddr' } }, right: '::1' } },
          { drop: null },
        ],
      },
    },
  };
  const r = diffNft(JSON.stringify({ nftables: base }), JSON.stringify({ nftables: [...base, dropLoopback] }));
  // measured: the kernel drops the node's datagram to ::1 (before, "same routing")
  assert.ok(
    r.runs.some((run) => run.report?.equivalent === false) ||
      r.diagnostics.some((d) => d.message.includes('a source test after MASQUERADE')),
    JSON.stringify(r.diagnostics.map((d) => d.message)),
  );
});

test('an IPv6 packet for ::1 arriving on an interface is no packet the rules see (the kernel drops it first)', () => {
  const t6 = { family: 'ip6', table: 'kube-proxy' };
  const base = [
    { add: { table: { family: 'ip6', name: 'kube-proxy' } } },
    { add: { chain: { ...t6, name: 'p', type: 'filter', hook: 'prerouting', prio: 0, policy: 'accept' } } },
  ];
  const dropArrivingLoopback = {
    add: {
      rule: {
        ...t6,
        chain: 'p',
        expr: [
          { match: { op: '!=', left: { meta: { key: 'iifname' } }, right: 'lo' } },
          { match: { op: '==', left: { payload: { protocol: 'ip6', field: 'daddr' } }, right: '::1' } },
          { drop: null },
        ],
      },
    },
  };
  // measured: such a packet counts in Ip6InReceives but never reaches a prerouting chain at -400
  assert.ok(
    sameRouting(JSON.stringify({ nftables: base }), JSON.stringify({ nftables: [...base, dropArrivingLoopback] })),
  );
});

test.run();
