// Proofs of updates (api/update.ts): a correct update is proven; one with a command left out or
// changed is not, with what differs. And the text-level model of iptables-restore
// (verifier/iptables/restore-state.ts) fails where iptables-restore fails.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptablesPartial } from '../../api/iptables.ts';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftablesDelta } from '../../api/nftables.ts';
import { proveIptablesPartial, proveNftablesDelta } from '../../api/update.ts';
import { applyRestore } from '../../verifier/iptables/restore-state.ts';

const EVERYTHING = readFileSync('examples/everything.ksvc', 'utf8');
const SIGNALLING = '  endpoints 10.64.3.20 on node-c\n';
const programs = (text: string, family?: 'ipv4') =>
  lower(load(text).model!, { node: 'node-a', ...(family ? { family } : {}) }).programs;
const [OLD4, NEW4] = [
  programs(EVERYTHING, 'ipv4')[0]!,
  programs(EVERYTHING.replace(SIGNALLING, '  endpoints 10.64.3.21 on node-c\n'), 'ipv4')[0]!,
];

test('iptables: the partial restore is proven; without its -X or with a rule dropped it is not', () => {
  const partial = compileIptablesPartial(OLD4, NEW4).text;
  assert.equal(proveIptablesPartial(OLD4, NEW4, partial), { proven: true, difference: null });
  const deleted = /^-X (\S+)$/m.exec(partial)![1]!;
  const kept = proveIptablesPartial(OLD4, NEW4, partial.replace(`-X ${deleted}\n`, ''));
  assert.is(kept.proven, false);
  assert.match(kept.difference!, new RegExp(`chain ${deleted} only in the first`));
  const rule = partial.split('\n').find((l) => l.startsWith('-A KUBE-SVC-'))!;
  const dropped = proveIptablesPartial(OLD4, NEW4, partial.replace(`${rule}\n`, ''));
  assert.is(dropped.proven, false);
  assert.match(dropped.difference!, /rule \d+ differs/);
});

test('nftables: the delta is proven; with a command left out that matters it is not', () => {
  const [before, after] = [
    programs(EVERYTHING),
    programs(EVERYTHING.replace(SIGNALLING, '  endpoints 10.64.3.21 on node-c\n')),
  ];
  const delta = compileNftablesDelta(before, after)!.text;
  assert.equal(proveNftablesDelta(before, after, delta), { proven: true, difference: null });
  const lines = delta.split('\n');
  const without = (pick: (l: string) => boolean) => {
    const i = lines.findIndex(pick);
    assert.ok(i > 0, delta);
    return proveNftablesDelta(before, after, lines.filter((_, k) => k !== i).join('\n'));
  };
  // the old verdict of a key left in place: the new one cannot be added (nft would fail too)
  const kept = without((l) => l.startsWith('{"delete":{"element"') && l.includes('"dnat-cluster-ips-0"'));
  assert.is(kept.proven, false);
  assert.match(kept.difference!, /^the update does not read: element .* is added again with a different value/);
  // the new endpoint's hairpin entry left out: its hairpin traffic is no longer masqueraded
  const hairpin = without((l) => l.startsWith('{"add":{"element"') && l.includes('"hairpin"'));
  assert.is(hairpin.proven, false);
  assert.match(hairpin.difference!, /^ipv4: \S+ \S+ -> \S+ is routed differently after the update$/);
  // a stale hairpin entry (for an address no longer an endpoint) is unobservable: still proven
  const stale = without((l) => l.startsWith('{"delete":{"element"') && l.includes('"hairpin"'));
  assert.equal(stale, { proven: true, difference: null });
});

test('nftables: an update that leaves another table, or no longer a kube-proxy table, is not proven', () => {
  const [before, after] = [
    programs(EVERYTHING),
    programs(EVERYTHING.replace(SIGNALLING, '  endpoints 10.64.3.21 on node-c\n')),
  ];
  assert.equal(
    before.map((p) => p.family),
    ['ipv4', 'ipv6'],
  );
  const delta = JSON.parse(compileNftablesDelta(before, after)!.text) as { nftables: unknown[] };
  const withCommands = (...more: unknown[]) =>
    proveNftablesDelta(before, after, JSON.stringify({ nftables: [...delta.nftables, ...more] }));
  // a table no packet comparison reads (a review had one drop every arriving packet, proven)
  const evil = withCommands(
    { add: { table: { family: 'ip', name: 'evil' } } },
    {
      add: {
        chain: {
          family: 'ip',
          table: 'evil',
          name: 'pre',
          type: 'filter',
          hook: 'prerouting',
          prio: 0,
          policy: 'drop',
        },
      },
    },
  );
  assert.is(evil.proven, false);
  assert.match(evil.difference!, /\(add table\) is on table ip evil, not kube-proxy's/);
  // deleting another program's table or chain: the reader drops a delete of a table the document
  // lacks, and the kernel deletes it when it is there (a review, measured)
  for (const command of [
    { delete: { table: { family: 'inet', name: 'calico' } } },
    { delete: { chain: { family: 'inet', table: 'calico', name: 'x' } } },
    { flush: { ruleset: null } },
  ]) {
    const r = withCommands(command);
    assert.is(r.proven, false, JSON.stringify(command));
    assert.match(r.difference!, /not kube-proxy's: an update touches only kube-proxy's tables$/);
  }
  // the ip6 table deleted: the full output has it (and the next update's commands assume it)
  const gone = withCommands({ delete: { table: { family: 'ip6', name: 'kube-proxy' } } });
  assert.equal(gone, {
    proven: false,
    difference: 'table ip6 kube-proxy is in the full output and not after the update',
  });
  // an update without a leading metainfo: its first command is one (it was dropped as the metainfo)
  const first = proveNftablesDelta(
    before,
    before,
    JSON.stringify({ nftables: [{ delete: { table: { family: 'ip', name: 'kube-proxy' } } }] }),
  );
  assert.equal(first, {
    proven: false,
    difference: 'table ip kube-proxy is in the full output and not after the update',
  });
  // its commands numbered as written: the first is 1 without a metainfo, 2 after one
  const other = { add: { table: { family: 'ip', name: 'other' } } };
  for (const [commands, n] of [
    [[other], 1],
    [[delta.nftables[0], other], 2],
  ] as const) {
    const r = proveNftablesDelta(before, after, JSON.stringify({ nftables: commands }));
    assert.match(r.difference!, `command ${n} (add table) is on table ip other`);
  }
});

test('nftables: an update that is no command document is not proven, and nothing is thrown', () => {
  const before = programs(EVERYTHING);
  for (const text of ['{}', '[]', 'null', '{"nftables":5}', '', '{"nftables": [']) {
    assert.equal(
      proveNftablesDelta(before, before, text),
      { proven: false, difference: 'the update is not an nft JSON command document' },
      text,
    );
  }
});

test('nftables: a stamped delta is proven from the document of its previous version only', () => {
  const edited = (from: string, to: string) => {
    assert.ok(EVERYTHING.includes(from));
    return programs(EVERYTHING.replace(from, to));
  };
  const [before, after] = [programs(EVERYTHING), edited(SIGNALLING, '  endpoints 10.64.3.21 on node-c\n')];
  const delta = compileNftablesDelta(before, after, { stamp: true })!.text;
  assert.equal(proveNftablesDelta(before, after, delta, { stamp: true }), { proven: true, difference: null });
  // made from another version than the old document holds: nft refuses it, and so does the proof
  const other = edited(SIGNALLING, '  endpoints 10.64.3.22 on node-c\n');
  const refused = proveNftablesDelta(before, after, compileNftablesDelta(other, after, { stamp: true })!.text, {
    stamp: true,
  });
  assert.is(refused.proven, false);
  assert.match(refused.difference!, /^the update does not read: .*ksvc-version-[0-9a-f]{16}/);
});

test('nftables: an affinity timeout changed (the set re-created, the chains naming it refilled) is proven', () => {
  const [before, after] = [
    programs(EVERYTHING),
    programs(EVERYTHING.replace('sessionAffinity clientIP 600', 'sessionAffinity clientIP 700')),
  ];
  const delta = compileNftablesDelta(before, after)!;
  assert.ok(delta.stats.setsRemoved > 0, JSON.stringify(delta.stats));
  assert.equal(proveNftablesDelta(before, after, delta.text), { proven: true, difference: null });
});

test('the restore model fails where iptables-restore does', () => {
  const base = applyRestore(new Map(), '*nat\n:A - [0:0]\n:B - [0:0]\n-A A -j B\n-A B -j RETURN\nCOMMIT\n', false);
  assert.equal(base.problems, []);
  const problems = (text: string) => applyRestore(base.state, text, true).problems;
  assert.equal(problems('*nat\n-A C -j RETURN\nCOMMIT\n'), ['line 2: a rule for chain C, which does not exist']);
  assert.equal(problems('*nat\n-X B\nCOMMIT\n'), ['line 2: -X B, which still has rules']);
  assert.equal(problems('*nat\n:B - [0:0]\n-X B\nCOMMIT\n'), ['table nat: A jumps to B, which does not exist']);
  // --noflush keeps what a restore does not name; without it the table is replaced
  assert.equal(applyRestore(base.state, '*nat\n:C - [0:0]\nCOMMIT\n', true).state.get('nat')!.get('A'), ['-j B']);
  assert.is(applyRestore(base.state, '*nat\n:C - [0:0]\nCOMMIT\n', false).state.get('nat')!.has('A'), false);
  // builtin chains always exist: a rule can be added to one without declaring it, none deleted
  const hooks = applyRestore(new Map(), '*filter\n:KUBE-FIREWALL - [0:0]\n-A INPUT -j KUBE-FIREWALL\nCOMMIT\n', false);
  assert.equal(hooks.problems, []);
  assert.equal([...hooks.state.get('filter')!.keys()], ['INPUT', 'FORWARD', 'OUTPUT', 'KUBE-FIREWALL']);
  assert.equal(problems('*nat\n-X POSTROUTING\nCOMMIT\n'), ['line 2: -X POSTROUTING, a builtin chain']);
  // a builtin chain's line sets its policy only, with --noflush: its rules stay (measured with
  // iptables-nft 1.8.9; a review had a partial restore proven that left a hook jump twice)
  const input = '*filter\n:INPUT ACCEPT [0:0]\n:KUBE-FIREWALL - [0:0]\n-A INPUT -j KUBE-FIREWALL\nCOMMIT\n';
  const once = applyRestore(new Map(), input, true);
  const twice = applyRestore(once.state, input, true);
  assert.equal([...once.problems, ...twice.problems], []);
  assert.equal(twice.state.get('filter')!.get('INPUT'), ['-j KUBE-FIREWALL', '-j KUBE-FIREWALL']);
  assert.equal(twice.state.get('filter')!.get('KUBE-FIREWALL'), []);
  // a jump to a chain declared further down fails at the rule (measured: legacy "Couldn't load
  // target", nft "Chain ... does not exist"): a review had such a partial restore proven
  assert.equal(applyRestore(new Map(), '*filter\n-A INPUT -j KUBE-FW\n:KUBE-FW - [0:0]\nCOMMIT\n', true).problems, [
    'line 2: a rule jumps to KUBE-FW, which does not exist (yet)',
  ]);
  const rule = '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES';
  const partial = compileIptablesPartial(OLD4, NEW4).text.replace(
    '*nat\n',
    `*nat\n:PREROUTING ACCEPT [0:0]\n${rule}\n`,
  );
  assert.ok(partial.includes(rule));
  assert.is(proveIptablesPartial(OLD4, NEW4, partial).proven, false);
});

test('iptables: the proof compares the nodes with kube-proxy hook rules (localhost NodePorts turned on)', () => {
  // KUBE-FIREWALL is added, and the jumps to it from INPUT and OUTPUT are no restore's: without
  // the hooks both states lacked them and the update, which leaves the node without them, was proven
  const [off, on] = [false, true].map((localhostNodePorts) => ({ ...OLD4, localhostNodePorts }));
  const partial = compileIptablesPartial(off!, on!).text;
  const proof = proveIptablesPartial(off!, on!, partial);
  assert.is(proof.proven, false);
  assert.match(proof.difference!, /table filter, chain (INPUT|OUTPUT): rule \d+ differs \(none \/ -j KUBE-FIREWALL\)/);
  // the other updates keep being proven with the hooks (the first test), this one's problem is only them
  assert.equal(compileIptablesPartial(off!, on!).unhooked, ['KUBE-FIREWALL']);
});

test.run();
