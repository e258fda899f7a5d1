// The reference evaluator, nat stage (docs/ir.md §3.1–§3.5): one test per rule — cluster IP
// balance, masquerade modes, hairpin, eTP=Local branches, load-balancer source ranges, NodePort
// destinations, session affinity.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import { concreteView } from '../../compiler/ir/packet.ts';
import type { IRServicePort } from '../../compiler/ir/types.ts';
import {
  cidr,
  endpoint,
  ip,
  NODE_IP,
  OUTSIDE,
  POD,
  packet,
  program,
  run,
  servicePort,
} from '../support/ir-fixtures.ts';

const A = endpoint('10.244.1.11', 8080);
const B = endpoint('10.244.1.12', 8080);
const C = endpoint('10.244.2.13', 8080);
const three = servicePort({ name: 'web', cluster: { endpoints: [A, B, C] } });
const dnat = (e: { hostPort: string }, rest = 'mark 0x0') => `accept dnat ${e.hostPort} ${rest}`;
const MASQ = 'masquerade-fully-random mark 0x0';

test('cluster IP: 1/N per endpoint; a pod source keeps its address, others are masqueraded', () => {
  const ir = program([three]);
  assert.equal(run(ir, packet({ src: POD, dst: '10.96.0.1' })), [`1/3 ${dnat(A)}`, `1/3 ${dnat(B)}`, `1/3 ${dnat(C)}`]);
  assert.equal(run(ir, packet({ dst: '10.96.0.1' })), [
    `1/3 ${dnat(A, MASQ)}`,
    `1/3 ${dnat(B, MASQ)}`,
    `1/3 ${dnat(C, MASQ)}`,
  ]);
  // Another port, protocol or address: no frontend.
  assert.equal(run(ir, packet({ dst: '10.96.0.1', dport: 81 })), ['1 accept mark 0x0']);
  assert.equal(run(ir, packet({ dst: '10.96.0.1', protocol: 'udp' })), ['1 accept mark 0x0']);
  assert.equal(run(ir, packet({ dst: '10.96.0.1', protocol: 'icmp', dport: 0 })), ['1 accept mark 0x0']);
});

test('internal masquerade: always, ifNotLocal per detector (cidr, interface, prefix), never; plain masquerade without random-fully', () => {
  const one = (o: Partial<IRServicePort>) => servicePort({ name: 'web', cluster: { endpoints: [A] }, ...o });
  assert.equal(run(program([one({ internalMasquerade: 'always' })]), packet({ src: POD, dst: '10.96.0.1' })), [
    `1 ${dnat(A, MASQ)}`,
  ]);
  const none = program([one({ internalMasquerade: 'never', localDetector: { kind: 'none' } })], {
    localDetector: { kind: 'none' },
  });
  assert.equal(run(none, packet({ dst: '10.96.0.1' })), [`1 ${dnat(A)}`]);
  const bridge = program([one({ localDetector: { kind: 'interface', name: 'cbr0' } })]);
  assert.equal(run(bridge, packet({ dst: '10.96.0.1', inInterface: 'cbr0' })), [`1 ${dnat(A)}`]);
  assert.equal(run(bridge, packet({ dst: '10.96.0.1', inInterface: 'cbr01' })), [`1 ${dnat(A, MASQ)}`]);
  const prefix = program([one({ localDetector: { kind: 'interfacePrefix', prefix: 'veth' } })]);
  assert.equal(run(prefix, packet({ dst: '10.96.0.1', inInterface: 'veth9' })), [`1 ${dnat(A)}`]);
  // The local path has no input interface: an interface detector says "not a pod" there.
  assert.equal(run(prefix, packet({ path: 'local', src: NODE_IP, dst: '10.96.0.1' })), [`1 ${dnat(A, MASQ)}`]);
  const plain = program([one({})], { environment: { nfacct: true, randomFully: false, conntrackLiberal: false } });
  assert.equal(run(plain, packet({ dst: '10.96.0.1' })), [`1 ${dnat(A, 'masquerade mark 0x0')}`]);
});

test('hairpin: an endpoint reaching itself through the service is masqueraded, only on that branch', () => {
  assert.equal(run(program([three]), packet({ src: B.ip, dst: '10.96.0.1' })), [
    `1/3 ${dnat(A)}`,
    `1/3 ${dnat(B, MASQ)}`,
    `1/3 ${dnat(C)}`,
  ]);
});

// eTP=Local: external IP 203.0.113.10 and NodePort 30080; C is this node's endpoint.
const localC = { ...C, isLocal: true };
const etpLocal = (o: Partial<IRServicePort> = {}) =>
  servicePort({
    name: 'lb',
    clusterIP: ip('10.96.0.2'),
    externalIPs: [ip('203.0.113.10')],
    nodePort: 30080,
    externalTrafficPolicy: 'Local',
    cluster: { endpoints: [A, localC] },
    local: { endpoints: [localC] },
    external: { ext: { policy: 'Local', shortCircuitPods: true, toLocal: true }, refuse: null },
    ...o,
  });

test('eTP=Local: pods short-circuit to the cluster set, LOCAL sources are masqueraded, others go to local endpoints', () => {
  const ir = program([etpLocal()]);
  assert.equal(run(ir, packet({ src: POD, dst: '203.0.113.10' })), [`1/2 ${dnat(A)}`, `1/2 ${dnat(localC)}`]);
  assert.equal(run(ir, packet({ path: 'local', src: NODE_IP, dst: '203.0.113.10' })), [
    `1/2 ${dnat(A, MASQ)}`,
    `1/2 ${dnat(localC, MASQ)}`,
  ]);
  assert.equal(run(ir, packet({ dst: '203.0.113.10' })), [`1 ${dnat(localC)}`]);
  assert.equal(run(ir, packet({ dst: NODE_IP, dport: 30080 })), [`1 ${dnat(localC)}`]);
});

test('eTP=Local without local endpoints: outside traffic falls through and the filter drops it', () => {
  const ir = program([
    etpLocal({
      cluster: { endpoints: [A] },
      local: null,
      external: { ext: { policy: 'Local', shortCircuitPods: true, toLocal: false }, refuse: 'drop' },
    }),
  ]);
  assert.equal(run(ir, packet({ dst: '203.0.113.10' })), ['1 drop mark 0x0']);
  assert.equal(run(ir, packet({ dst: NODE_IP, dport: 30080 })), ['1 drop mark 0x0']);
  assert.equal(run(ir, packet({ src: POD, dst: NODE_IP, dport: 30080 })), [`1 ${dnat(A)}`]);
});

test('load-balancer source ranges: allowed ranges reach EXT, LB IPs as source when a range holds the node IP, others are dropped', () => {
  const lb = (ranges: string[], allow: boolean) =>
    servicePort({
      name: 'lb',
      clusterIP: ip('10.96.0.3'),
      loadBalancerIPs: [ip('203.0.113.50')],
      nodePort: 30090,
      cluster: { endpoints: [A] },
      external: { ext: { policy: 'Cluster' }, refuse: null },
      firewall: { sourceRanges: ranges.map(cidr), allowLoadBalancerIPs: allow },
    });
  const ir = program([lb(['198.51.100.0/25'], false)]);
  assert.equal(run(ir, packet({ src: OUTSIDE, dst: '203.0.113.50' })), [`1 ${dnat(A, MASQ)}`]);
  assert.equal(run(ir, packet({ src: '198.51.100.200', dst: '203.0.113.50' })), ['1 drop mark 0x0']);
  assert.equal(run(ir, packet({ src: '203.0.113.50', dst: '203.0.113.50' })), ['1 drop mark 0x0']);
  // NodePorts are never subject to source ranges.
  assert.equal(run(ir, packet({ src: '198.51.100.200', dst: NODE_IP, dport: 30090 })), [`1 ${dnat(A, MASQ)}`]);
  const withNode = program([lb(['192.168.0.0/24'], true)]);
  assert.equal(run(withNode, packet({ src: '203.0.113.50', dst: '203.0.113.50' })), [`1 ${dnat(A, MASQ)}`]);
  assert.equal(run(withNode, packet({ src: OUTSIDE, dst: '203.0.113.50' })), ['1 drop mark 0x0']);
});

test('NodePort destinations: every LOCAL address, 127/8 only with localhost NodePorts, ::1 never, or only the listed addresses', () => {
  const np = servicePort({
    name: 'np',
    clusterIP: ip('10.96.0.4'),
    nodePort: 30080,
    cluster: { endpoints: [A] },
    external: { ext: { policy: 'Cluster' }, refuse: null },
  });
  const ir = program([np], { nodeIPs: [ip(NODE_IP), ip('172.16.0.1')] });
  const hit = [`1 ${dnat(A, MASQ)}`];
  assert.equal(run(ir, packet({ dst: '172.16.0.1', dport: 30080 })), hit);
  assert.equal(run(ir, packet({ path: 'local', src: '127.0.0.1', dst: '127.0.0.2', dport: 30080 })), hit);
  assert.equal(run(ir, packet({ dst: '10.1.2.3', dport: 30080 })), ['1 accept mark 0x0']);
  assert.equal(run(ir, packet({ dst: NODE_IP, dport: 30080, protocol: 'udp' })), ['1 accept mark 0x0']);
  const noLocalhost = program([np], { localhostNodePorts: false });
  assert.equal(run(noLocalhost, packet({ path: 'local', src: '127.0.0.1', dst: '127.0.0.1', dport: 30080 })), [
    '1 accept mark 0x0',
  ]);
  const listed = program([np], {
    nodeIPs: [ip(NODE_IP), ip('172.16.0.1')],
    nodePorts: { kind: 'addresses', addresses: [ip(NODE_IP)] },
  });
  assert.equal(run(listed, packet({ dst: NODE_IP, dport: 30080 })), hit);
  assert.equal(run(listed, packet({ dst: '172.16.0.1', dport: 30080 })), ['1 accept mark 0x0']);
  const v6sp = servicePort({
    name: 'np6',
    clusterIP: ip('fd00:96::4'),
    nodePort: 30080,
    localDetector: { kind: 'none' },
    internalMasquerade: 'never',
    cluster: { endpoints: [endpoint('fd00:244::11', 8080)] },
    external: { ext: { policy: 'Cluster' }, refuse: null },
  });
  const v6 = program([v6sp], {
    family: 'ipv6',
    nodeIPs: [ip('fd00::10')],
    primaryNodeIP: ip('fd00::10'),
    localDetector: { kind: 'none' },
    localhostNodePorts: false,
  });
  assert.equal(run(v6, packet({ src: '2001:db8::7', dst: 'fd00::10', dport: 30080 })), [
    `1 accept dnat [fd00:244::11]:8080 ${MASQ}`,
  ]);
  assert.equal(run(v6, packet({ path: 'local', src: '::1', dst: '::1', dport: 30080 })), ['1 accept mark 0x0']);
});

const sticky = servicePort({ name: 'sticky', affinity: { timeoutSeconds: 600 }, cluster: { endpoints: [A, B, C] } });
const list = (e: { hostPort: string }) => `ns/sticky:p/tcp/${e.hostPort}`;

test('affinity: without a fresh record uniform, every DNAT writes its endpoint list', () => {
  const ir = program([sticky]);
  assert.equal(run(ir, packet({ src: POD, dst: '10.96.0.1' })), [
    `1/3 ${dnat(A)} affinity ${list(A)}`,
    `1/3 ${dnat(B)} affinity ${list(B)}`,
    `1/3 ${dnat(C)} affinity ${list(C)}`,
  ]);
  // A record as old as the timeout is stale; a record of another list does not count.
  const stale = { [list(B)]: 600, 'ns/other:p/tcp/10.244.1.12:8080': 1, 'ns/sticky:p/udp/10.244.1.12:8080': 1 };
  assert.equal(run(ir, packet({ src: POD, dst: '10.96.0.1', affinityAges: stale })).length, 3);
});

test('affinity: a fresh record wins deterministically (first in set order) and is refreshed', () => {
  const ir = program([sticky]);
  assert.equal(run(ir, packet({ src: POD, dst: '10.96.0.1', affinityAges: { [list(B)]: 599 } })), [
    `1 ${dnat(B)} affinity ${list(B)}`,
  ]);
  assert.equal(run(ir, packet({ src: POD, dst: '10.96.0.1', affinityAges: { [list(C)]: 0, [list(A)]: 30 } })), [
    `1 ${dnat(A)} affinity ${list(A)}`,
  ]);
});

test('affinity with eTP=Local: the local set checks only its own endpoints; both sets write the same lists', () => {
  const ir = program([etpLocal({ affinity: { timeoutSeconds: 60 } })]);
  const l = (e: { hostPort: string }) => `ns/lb:p/tcp/${e.hostPort}`;
  // A's record (written through the cluster set) is ignored by the local set, which holds C only.
  assert.equal(run(ir, packet({ dst: '203.0.113.10', affinityAges: { [l(A)]: 1 } })), [
    `1 ${dnat(localC)} affinity ${l(localC)}`,
  ]);
  assert.equal(run(ir, packet({ src: POD, dst: '203.0.113.10', affinityAges: { [l(A)]: 1 } })), [
    `1 ${dnat(A)} affinity ${l(A)}`,
  ]);
});

test('probabilities are exact and sum to 1; evaluation is deterministic', () => {
  const eps = Array.from({ length: 7 }, (_, i) => endpoint(`10.244.3.${i + 1}`, 80));
  const ir = program([servicePort({ name: 'seven', cluster: { endpoints: eps } })]);
  const p = packet({ dst: '10.96.0.1' });
  const d = evaluate(ir, concreteView(p));
  assert.is(d.length, 7);
  for (const w of d) assert.equal([w.p.num, w.p.den], [1n, 7n]);
  assert.equal(evaluate(ir, concreteView(p)), d);
});

test.run();
