// The reference evaluator after nat (docs/ir.md §3.6, §4): no-endpoint REJECT/DROP per hook, the
// health-check accept, the localnet drop, conntrack states other than new, the initial mark, the
// local path through OUTPUT, POSTROUTING and INPUT; and the evaluator's discipline (it asks the
// view a bounded number of questions, whatever the program's size).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import type { IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import { validateIR } from '../../compiler/ir/validate.ts';
import {
  endpoint,
  ip,
  NODE_IP,
  POD,
  packet,
  program,
  recordingView,
  run,
  servicePort,
} from '../support/ir-fixtures.ts';

const A = endpoint('10.244.1.11', 8080);
const web = servicePort({
  name: 'web',
  nodePort: 30080,
  cluster: { endpoints: [A] },
  external: { ext: { policy: 'Cluster' }, refuse: null },
});
const empty = servicePort({
  name: 'empty',
  clusterIP: ip('10.96.0.20'),
  externalIPs: [ip('203.0.113.20')],
  loadBalancerIPs: [ip('203.0.113.21')],
  nodePort: 30081,
  hasEndpoints: false,
  internal: { kind: 'refuse', verdict: 'reject' },
  internalMasquerade: 'never',
  external: { ext: null, refuse: 'reject' },
  cluster: null,
});
const ACCEPT = '1 accept mark 0x0';
const REJECT = '1 reject mark 0x0';
const DROP = '1 drop mark 0x0';
const MASQ = 'masquerade-fully-random mark 0x0';
const base = program([web, empty]);
const fromNode = (dst: string, dport: number) => packet({ path: 'local', src: NODE_IP, dst, dport });

test('no endpoints: REJECT in the hooks kube-proxy hooks each chain into', () => {
  assert.equal(run(base, packet({ dst: '10.96.0.20' })), [REJECT]); // FORWARD, KUBE-SERVICES
  assert.equal(run(base, fromNode('10.96.0.20', 80)), [REJECT]); // OUTPUT, KUBE-SERVICES
  assert.equal(run(base, packet({ src: POD, dst: '203.0.113.20' })), [REJECT]); // FORWARD, KUBE-EXTERNAL-SERVICES
  assert.equal(run(base, packet({ dst: '203.0.113.21' })), [REJECT]);
  assert.equal(run(base, packet({ dst: NODE_IP, dport: 30081 })), [REJECT]); // INPUT, NodePort on a LOCAL address
  assert.equal(run(base, fromNode(NODE_IP, 30081)), [REJECT]); // local path: OUTPUT, POSTROUTING, then INPUT
  // KUBE-EXTERNAL-SERVICES is not hooked into OUTPUT; a NodePort on a non-LOCAL address is no NodePort.
  assert.equal(run(base, fromNode('203.0.113.20', 80)), [ACCEPT]);
  assert.equal(run(base, packet({ dst: '10.1.2.3', dport: 30081 })), [ACCEPT]);
});

test('iTP=Local without a local endpoint: DROP', () => {
  const itp = servicePort({
    name: 'itp',
    clusterIP: ip('10.96.0.30'),
    internalTrafficPolicy: 'Local',
    internal: { kind: 'refuse', verdict: 'drop' },
    internalMasquerade: 'never',
    cluster: null,
  });
  assert.equal(run(program([itp]), packet({ src: POD, dst: '10.96.0.30' })), [DROP]);
});

const hc = servicePort({
  name: 'hc',
  clusterIP: ip('10.96.0.40'),
  loadBalancerIPs: [ip('203.0.113.40')],
  nodePort: 30082,
  healthCheckNodePort: 32000,
  externalTrafficPolicy: 'Local',
  cluster: { endpoints: [A] },
  external: { ext: { policy: 'Local', shortCircuitPods: true, toLocal: false }, refuse: 'drop' },
});

test('health check node port: accepted in INPUT (tcp only), before the localnet drop', () => {
  const ir = program([hc]);
  assert.equal(run(ir, packet({ dst: NODE_IP, dport: 32000 })), [ACCEPT]);
  assert.equal(run(ir, packet({ dst: '127.0.0.1', dport: 32000 })), [ACCEPT]);
  assert.equal(run(ir, packet({ dst: '127.0.0.1', dport: 32000, protocol: 'udp' })), [DROP]);
  assert.equal(run(ir, packet({ dst: '127.0.0.1', dport: 32001 })), [DROP]);
  assert.equal(run(ir, packet({ dst: NODE_IP, dport: 30082 })), [DROP]); // eTP=Local, no local endpoint
});

test('localnet: new connections to 127/8 from other sources are dropped unless DNATed', () => {
  assert.equal(run(base, packet({ dst: '127.0.0.1', dport: 9999 })), [DROP]); // INPUT
  assert.equal(run(base, fromNode('127.0.0.1', 9999)), [DROP]); // OUTPUT
  assert.equal(run(base, packet({ path: 'local', src: '127.0.0.1', dst: '127.0.0.5', dport: 9999 })), [ACCEPT]);
  assert.equal(run(base, packet({ dst: '127.0.0.1', dport: 30080 })), [`1 accept dnat ${A.hostPort} ${MASQ}`]);
  const est = (state: 'established' | 'related' | 'invalid' | 'untracked') =>
    run(base, packet({ dst: '127.0.0.1', dport: 9999, ct: { state, dnat: false } }));
  assert.equal(est('established'), [ACCEPT]);
  assert.equal(est('related'), [ACCEPT]);
  assert.equal(est('invalid'), [DROP]);
  assert.equal(est('untracked'), [DROP]);
  const off = program([web, empty], { localhostNodePorts: false });
  assert.equal(run(off, packet({ dst: '127.0.0.1', dport: 9999 })), [ACCEPT]);
});

test('conntrack states other than new: no nat; FORWARD drops invalid (unless liberal) and accepts the rest', () => {
  const state = (s: 'established' | 'related' | 'invalid' | 'untracked', dst = '10.96.0.1', ir: IRProgram = base) =>
    run(ir, packet({ dst, ct: { state: s, dnat: true } }));
  assert.equal(state('established'), [ACCEPT]);
  assert.equal(state('related', '10.96.0.20'), [ACCEPT]);
  assert.equal(state('untracked'), [ACCEPT]);
  assert.equal(state('invalid'), [DROP]);
  assert.equal(state('invalid', NODE_IP), [ACCEPT]); // INPUT has no INVALID drop
  const liberal = program([web, empty], { environment: { nfacct: true, randomFully: true, conntrackLiberal: true } });
  assert.equal(state('invalid', '10.96.0.1', liberal), [ACCEPT]);
  assert.equal(run(base, packet({ dst: '10.96.0.1', mark: 0x4000, ct: { state: 'established', dnat: true } })), [
    '1 accept mark 0x4000',
  ]);
});

test('initial mark: a marked packet is masqueraded on its way out (mark cleared), never when delivered locally', () => {
  assert.equal(run(base, packet({ dst: '10.1.2.3', mark: 0x4000 })), [`1 accept ${MASQ}`]);
  assert.equal(run(base, packet({ dst: '10.1.2.3', mark: 0x4001 })), [`1 accept ${MASQ}`]);
  assert.equal(run(base, packet({ dst: '10.1.2.3', mark: 0x0001 })), [ACCEPT]);
  assert.equal(run(base, packet({ dst: NODE_IP, dport: 22, mark: 0xffffffff })), ['1 accept mark 0x4000']);
  // KUBE-FORWARD accepts marked packets before KUBE-SERVICES can refuse them.
  assert.equal(run(base, packet({ dst: '10.96.0.20', mark: 0x4000 })), [`1 accept ${MASQ}`]);
  // Dropped or rejected packets never reach POSTROUTING: the bit stays (here INPUT rejects).
  assert.equal(run(base, packet({ dst: NODE_IP, dport: 30081, mark: 0x4000 })), ['1 reject mark 0x4000']);
});

test('local path: DNAT to the node itself is masqueraded in POSTROUTING (then INPUT); arriving, it is delivered unmasqueraded', () => {
  const host = servicePort({
    name: 'host',
    clusterIP: ip('10.96.0.50'),
    nodePort: 30083,
    cluster: { endpoints: [endpoint(NODE_IP, 10250, true)] },
    external: { ext: { policy: 'Cluster' }, refuse: null },
  });
  const ir = program([host]);
  const target = `accept dnat ${NODE_IP}:10250`;
  assert.equal(run(ir, fromNode('10.96.0.50', 80)), [`1 ${target} ${MASQ}`]);
  assert.equal(run(ir, packet({ dst: NODE_IP, dport: 30083 })), [`1 ${target} mark 0x4000`]);
  assert.equal(run(ir, packet({ src: POD, dst: '10.96.0.50' })), [`1 ${target} mark 0x0`]);
});

test('KUBE-EXTERNAL-SERVICES keeps kube-proxy rule order between address and NodePort rules', () => {
  // An earlier port's no-endpoint NodePort (reject) and a later port's refused external IP that is
  // a node address on that same number (drop): iptables meets the NodePort rule first.
  const first = servicePort({
    name: 'a-np',
    clusterIP: ip('10.96.0.60'),
    nodePort: 30500,
    hasEndpoints: false,
    internal: { kind: 'refuse', verdict: 'reject' },
    internalMasquerade: 'never',
    external: { ext: null, refuse: 'reject' },
    cluster: null,
  });
  const second: IRServicePort = {
    ...hc,
    servicePortName: 'ns/b-ext:p',
    name: 'b-ext',
    port: 30500,
    clusterIP: ip('10.96.0.61'),
    externalIPs: [ip(NODE_IP)],
    loadBalancerIPs: [],
    nodePort: null,
    healthCheckNodePort: null,
  };
  const ir: IRProgram = { ...base, servicePorts: [first, second] };
  assert.equal(
    validateIR(ir).map((v) => v.code),
    ['refuse-order'],
  );
  assert.equal(run(ir, packet({ dst: NODE_IP, dport: 30500 })), [REJECT]);
  // Port order reversed (the NodePort's port now sorts last): the address rule comes first.
  const reversed: IRProgram = {
    ...base,
    servicePorts: [second, { ...first, name: 'c-np', servicePortName: 'ns/c-np:p' }],
  };
  assert.equal(validateIR(reversed), []);
  assert.equal(run(reversed, packet({ dst: NODE_IP, dport: 30500 })), [DROP]);
});

test('dispatch is by lookup: a 3,000-port program costs the same few questions as a 2-port one', () => {
  const many = Array.from({ length: 3000 }, (_, i) =>
    servicePort({
      name: `s${String(i).padStart(4, '0')}`,
      clusterIP: ip(`10.97.${i >> 8}.${i & 255}`),
      nodePort: 30000 + i,
      cluster: { endpoints: [endpoint(`10.245.${i >> 8}.${i & 255}`, 80)] },
      external: { ext: { policy: 'Cluster' }, refuse: null },
    }),
  );
  const big = program(many);
  for (const p of [
    packet({ dst: '10.97.11.184' }),
    packet({ dst: NODE_IP, dport: 32999 }),
    packet({ dst: '10.1.2.3', dport: 30007 }),
    fromNode('10.97.0.1', 80),
  ]) {
    const rec = recordingView(p);
    const d = evaluate(big, rec.view);
    assert.is(d.length, 1);
    assert.ok(rec.tests.length <= 12, `${rec.tests.length} tests: ${JSON.stringify(rec.tests)}`);
    assert.ok(rec.lookups() <= 8, `${rec.lookups()} lookups`);
  }
});

test.run();
