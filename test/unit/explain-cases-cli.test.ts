// `ksvc explain` output: the cases of a packet whose outcome depends on what its fields leave open
// (text and json), the defaults it assumed for options not given, the local addresses, nft rules
// in nft syntax, one line per statistic rule, and --from pod on the model's pod interface.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileWeb, ksvc, section, WEB, WEB_PACKET, write } from './verify-cli-support.ts';

const NODEPORT = ['--src', '203.0.113.7', '--dst', '192.168.10.11', '--proto', 'tcp', '--dport', '30080'];

test('artifacts without a model: a NodePort packet shows both cases of its destination, text and json', async () => {
  const files = await compileWeb();
  const r = await ksvc('explain', '--iptables', files.iptables, '--nft', files.nft, ...NODEPORT);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^local addresses: not known \(no model\)/m);
  assert.match(r.stdout, /^2 cases: the outcome depends on something the packet does not fix$/m);
  const [, local, remote] = r.stdout.split(/^(?=case \d of 2: )/m);
  assert.match(local!, /^case 1 of 2: if the destination 192\.168\.10\.11 is a local address of the node$/m);
  assert.match(remote!, /^case 2 of 2: if the destination 192\.168\.10\.11 is not a local address of the node$/m);
  for (const name of ['iptables', 'nftables']) {
    assert.match(section(local!, name), /accept dnat 10\.64\.1\.1:8080 masquerade-fully-random/);
    assert.match(section(remote!, name), /^ {2}1 +accept mark 0x0$/m);
    assert.not.match(section(remote!, name), /dnat/);
  }

  const json = await ksvc('explain', '--iptables', files.iptables, '--nft', files.nft, ...NODEPORT, '--output', 'json');
  assert.is(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.is(doc.locality.mode, 'universal');
  assert.equal(
    doc.cases.map((k: { conditions: string[] }) => k.conditions),
    [
      ['the destination 192.168.10.11 is a local address of the node'],
      ['the destination 192.168.10.11 is not a local address of the node'],
    ],
  );
  assert.is(doc.results, undefined, 'no single result for a packet with two cases');
  assert.is(doc.cases[0].results.iptables.length, 3);
  assert.equal(
    doc.cases[1].results.nftables.map((o: { outcome: string }) => o.outcome),
    ['accept mark 0x0'],
  );
});

test('with the model the node address is local: one case, the local addresses said, json results as before', async () => {
  const r = await ksvc('explain', WEB, ...NODEPORT, '--output', 'json');
  assert.is(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.is(doc.cases.length, 1);
  assert.equal(doc.cases[0].conditions, []);
  assert.equal(doc.results, doc.cases[0].results);
  const text = await ksvc('explain', WEB, ...NODEPORT);
  assert.match(text.stdout, /^local addresses: 192\.168\.10\.11, 127\.0\.0\.0\/8$/m);
  assert.not.match(text.stdout, /^case /m);
});

test('the defaults assumed for options not given are printed; given ones are not', async () => {
  const r = await ksvc('explain', WEB, ...NODEPORT);
  assert.match(
    r.stdout,
    /^assumed \(not given\): --from external, --sport 40000, --iface eth0, --mark 0x0, --ct new, --affinity none/m,
  );
  const given = await ksvc(
    'explain',
    WEB,
    ...NODEPORT,
    '--sport',
    '33000',
    '--iface',
    'ens3',
    '--mark',
    '0',
    '--ct',
    'new',
  );
  const line = given.stdout.split('\n').find((l) => l.startsWith('assumed'))!;
  assert.is(line, 'assumed (not given): --from external, --affinity none (no session-affinity record)');
  const json = JSON.parse((await ksvc('explain', WEB, ...NODEPORT, '--from', 'external', '--output', 'json')).stdout);
  assert.equal(
    json.assumed.map((a: { option: string }) => a.option),
    ['--sport', '--iface', '--mark', '--ct', '--affinity'],
  );
});

test('traces: nft rules in nft syntax at their JSON path; a statistic rule once per path', async () => {
  const r = await ksvc('explain', WEB, ...WEB_PACKET);
  assert.is(r.code, 0, r.stderr);
  const nft = section(r.stdout, 'nftables');
  assert.match(
    nft,
    /<nftables, node node-a>\/nftables\/\d+\/add\/rule {2}add rule ip kube-proxy nat-prerouting jump services$/m,
  );
  assert.match(
    nft,
    /add rule ip kube-proxy \S+ meta random & 2147483647 < 715827883 dnat to \(.* map @\S+\):8080 {2}\[random choice taken/,
  );
  assert.not.match(nft, /\{"/, 'no raw JSON');
  const ipt = section(r.stdout, 'iptables');
  const paths = ipt.split(/^ {2}\S/m).slice(1);
  assert.is(paths.length, 3);
  for (const p of paths) {
    const statistic = p.split('\n').filter((l) => l.includes('--mode random'));
    assert.ok(statistic.length <= 1, `a statistic rule listed ${statistic.length} times:\n${p}`);
  }
  assert.match(
    ipt,
    /--probability 0\.3333333333 -j KUBE-SEP-\S+ {2}\[random choice taken \(p = 715827883\/2\^31\); jump\]/,
  );
});

test('--from pod without --iface: the pod interface when the model detects pods by interface', async () => {
  const pod = ['--src', '10.64.1.9', '--dst', '10.32.0.20', '--proto', 'tcp', '--dport', '80', '--from', 'pod'];
  const bridge = ['--detect-local-mode', 'BridgeInterface', '--pod-bridge-interface', 'cbr0'];
  const r = await ksvc('explain', WEB, ...pod, ...bridge);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^packet: tcp 10\.64\.1\.9:40000 -> 10\.32\.0\.20:80, arriving on cbr0,/);
  assert.match(r.stdout, /--iface cbr0/);
  // not masqueraded: the bridge says it comes from a pod
  for (const name of ['iptables', 'nftables', 'ir']) assert.not.match(section(r.stdout, name), /masquerade/);
  const prefix = await ksvc(
    ...['explain', WEB, ...pod, '--detect-local-mode', 'InterfaceNamePrefix', '--pod-interface-name-prefix', 'veth'],
  );
  assert.match(prefix.stdout, /arriving on veth0,/);
  // --iface given, or a CIDR detector: as given / eth0
  assert.match((await ksvc('explain', WEB, ...pod, ...bridge, '--iface', 'eth1')).stdout, /arriving on eth1,/);
  assert.match((await ksvc('explain', WEB, ...pod)).stdout, /arriving on eth0,/);
});

test('a chain of 5,000 statistic rules is walked without a call per rule (it overflowed the stack)', async () => {
  // a service with thousands of endpoints is this chain; each rule not taken went one call deeper
  const rules = '-A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j RETURN\n'.repeat(5000);
  const file = write(
    'statistic-chain.restore',
    `*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-X - [0:0]\n-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-X\n${rules}COMMIT\n`,
  );
  const r = await ksvc(
    'explain',
    '--iptables',
    file,
    '--src',
    '10.0.0.5',
    '--dst',
    '10.96.0.1',
    '--proto',
    'tcp',
    '--dport',
    '80',
  );
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}1 +accept mark 0x0$/m);
});

test.run();
