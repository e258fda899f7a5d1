// Mutated examples: the checker never throws, and whenever it reports no error the model keeps
// its promises (canonical addresses, unique names and frontends, resolvable nodes and families).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCIDRStrict, parseIPStrict } from '../../common/ip.ts';
import { makeSourceFile } from '../../common/source.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import type { ClusterModel } from '../../compiler/model.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const base = readFileSync(path.join(root, 'examples/everything.ksvc'), 'utf8');
const TOKEN = /[A-Za-z0-9_.:\-/]+/g;
const tokens = [...base.matchAll(TOKEN)].map((m) => ({ at: m.index!, text: m[0] }));
const pool = [
  ...new Set(tokens.map((t) => t.text)),
  '0',
  '1',
  '65535',
  '65536',
  '29999',
  '32768',
  '86401',
  '-1',
  '010.1.1.1',
  '10.1',
  '300.1.1.1',
  '::ffff:1.2.3.4',
  '10.32.0.20',
  '10.32.0.10',
  'fd00:32::10',
  '0.0.0.0',
  '127.0.0.1',
  '224.0.0.1',
  '10.64.1.5',
  'node-z',
  'Node-A',
  'a--b',
  'ready',
  'not-ready',
  'terminating',
  'serving',
  'not-serving',
  'ClusterIP',
  'NodePort',
  'LoadBalancer',
  'tcp',
  'udp',
  'sctp',
  '10.0.0.0/7',
  '10.64.0.0/15',
  'local',
  'cluster',
  'http',
  'metrics',
  'x'.repeat(70),
];

function mutate(edits: [number, number][]): string {
  const chosen = new Map<number, string>();
  for (const [ti, pi] of edits) chosen.set(ti % tokens.length, pool[pi % pool.length]!);
  let out = '';
  let last = 0;
  for (const [ti, rep] of [...chosen].sort((a, b) => a[0] - b[0])) {
    const t = tokens[ti]!;
    out += base.slice(last, t.at) + rep;
    last = t.at + t.text.length;
  }
  return out + base.slice(last);
}

function invariants(m: ClusterModel): void {
  const canonIP = (s: string) => {
    const r = parseIPStrict(s);
    assert.ok(r.ok && r.value.text === s, `not canonical: ${s}`);
  };
  const canonCIDR = (s: string) => {
    const r = parseCIDRStrict(s);
    assert.ok(r.ok && r.value.text === s, `not canonical: ${s}`);
  };
  const nodes = new Set(m.nodes.map((n) => n.name));
  assert.is(nodes.size, m.nodes.length, 'node names unique');
  for (const n of m.nodes) {
    n.addresses.forEach(canonIP);
    n.podCIDRs.forEach(canonCIDR);
  }
  const keys = new Set<string>();
  const clusterIPs = new Set<string>();
  const frontends = new Set<string>();
  const { min, max } = m.settings.nodePortRange;
  for (const s of m.services) {
    const key = `${s.namespace}/${s.name}`;
    assert.not.ok(keys.has(key), `duplicate service ${key}`);
    keys.add(key);
    assert.ok(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.namespace) && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(s.name));
    assert.ok(s.clusterIPs.length >= 1 && s.clusterIPs.length <= 2);
    const fams = s.clusterIPs.map((ip) => (ip.includes(':') ? 'ipv6' : 'ipv4'));
    assert.is(new Set(fams).size, fams.length, 'one cluster IP per family');
    for (const ip of s.clusterIPs) {
      canonIP(ip);
      assert.not.ok(clusterIPs.has(ip), `cluster IP ${ip} shared`);
      clusterIPs.add(ip);
    }
    [...s.externalIPs, ...s.loadBalancerIngress].forEach(canonIP);
    s.loadBalancerSourceRanges.forEach(canonCIDR);
    const names = new Set(s.ports.map((p) => p.name));
    assert.is(names.size, s.ports.length, 'port names unique');
    if (s.ports.length > 1) assert.not.ok(names.has(''), 'no unnamed port in a multi-port service');
    for (const p of s.ports) {
      assert.ok(p.port >= 1 && p.port <= 65535);
      if (p.nodePort !== null) assert.ok(p.nodePort >= min && p.nodePort <= max);
      if (typeof p.targetPort === 'number') assert.ok(p.targetPort >= 1 && p.targetPort <= 65535);
      for (const ip of [...s.clusterIPs, ...s.externalIPs, ...s.loadBalancerIngress]) {
        const f = `${ip}|${p.port}|${p.protocol}`;
        assert.not.ok(frontends.has(f), `frontend ${f} twice`);
        frontends.add(f);
      }
    }
    if (s.healthCheckNodePort !== null) assert.ok(s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local');
    if (s.sessionAffinity.type === 'ClientIP')
      assert.ok(s.sessionAffinity.timeoutSeconds >= 1 && s.sessionAffinity.timeoutSeconds <= 86400);
    const eps = new Set<string>();
    for (const e of s.endpoints) {
      canonIP(e.address);
      assert.not.ok(eps.has(e.address));
      eps.add(e.address);
      assert.ok(fams.includes(e.family), 'endpoint family has a cluster IP');
      if (e.nodeName !== null) assert.ok(nodes.has(e.nodeName), `unknown node ${e.nodeName}`);
      for (const [name, port] of Object.entries(e.ports)) {
        assert.ok(names.has(name));
        assert.ok(port >= 1 && port <= 65535);
      }
    }
  }
}

test('mutated everything.ksvc: no throw; a clean result is a sound model', () => {
  let clean = 0;
  let failed = 0;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 3 }), (edits) => {
      const text = mutate(edits);
      const r = loadKsvc(makeSourceFile('m.ksvc', text));
      if (r.model) {
        clean++;
        invariants(r.model);
      } else failed++;
      for (const d of r.diagnostics) assert.ok(d.code && d.message && d.file === 'm.ksvc');
    }),
    { numRuns: 1500, seed: 20261127 },
  );
  // the mutations must exercise both outcomes
  if (process.env.FUZZ_VERBOSE) console.log({ clean, failed });
  assert.ok(clean > 50 && failed > 50, `clean ${clean}, failed ${failed}`);
});

test.run();
