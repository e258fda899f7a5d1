// validateIR: a lowered program is valid, and each invariant the backends rely on is reported
// (by its code) when a program breaks it — one mutation per invariant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IRProgram, IRServicePort } from '../../compiler/ir/types.ts';
import { validateIR } from '../../compiler/ir/validate.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { overallModel } from '../golden/iptables/model-builders.ts';
import { endpoint, ip } from '../support/ir-fixtures.ts';

const lowered = (): IRProgram => {
  const r = lowerModel(overallModel());
  assert.is(r.programs.length, 1);
  return r.programs[0]!;
};

/** The program with service port `name` changed by `f`. */
function withPort(name: string, f: (sp: IRServicePort) => Partial<IRServicePort>): IRProgram {
  const ir = lowered();
  return { ...ir, servicePorts: ir.servicePorts.map((sp) => (sp.servicePortName === name ? { ...sp, ...f(sp) } : sp)) };
}

const codes = (ir: IRProgram) => [...new Set(validateIR(ir).map((v) => v.code))].sort();

test('the overall fixture, lowered, is valid', () => {
  assert.equal(validateIR(lowered()), []);
});

test('program-level invariants', () => {
  const ir = lowered();
  assert.equal(codes({ ...ir, masqueradeMark: 0x4001 }), ['masquerade-mark']);
  assert.equal(codes({ ...ir, masqueradeMark: 0 }), ['masquerade-mark']);
  assert.equal(codes({ ...ir, masqueradeMark: 0x80000000 }), []);
  assert.equal(codes({ ...ir, version: 2 as 1 }), ['version']);
  assert.equal(codes({ ...ir, primaryNodeIP: ip('10.9.9.9') }), ['primary-node-ip']);
  assert.equal(codes({ ...ir, nodeIPs: [...ir.nodeIPs, ir.nodeIPs[0]!] }), ['node-ips']);
  assert.equal(codes({ ...ir, nodeIPs: [ip('fd00::1')], primaryNodeIP: ip('fd00::1') }), ['family']);
  assert.equal(codes({ ...ir, localhostNodePorts: true, family: 'ipv6' }).includes('localhost-nodeports'), true);
  assert.equal(codes({ ...ir, largeCluster: true }), ['large-cluster']);
  assert.equal(codes({ ...ir, localDetector: { kind: 'interfacePrefix', prefix: 'abcdefghijklmno' } }), ['detector']);
  assert.equal(codes({ ...ir, localDetector: { kind: 'interface', name: 'eth 0' } }), ['detector']);
  assert.equal(codes({ ...ir, nodePorts: { kind: 'addresses', addresses: [ip('10.9.9.9')] } }), ['nodeport-addresses']);
  assert.equal(
    codes({ ...ir, localhostNodePorts: false, nodePorts: { kind: 'addresses', addresses: [ip('127.0.0.1')] } }),
    ['nodeport-addresses'],
  );
  assert.equal(codes({ ...ir, servicePorts: [...ir.servicePorts].reverse() }), ['service-port-order']);
});

test('addresses: canonical and of the program family everywhere', () => {
  assert.equal(codes(withPort('ns1/svc1:p80', () => ({ clusterIP: ip('10.020.0.1') }))), ['address']);
  assert.equal(codes(withPort('ns1/svc1:p80', () => ({ clusterIP: ip('fd00::1') }))), ['family']);
  assert.equal(
    codes(withPort('ns1/svc1:p80', () => ({ localDetector: { kind: 'cidr', cidr: '10.0.0.1/8' as never } }))),
    ['address'],
  );
  assert.equal(codes(withPort('ns1/svc1:p80', (sp) => ({ clusterIP: sp.clusterIP, port: 0 }))), ['port']);
});

test('endpoints: sorted by hostPort, unique, sets consistent with the union', () => {
  const name = 'ns1/svc1:p80';
  const sp = lowered().servicePorts.find((s) => s.servicePortName === name)!;
  const extra = endpoint('10.180.0.9', 80);
  assert.equal(codes(withPort(name, (s) => ({ endpoints: [...s.endpoints, extra] }))), ['endpoint-sets']);
  assert.equal(codes(withPort(name, () => ({ cluster: { endpoints: [extra] }, endpoints: [extra] }))), []);
  assert.equal(
    codes(withPort(name, () => ({ cluster: { endpoints: [] }, endpoints: [] }))).includes('endpoint-sets'),
    true,
  );
  const two = [endpoint('10.180.0.2', 80), endpoint('10.180.0.10', 80)]; // "10.180.0.10:80" < "10.180.0.2:80"
  assert.equal(codes(withPort(name, () => ({ cluster: { endpoints: two }, endpoints: two }))), ['endpoint-order']);
  const badHostPort = { ...sp.endpoints[0]!, hostPort: '10.180.0.1:81' };
  assert.equal(codes(withPort(name, () => ({ cluster: { endpoints: [badHostPort] }, endpoints: [badHostPort] }))), [
    'endpoint-host-port',
  ]);
  const notLocal = { ...sp.endpoints[0]!, isLocal: false };
  assert.equal(
    codes(withPort(name, (s) => ({ local: { endpoints: [notLocal] }, endpoints: s.endpoints }))).includes(
      'endpoint-sets',
    ),
    true,
  );
});

test('decisions: balance needs its set, refuse verdicts follow hasEndpoints, EXT follows the policy', () => {
  const name = 'ns1/svc1:p80';
  assert.equal(codes(withPort(name, () => ({ cluster: null, endpoints: [] }))), ['internal']);
  assert.equal(codes(withPort(name, () => ({ internal: { kind: 'refuse', verdict: 'reject' } }))).sort(), [
    'internal',
    'internal-masquerade',
  ]);
  assert.equal(codes(withPort(name, () => ({ internalMasquerade: 'ifNotLocal', localDetector: { kind: 'none' } }))), [
    'internal-masquerade',
  ]);
  assert.equal(codes(withPort(name, () => ({ hasEndpoints: false }))).includes('has-endpoints'), true);
  const etpLocal = 'ns2/svc2:p80';
  assert.equal(
    codes(
      withPort(etpLocal, (sp) => ({ external: { ext: { policy: 'Cluster' }, refuse: sp.external!.refuse } })),
    ).includes('external'),
    true,
  );
  assert.equal(codes(withPort(etpLocal, (sp) => ({ external: { ext: sp.external!.ext, refuse: null } }))), [
    'external',
  ]);
  assert.equal(codes(withPort(etpLocal, () => ({ external: null }))), ['external']);
  assert.equal(codes(withPort(name, () => ({ healthCheckNodePort: 30999 }))), ['health-check']);
  assert.equal(codes(withPort(name, () => ({ affinity: { timeoutSeconds: 0 } }))), ['affinity']);
});

test('firewall only with endpoints, LB IPs and ranges; allowLoadBalancerIPs follows the primary node IP', () => {
  const ir = lowered();
  const withFw = ir.servicePorts.find((sp) => sp.firewall)!;
  const name = withFw.servicePortName;
  assert.equal(codes(withPort(name, () => ({ loadBalancerIPs: [] }))).includes('firewall'), true);
  assert.equal(
    codes(
      withPort(name, (sp) => ({
        firewall: { ...sp.firewall!, allowLoadBalancerIPs: !sp.firewall!.allowLoadBalancerIPs },
      })),
    ),
    ['firewall'],
  );
  assert.equal(
    codes(withPort(name, (sp) => ({ firewall: { ...sp.firewall!, sourceRanges: ['fd00::/64' as never] } }))).includes(
      'family',
    ),
    true,
  );
});

test('dispatch keys: frontends unique across service ports, NodePorts unique per protocol, cluster IPs not LOCAL', () => {
  const ir = lowered();
  const [a, b] = [ir.servicePorts[0]!, ir.servicePorts[1]!];
  const dup = withPort(b.servicePortName, () => ({ externalIPs: [a.clusterIP], port: a.port }));
  assert.equal(codes(dup).includes('frontend-unique'), true);
  const repeated = withPort(a.servicePortName, () => ({ externalIPs: [ip('203.0.113.1'), ip('203.0.113.1')] }));
  assert.equal(codes(repeated).includes('frontend-unique'), false);
  const np = ir.servicePorts.find((sp) => sp.nodePort !== null)!;
  const other = ir.servicePorts.find((sp) => sp !== np && sp.nodePort !== null && sp.protocol === np.protocol)!;
  assert.equal(codes(withPort(other.servicePortName, () => ({ nodePort: np.nodePort }))), ['nodeport-unique']);
  assert.equal(codes(withPort(a.servicePortName, () => ({ clusterIP: ir.nodeIPs[0]! }))), ['cluster-ip-local']);
});

test.run();
