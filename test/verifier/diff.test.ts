// The semantic diff (api/diff.ts): two versions of a cluster compiled for a node, read back and
// compared by the verifier's engine. Edits that route every packet the same way — though the
// rulesets differ byte for byte — are no change; every edit that changes routing is found, with
// the distributions it changes and the service ports it addresses; both backends find the same
// changes (they are proven equivalent, so any other result is a bug in the diff).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type DiffOptions, diffArtifacts, diffRouting, type RoutingChange } from '../../api/diff.ts';
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import type { Family } from '../../common/ip.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';

const EVERYTHING = readFileSync('examples/everything.ksvc', 'utf8');

function irOf(text: string, family: Family = 'ipv4', node = 'node-a'): IRProgram {
  const checked = check(parse(text, { file: 'v.ksvc' }));
  assert.ok(checked.model, JSON.stringify(checked.diagnostics));
  return lower(checked.model!, { node, family }).programs[0]!;
}

function diff(oldText: string, newText: string, options: DiffOptions = {}, family: Family = 'ipv4') {
  const r = diffRouting(irOf(oldText, family), irOf(newText, family), options);
  assert.equal(r.diagnostics, []);
  assert.ok(r.run.report, 'checked');
  assert.equal(r.run.report!.comparisons, ['old=new']);
  // the coverage self-check: the classes cover every packet once
  assert.equal(r.run.report!.stats.packets, r.run.report!.stats.universe);
  return r.run;
}

/** A change as a comparable signature: its service ports and both outcome lists. */
const signature = (c: RoutingChange) =>
  JSON.stringify({
    old: c.servicePorts.old.map((p) => p.servicePortName),
    new: c.servicePorts.new.map((p) => p.servicePortName),
    d: Object.fromEntries(
      Object.entries(c.counterexample.distributions).map(([k, d]) => [
        k,
        d.map((o) => `${o.outcome} ${o.p.num}/${o.p.den}`).sort(),
      ]),
    ),
  });

/** `text` with one exact piece replaced (the piece must occur). */
function edit(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the example holds ${from}`);
  return text.replace(from, to);
}

const PLACEHOLDER = `# A ClusterIP without endpoints (kube-proxy rejects its traffic).
service default/placeholder {
  web:     ClusterIP 10.32.0.50:80/tcp   -> endpoints:8080
  metrics: ClusterIP 10.32.0.50:9090/tcp -> endpoints:metrics
}
`;

test('the same file, both families and both backends: no change', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    for (const backend of ['iptables', 'nftables'] as const) {
      const run = diff(EVERYTHING, EVERYTHING, { backend }, family);
      assert.ok(run.report!.equivalent, `${family} ${backend}`);
      assert.equal(run.changes, []);
      assert.is(run.servicePorts.old, run.servicePorts.new);
    }
  }
});

test('services and endpoints reordered, a port renamed: the iptables text changes, the routing does not', () => {
  // ksvc writes services and endpoints in kube-proxy's order whatever the file's; a renamed port
  // renames its chains (the hash of its name) and comments, and routes the same
  const moved = (PLACEHOLDER + edit(EVERYTHING, PLACEHOLDER, ''))
    .replace(
      '  endpoints 10.64.1.10 on node-a, 10.64.2.10 on node-b',
      '  endpoints 10.64.2.10 on node-b, 10.64.1.10 on node-a',
    )
    .replaceAll('  dns-tcp: ClusterIP', '  dnstcp:  ClusterIP');
  assert.is.not(compileIptables(irOf(moved)), compileIptables(irOf(EVERYTHING)), 'the rulesets differ as text');
  for (const backend of ['iptables', 'nftables'] as const) {
    const run = diff(EVERYTHING, moved, { backend });
    assert.ok(run.report!.equivalent, `${backend}: ${run.changes.map(signature).join('\n')}`);
  }
});

test('an endpoint added: the service port`s split changes from 1 to 1/2 + 1/2, named', () => {
  const added = edit(
    EVERYTHING,
    '  endpoints 10.64.3.20 on node-c',
    '  endpoints 10.64.3.20 on node-c, 10.64.3.21 on node-c',
  );
  const run = diff(EVERYTHING, added);
  assert.not.ok(run.report!.equivalent);
  assert.ok(run.changes.length > 0);
  for (const c of run.changes) {
    assert.equal(
      c.servicePorts.new.map((p) => p.servicePortName),
      ['telecom/signalling:sigtran'],
    );
    assert.equal(c.servicePorts.old, c.servicePorts.new);
    const [oldD, newD] = [c.counterexample.distributions.old!, c.counterexample.distributions.new!];
    assert.is(oldD.length, 1);
    assert.match(oldD[0]!.outcome, /dnat 10\.64\.3\.20:2905/);
    assert.equal(newD.map((o) => [o.outcome.match(/dnat (\S+)/)![1], `${o.p.num}/${o.p.den}`]).sort(), [
      ['10.64.3.20:2905', '1/2'],
      ['10.64.3.21:2905', '1/2'],
    ]);
  }
  assert.equal(
    run.summary.map((x) => [x.servicePortName, x.endpointsAdded, x.endpointsRemoved, x.kinds]),
    [['telecom/signalling:sigtran', ['10.64.3.21:2905'], [], ['endpoints', 'probabilities']]],
  );
  // the witness is addressed to the service: its cluster IP and port, or its NodePort
  const first = run.changes[0]!.counterexample.witness;
  assert.is(first.protocol, 'sctp');
  assert.ok((first.dst === '10.32.0.40' && first.dport === 2905) || first.dport === 32005, JSON.stringify(first));
});

test('endpoints given to a service without any: reject becomes DNAT', () => {
  const served = edit(
    EVERYTHING,
    '  metrics: ClusterIP 10.32.0.50:9090/tcp -> endpoints:metrics\n',
    '  metrics: ClusterIP 10.32.0.50:9090/tcp -> endpoints:metrics\n  endpoints 10.64.1.30 on node-a ports metrics=9100\n',
  );
  const run = diff(EVERYTHING, served);
  // the endpoint serves both ports: 'web' targets port 8080 by number, 'metrics' by name
  const names = new Set(run.changes.flatMap((c) => c.servicePorts.new.map((p) => p.servicePortName)));
  assert.equal([...names].sort(), ['default/placeholder:metrics', 'default/placeholder:web']);
  for (const x of run.summary) {
    assert.equal(x.verdicts?.new, ['accept'], JSON.stringify(x));
    assert.ok(x.verdicts?.old.includes('reject'), JSON.stringify(x));
    assert.equal(x.endpointsAdded, [
      x.servicePortName === 'default/placeholder:web' ? '10.64.1.30:8080' : '10.64.1.30:9100',
    ]);
  }
  for (const c of run.changes) {
    const { old: o, new: n } = c.counterexample.distributions;
    assert.ok(
      // rejected, or passed on unDNATed (a packet already marked for masquerade: KUBE-FORWARD
      // accepts it before the reject, as in kube-proxy)
      o!.every((x) => !/dnat/.test(x.outcome)) &&
        o!.some((x) => /^reject/.test(x.outcome)) === !c.counterexample.witness.mark,
      `${o!.map((x) => x.outcome).join('; ')} -> ${n!.map((x) => x.outcome).join('; ')}`,
    );
    const port = c.counterexample.witness.dport === 80 ? 8080 : 9100;
    assert.ok(
      n!.every((x) => x.outcome.includes(`dnat 10.64.1.30:${port}`)),
      n!.map((x) => x.outcome).join('; '),
    );
  }
});

test('a service removed: its traffic changes, named on the old side only', () => {
  const removed = edit(
    EVERYTHING,
    `service shop/cart {
  ClusterIP 10.32.0.30:8080/tcp -> endpoints
  internalTrafficPolicy local
  endpoints 10.64.1.10 on node-a, 10.64.2.10 on node-b
}
`,
    '',
  );
  const run = diff(EVERYTHING, removed);
  assert.ok(run.changes.length > 0);
  assert.is(run.servicePorts.old! - run.servicePorts.new!, 1);
  assert.equal(
    run.summary.map((x) => [x.servicePortName, x.endpointsAdded, x.endpointsRemoved]),
    [['shop/cart', [], ['10.64.1.10:8080']]],
  );
  for (const c of run.changes) {
    assert.equal(
      c.servicePorts.old.map((p) => p.servicePortName),
      ['shop/cart'],
    );
    assert.equal(c.servicePorts.new, []);
    assert.ok(c.counterexample.distributions.old!.some((o) => /dnat 10\.64\.1\.10:8080/.test(o.outcome)));
    assert.ok(c.counterexample.distributions.new!.every((o) => !/dnat/.test(o.outcome)));
  }
});

test('two ports changed the same way: each is named (changes are told apart by frontend)', () => {
  // kube-dns's two ports lose their endpoints: both went to 10.64.1.7:53, both are rejected now
  const gone = edit(
    EVERYTHING,
    `  endpoints 10.64.1.7 on node-a,
            fd00:64:0:1::7 on node-a,
            10.64.2.7 on node-b serving not-ready,
            fd00:64:0:2::7 on node-b
`,
    '',
  );
  const run = diff(EVERYTHING, gone);
  assert.equal(run.summary.map((x) => [x.servicePortName, x.endpointsRemoved]).sort(), [
    ['kube-system/kube-dns:dns', ['10.64.1.7:53']],
    ['kube-system/kube-dns:dns-tcp', ['10.64.1.7:53']],
  ]);
  // past --max-changes the rest are counted, not dropped unseen
  const capped = diff(EVERYTHING, gone, { maxChanges: 1 });
  assert.is(capped.changes.length, 1);
  assert.is(capped.report!.stats.differences, run.changes.length);
});

test('session affinity dropped: only the affine service changes; both backends find the same changes', () => {
  const plain = edit(EVERYTHING, '  sessionAffinity clientIP 600\n', '');
  const byBackend = (['iptables', 'nftables'] as const).map((backend) => {
    const run = diff(EVERYTHING, plain, { backend });
    assert.not.ok(run.report!.equivalent, backend);
    const names = new Set(
      run.changes.flatMap((c) => [...c.servicePorts.old, ...c.servicePorts.new].map((p) => p.servicePortName)),
    );
    assert.equal([...names].sort(), ['shop/storefront:http', 'shop/storefront:https']);
    // somewhere the old version writes or follows an affinity record and the new one does not
    assert.ok(run.changes.some((c) => c.counterexample.distributions.old!.some((o) => /affinity/.test(o.outcome))));
    return run.changes.map(signature).sort();
  });
  assert.equal(byBackend[0], byBackend[1]);
});

test('a narrower masquerade range: cluster IPs masquerade differently; eTP=Local pods become outsiders', () => {
  const narrower = edit(EVERYTHING, 'masq from outside 10.64.0.0/16', 'masq from outside 10.64.0.0/17');
  const run = diff(EVERYTHING, narrower);
  assert.ok(run.changes.length > 0);
  const strip = (o: string) => o.replace(/ masquerade\S*/g, '');
  const choices = (d: readonly { outcome: string; p: { num: bigint; den: bigint } }[]) =>
    d.map((x) => `${strip(x.outcome)} ${x.p.num}/${x.p.den}`).sort();
  let clusterIPChanges = 0;
  let localPolicyChanges = 0;
  for (const c of run.changes) {
    const { witness: w, distributions: d } = c.counterexample;
    // only sources the old range holds and the new one does not (10.64.128.0/17) change
    assert.match(w.src, /^10\.64\.(12[89]|1[3-9]\d|2\d\d)\./);
    if (w.dst.startsWith('10.32.')) {
      // to a cluster IP: the same endpoints with the same probabilities, masqueraded now
      clusterIPChanges++;
      assert.equal(choices(d.old!), choices(d.new!));
      assert.ok(d.new!.some((o) => /masquerade/.test(o.outcome)) && !d.old!.some((o) => /masquerade/.test(o.outcome)));
    }
    if (w.dst === '192.168.99.22' && w.dport === 80) {
      // storefront's eTP=Local external IP: a pod source went to any endpoint; an outsider goes
      // to the node's own (10.64.1.5 on node-a)
      localPolicyChanges++;
      assert.ok(
        d.new!.every((o) => o.outcome.includes('dnat 10.64.1.5:8080')),
        JSON.stringify(choices(d.new!)),
      );
    }
  }
  assert.ok(clusterIPChanges > 0 && localPolicyChanges > 0, `${clusterIPChanges} ${localPolicyChanges}`);
  // every service port with a change is known, also when only one change is shown
  const names = run.summary.map((x) => x.servicePortName).sort();
  assert.equal(names, [
    'kube-system/kube-dns:dns',
    'kube-system/kube-dns:dns-tcp',
    'shop/cart',
    'shop/storefront:http',
    'shop/storefront:https',
  ]);
  assert.equal(
    run.changedServicePorts.map((p) => p.servicePortName),
    names,
  );
  const capped = diff(EVERYTHING, narrower, { maxChanges: 1 });
  assert.is(capped.changes.length, 1);
  // the summary covers the changes not shown as well: the same as with every change shown
  const byName = (xs: typeof run.summary) =>
    [...xs].sort((a, b) => ((a.servicePortName ?? '') < (b.servicePortName ?? '') ? -1 : 1));
  assert.equal(byName(capped.summary), byName(run.summary));
  assert.equal(
    capped.changedServicePorts.map((p) => p.servicePortName),
    names,
  );
});

test('the node readdressed: locality is left free and the report says why', () => {
  const moved = edit(EVERYTHING, 'address 192.168.10.11, fd00:10::11', 'address 192.168.10.21, fd00:10::11');
  const run = diff(EVERYTHING, moved);
  assert.is(run.report!.locality, 'universal');
  assert.ok(
    run.report!.notes.some((n) => /addresses differ between the versions/.test(n)),
    run.report!.notes.join('\n'),
  );
});

test('rulesets as given: the same changes as from the models; families one side lacks are named', () => {
  const added = edit(
    EVERYTHING,
    '  endpoints 10.64.3.20 on node-c',
    '  endpoints 10.64.3.20 on node-c, 10.64.3.21 on node-c',
  );
  const text = (t: string, family: Family = 'ipv4') => ({ text: compileIptables(irOf(t, family)), file: `${family}` });
  const r = diffArtifacts({ backend: 'iptables', old: text(EVERYTHING), new: text(added) });
  assert.equal(r.diagnostics, []);
  assert.is(r.runs.length, 1);
  const run = r.runs[0]!;
  assert.is(run.report!.locality, 'universal');
  assert.equal(run.servicePorts, { old: null, new: null });
  assert.ok(run.changes.length > 0 && run.changes.every((c) => c.servicePorts.new.length === 0));
  // every change the model diff finds, an outcome change of the same kind (no names, and the
  // classes split by locality as well)
  const outcomes = (changes: RoutingChange[]) =>
    new Set(changes.map((c) => JSON.stringify(c.counterexample.distributions.new!.map((o) => o.outcome).sort())));
  const fromModels = diff(EVERYTHING, added, {}, 'ipv4');
  for (const o of outcomes(fromModels.changes)) assert.ok(outcomes(run.changes).has(o), o);
  const crossed = diffArtifacts({ backend: 'iptables', old: text(EVERYTHING), new: text(EVERYTHING, 'ipv6') });
  // a family one side has no rules for is compared with no rules: the rules of the other side are
  // all changes (a review: an nft ip6 table removed was reported as the same routing, exit 0)
  assert.equal(
    crossed.runs.map((x) => [x.family, x.changes.length > 0]),
    [
      ['ipv4', true],
      ['ipv6', true],
    ],
  );
  assert.equal(
    crossed.diagnostics.map((d) => [d.code, d.severity, d.message.split(':')[0]]),
    [
      ['diff-family-missing', 'warning', 'the new ruleset has no ipv4 rules'],
      ['diff-family-missing', 'warning', 'the old ruleset has no ipv6 rules'],
    ],
  );
});

test('past the changes counted, the count is a lower bound and says so (stats.differencesCapped)', () => {
  const edited = EVERYTHING.replace('masq bit 14', 'masq bit 13');
  assert.ok(edited !== EVERYTHING, 'the example sets its masquerade bit');
  const all = diff(EVERYTHING, edited, { maxChanges: 1 });
  const found = all.report!.stats.differences;
  assert.ok(found > 3, `${found} distinct changes`);
  assert.is(all.report!.stats.differencesCapped, false);
  const capped = diff(EVERYTHING, edited, { maxChanges: 1, changesCounted: 2 });
  assert.is(capped.report!.stats.differencesCapped, true);
  assert.is(capped.report!.stats.differences, 3);
});

test('the summary does not depend on how many changes are printed (--max-changes): every change is named alike', () => {
  const edited = EVERYTHING.replace('masq bit 14', 'masq bit 13');
  const summary = (maxChanges: number) =>
    diff(EVERYTHING, edited, { maxChanges }).summary.map((s) => `${s.servicePortName} ${s.changes} ${s.classes}`);
  const all = summary(1000);
  assert.ok(all.length > 3, all.join('; '));
  assert.equal(summary(1), all);
  assert.equal(summary(20), all);
});

test.run();
