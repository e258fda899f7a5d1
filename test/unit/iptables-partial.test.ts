// kube-proxy's partial restores (backends/iptables/partial.ts), step by step as kube-proxy's own
// TestSyncProxyRulesRepeated (pkg/proxy/iptables/proxier_test.go) takes them: which service
// chains each restore declares and which it deletes, by kube-proxy's hashed names; and, for every
// step, that a node holding the previous rules and given the partial restore holds exactly the
// next rules — applied here with iptables-restore --noflush's semantics (a declared chain is
// flushed, an undeclared one keeps its rules, -X deletes), independently of the backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables, compileIptablesPartial } from '../../api/iptables.ts';
import { editedVersions, program, restore, STEPS, SVC1, SVC2, svc3 } from './partial-steps.ts';

const declaredServiceChains = (text: string) =>
  [...text.matchAll(/^:(KUBE-(?:SVC|SVL|EXT|FW|SEP)-\S+) /gm)].map((m) => m[1]).sort();
const deletedChains = (text: string) => [...text.matchAll(/^-X (\S+)$/gm)].map((m) => m[1]).sort();

test("kube-proxy's repeated syncs: the same chains declared and deleted, and the node ends as a full restore leaves it", () => {
  let previous = program(SVC1, SVC2);
  let node = restore(new Map(), compileIptables(previous), false);
  for (const step of STEPS) {
    const next = program(...step.services);
    const partial = compileIptablesPartial(previous, next);
    assert.equal(declaredServiceChains(partial.text), step.declares, step.what);
    assert.equal(deletedChains(partial.text), step.deletes, step.what);
    // as kube-proxy writes them: the -X lines before the tail-call to KUBE-NODEPORTS, the last rule
    const nat = partial.text.slice(partial.text.indexOf('*nat')).trimEnd().split('\n');
    const lastX = nat.findLastIndex((l) => l.startsWith('-X '));
    if (lastX >= 0) assert.match(nat[lastX + 1]!, / -j KUBE-NODEPORTS$/, step.what);
    assert.match(nat.at(-2)!, /^-A KUBE-SERVICES .* -j KUBE-NODEPORTS$/, step.what);
    // always whole: the filter table and nat's own chains
    for (const chain of ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']) {
      assert.match(partial.text, new RegExp(`^:${chain} - \\[0:0\\]$`, 'm'), `${step.what}: ${chain}`);
    }
    node = restore(node, partial.text, true);
    assert.equal(node, restore(new Map(), compileIptables(next), false), step.what);
    previous = next;
  }
});

test('localhost NodePorts turned off strands KUBE-FIREWALL (no restore can delete it); turned on, it is unhooked', () => {
  const on = program(SVC1);
  const off: typeof on = { ...on, localhostNodePorts: false };
  assert.ok(on.localhostNodePorts);
  assert.equal(compileIptablesPartial(on, off).stranded, ['KUBE-FIREWALL']);
  assert.equal(compileIptablesPartial(off, on).stranded, []);
  assert.equal(compileIptablesPartial(on, on).stranded, []);
  // turned on, KUBE-FIREWALL is added and no hook rule jumps to it: unhooked
  assert.equal(compileIptablesPartial(off, on).unhooked, ['KUBE-FIREWALL']);
  assert.equal(compileIptablesPartial(on, off).unhooked, []);
  assert.equal(compileIptablesPartial(on, on).unhooked, []);
});

test('the same rules give an empty rewrite; reordered services and endpoints too', () => {
  const a = program(SVC1, SVC2, svc3('10.0.3.2, 10.0.3.3'));
  const b = program(svc3('10.0.3.3, 10.0.3.2'), SVC2, SVC1);
  const p = compileIptablesPartial(a, b);
  assert.equal(p.rewritten, []);
  assert.equal(p.deleted, []);
  assert.is(p.services, 3);
  assert.equal(declaredServiceChains(p.text), []);
  assert.equal(
    restore(restore(new Map(), compileIptables(a), false), p.text, true),
    restore(new Map(), compileIptables(b), false),
  );
});

test('crossing 1,000 endpoints turns every comment off: every service is rewritten, and the node ends as NEW leaves it', () => {
  // kube-proxy's TestSyncProxyRulesLargeClusterMode: 499 + 499 endpoints, then svc3's three more.
  // kube-proxy rewrites svc3 alone there and leaves the others' comments (README, "A partial restore")
  const many = (ns: string, vip: string, net: number) =>
    `service ${ns} {\n  p80: ClusterIP ${vip}:80/tcp -> endpoints\n  endpoints ${Array.from(
      { length: 499 },
      (_, i) => `10.${net}.${i >> 7}.${(i & 127) + 1}`,
    ).join(', ')}\n}\n`;
  const [a, b] = [many('ns1/svc1', '172.30.0.41', 1), many('ns2/svc2', '172.30.0.42', 2)];
  const before = program(a, b);
  const after = program(a, b, svc3('203.0.113.4, 203.0.113.8, 203.0.113.12'));
  assert.ok(!before.largeCluster && after.largeCluster);
  const p = compileIptablesPartial(before, after);
  assert.is(p.rewritten.length, 3);
  assert.not.match(p.text, /^-A KUBE-SEP-\S+ -m comment/m);
  assert.match(compileIptables(before), /^-A KUBE-SEP-\S+ -m comment/m);
  assert.equal(
    restore(restore(new Map(), compileIptables(before), false), p.text, true),
    restore(new Map(), compileIptables(after), false),
  );
});

test('random models, up to three random edits: the partial restore leaves the node as a full restore of the new version', () => {
  let rewrites = 0;
  for (const v of editedVersions(60)) {
    const partial = compileIptablesPartial(v.before, v.after);
    rewrites += partial.rewritten.length;
    assert.equal(
      restore(restore(new Map(), compileIptables(v.before), false), partial.text, true),
      restore(new Map(), compileIptables(v.after), false),
      v.label,
    );
  }
  // the edits do change services (not a property that holds by writing nothing)
  assert.ok(rewrites >= 20, `${rewrites} services rewritten`);
});

test.run();
