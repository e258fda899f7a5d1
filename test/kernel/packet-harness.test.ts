// The packet harness itself: its parsing and classification (no root needed), the IR's expected
// outcomes for a few hand-checked probes, and — as root — proof that the differential test can fail: a ruleset
// with three deliberate faults (REJECT turned into DROP, a wrong DNAT port, a missing masquerade
// mark) must be reported, each at the cell it breaks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderIptables } from '../../backends/iptables/index.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { expectedFor } from './expected.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import { runDifferential } from './matrix.ts';
import { kernelTests } from './netns.ts';
import { CASES } from './packet-cases.ts';
import { classify, observationKey, type Probe, parseConntrackEntries } from './probe.ts';
import { planTopology } from './topology.ts';

const LIST = `tcp      6 117 SYN_SENT src=198.51.100.7 dst=10.32.0.10 sport=40001 dport=53 [UNREPLIED] src=10.64.1.7 dst=169.254.104.1 sport=53 dport=61234 mark=0 use=1
udp      17 29 src=10.64.1.7 dst=10.32.0.10 sport=40002 dport=53 [UNREPLIED] src=10.64.2.8 dst=10.64.1.7 sport=53 dport=40002 mark=0 use=1
conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.`;

const probe = (p: Partial<Probe>): Probe => ({
  proto: 'tcp',
  from: 'client',
  src: '198.51.100.7',
  sport: 40001,
  dst: '10.32.0.10',
  dport: 53,
  ...p,
});

test('conntrack -L lines parse into original and reply tuples', () => {
  const e = parseConntrackEntries(LIST);
  assert.is(e.length, 2);
  assert.equal(e[0], {
    proto: 'tcp',
    orig: { src: '198.51.100.7', dst: '10.32.0.10', sport: 40001, dport: 53 },
    reply: { src: '10.64.1.7', dst: '169.254.104.1', sport: 53, dport: 61234 },
  });
  assert.is(e[1]!.proto, 'udp');
});

test('classification: DNAT target, masquerade, reject, drop, local', () => {
  const [tcp, udp] = parseConntrackEntries(LIST);
  const local = ['172.16.1.35'];
  assert.is(observationKey(classify(probe({}), tcp, 'timeout', local)), 'dnat 10.64.1.7:53 masq');
  assert.is(
    observationKey(classify(probe({ proto: 'udp', src: '10.64.1.7', sport: 40002 }), udp, 'timeout', local)),
    'dnat 10.64.2.8:53',
  );
  assert.is(observationKey(classify(probe({}), undefined, 'refused', local)), 'reject');
  assert.is(observationKey(classify(probe({}), undefined, 'timeout', local)), 'drop');
  assert.is(observationKey(classify(probe({ proto: 'udp', from: 'node' }), undefined, 'eperm', local)), 'drop');
  const self = {
    proto: 'tcp',
    orig: { src: '198.51.100.7', dst: '172.16.1.35', sport: 1, dport: 30080 },
    reply: { src: '172.16.1.35', dst: '198.51.100.7', sport: 30080, dport: 1 },
  };
  const toSelf = probe({ sport: 1, dst: '172.16.1.35', dport: 30080 });
  assert.is(observationKey(classify(toSelf, self, 'connected', local)), 'local');
  // Node-originated traffic to the node is confirmed before filter INPUT: the entry alone is not delivery.
  assert.is(observationKey(classify({ ...toSelf, from: 'node' }, self, 'refused', local)), 'reject');
  assert.ok(observationKey(classify(probe({}), undefined, 'connected', local)).startsWith('odd'));
});

test('IR expectations for hand-checked probes of the basic case', () => {
  const c = CASES[0]!;
  const ir = lowerModel(c.model, { node: c.node, family: 'ipv4' }).programs[0]!;
  const plan = planTopology(ir);
  const outside = plan.sources.find((s) => s.label === 'client:outside')!.ip;
  const at = (p: Partial<Probe>) => expectedFor(ir, plan, probe({ src: outside, ...p }));
  assert.equal(at({ dst: '10.32.0.20', dport: 80 }).allowed, ['reject']);
  assert.equal(at({ dst: '10.32.0.159', dport: 8080 }).allowed.sort(), [
    'dnat 10.64.1.13:80 masq',
    'dnat 10.64.2.14:80 masq',
  ]);
  assert.equal(at({ dst: '10.32.0.159', dport: 8080, from: 'pods', src: '10.64.1.13' }).allowed.sort(), [
    'dnat 10.64.1.13:80 masq',
    'dnat 10.64.2.14:80',
  ]);
  assert.equal(at({ dst: '172.16.1.35', dport: 30081 }).allowed, ['reject']);
  assert.equal(at({ dst: '172.16.1.35', dport: 30999 }).allowed, ['local']);
  assert.equal(at({ dst: '10.99.0.1', dport: 80 }).allowed, ['forward']);
});

{
  const test = kernelTests('packet harness');
  test('the differential test reports injected faults at the cells they break', async () => {
    const c = CASES[0]!;
    const ir = lowerModel(c.model, { node: c.node, family: 'ipv4' }).programs[0]!;
    const good = renderIptables(ir, { format: 'restore', hooks: true });
    const faulty = good
      .split('\n')
      .filter((l) => !/^-A KUBE-EXT-\S+ .*-j KUBE-MARK-MASQ$/.test(l))
      .map((l) =>
        l.includes('"default/empty:http has no endpoints"') && l.startsWith('-A KUBE-SERVICES')
          ? l.replace(/-j REJECT$/, '-j DROP')
          : l,
      )
      .map((l) => l.replace('--to-destination 10.64.2.14:80', '--to-destination 10.64.2.14:81'))
      .join('\n');
    assert.is.not(faulty, good);
    const backends = [iptablesBackend(ir, faulty), nftablesBackend(ir)];
    const r = await runDifferential(ir, backends, { tag: 'hf', resampleRounds: 1 });
    const has = (list: string[], ...parts: string[]) => list.some((d) => parts.every((p) => d.includes(p)));
    assert.ok(
      has(r.disagreements, 'default/empty:http cluster', 'client:outside', 'iptables { drop'),
      'REJECT->DROP not reported',
    );
    assert.ok(
      has(r.irMismatches, 'iptables:', 'default/empty:http cluster', 'unexpected drop'),
      'REJECT->DROP not held against the IR',
    );
    assert.ok(has(r.disagreements, 'default/web:http cluster', '10.64.2.14:81'), 'wrong DNAT port not reported');
    assert.ok(
      has(r.irMismatches, 'iptables:', 'default/web:http nodeport 172.16.1.35', 'client:outside', 'unexpected'),
      'missing masquerade not reported',
    );
    assert.not.ok(
      r.irMismatches.some((d) => d.startsWith('nftables:')),
      `nftables blamed:\n${r.irMismatches.filter((d) => d.startsWith('nftables:')).join('\n')}`,
    );
  });
}

test.run();
