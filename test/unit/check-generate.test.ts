// bench/generate.ts: deterministic, realistic, and checks clean (so benchmarks measure real work).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKsvc } from '../../bench/generate.ts';
import { makeSourceFile } from '../../common/source.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';

test('same options, same bytes; another seed, other bytes', () => {
  const a = generateKsvc({ services: 300, endpointsPerService: 4, seed: 7 });
  assert.is(generateKsvc({ services: 300, endpointsPerService: 4, seed: 7 }), a);
  assert.is.not(generateKsvc({ services: 300, endpointsPerService: 4, seed: 8 }), a);
});

test('a generated cluster checks without any diagnostic and has the promised mix', () => {
  const text = generateKsvc({ services: 1000, endpointsPerService: 5, seed: 1 });
  const r = loadKsvc(makeSourceFile('gen.ksvc', text));
  assert.equal(
    r.diagnostics.map((d) => `${d.code} ${d.span?.start.line}: ${d.message}`),
    [],
  );
  const m = r.model!;
  assert.is(m.services.length, 1000);
  const types = new Set(m.services.map((s) => s.type));
  assert.equal([...types].sort(), ['ClusterIP', 'LoadBalancer', 'NodePort']);
  assert.ok(
    m.services.some((s) => s.ports.length > 1),
    'multi-port services',
  );
  assert.ok(
    m.services.some((s) => s.externalTrafficPolicy === 'Local'),
    'eTP local',
  );
  assert.ok(
    m.services.some((s) => s.sessionAffinity.type === 'ClientIP'),
    'affinity',
  );
  assert.ok(
    m.services.some((s) => s.healthCheckNodePort !== null),
    'health-check node ports',
  );
  assert.ok(
    m.services.some((s) => s.ports.some((p) => typeof p.targetPort === 'string')),
    'named target ports',
  );
  assert.ok(m.services.every((s) => s.endpoints.length === 5));
  assert.ok(m.nodes.length >= 3);
  assert.ok(m.services.every((s) => s.clusterIPs[0]!.startsWith('10.9') || s.clusterIPs[0]!.startsWith('10.1')));
});

test('--topology: zones on the nodes, hints on that share of services, still clean; 0 leaves the bytes alone', () => {
  const plain = generateKsvc({ services: 400, endpointsPerService: 4, seed: 2 });
  assert.is(generateKsvc({ services: 400, endpointsPerService: 4, seed: 2, topologyShare: 0 }), plain);
  const r = loadKsvc(
    makeSourceFile('gen.ksvc', generateKsvc({ services: 400, endpointsPerService: 4, seed: 2, topologyShare: 0.5 })),
  );
  assert.equal(
    r.diagnostics.map((d) => d.code),
    [],
  );
  const m = r.model!;
  assert.ok(m.nodes.every((n) => /^zone-[abc]$/.test(n.zone ?? '')));
  const hinted = m.services.filter((s) => s.endpoints.every((e) => e.zoneHints !== undefined));
  assert.ok(hinted.length > 120 && hinted.length < 280, `${hinted.length} of 400 hinted`);
  const zoneOf = new Map(m.nodes.map((n) => [n.name, n.zone]));
  for (const s of hinted) for (const e of s.endpoints) assert.equal(e.zoneHints, [zoneOf.get(e.nodeName!)]);
});

test('--dual-stack: that share of services in both families, endpoints in pairs, still clean; 0 leaves the bytes alone', () => {
  const plain = generateKsvc({ services: 400, endpointsPerService: 4, seed: 2 });
  assert.is(generateKsvc({ services: 400, endpointsPerService: 4, seed: 2, dualStackShare: 0 }), plain);
  const r = loadKsvc(
    makeSourceFile('gen.ksvc', generateKsvc({ services: 400, endpointsPerService: 4, seed: 2, dualStackShare: 0.5 })),
  );
  assert.equal(
    r.diagnostics.map((d) => d.code),
    [],
  );
  const m = r.model!;
  assert.ok(m.nodes.every((n) => n.addresses.length === 2 && n.podCIDRs.length === 2));
  const dual = m.services.filter((s) => s.clusterIPs.length === 2);
  assert.ok(dual.length > 120 && dual.length < 280, `${dual.length} of 400 dual-stack`);
  for (const s of dual) {
    assert.is(s.endpoints.filter((e) => e.family === 'ipv6').length, 4);
    assert.is(s.endpoints.length, 8);
  }
  const lb = dual.find((s) => s.type === 'LoadBalancer');
  assert.ok(lb && lb.loadBalancerIngress.length === 2, 'a dual-stack load balancer has an address per family');
});

test('more NodePorts than the default range holds: the range is widened, still clean', () => {
  const text = generateKsvc({ services: 6000, endpointsPerService: 0, seed: 3 });
  assert.match(text, /nodePort range 30000-\d+/);
  const r = loadKsvc(makeSourceFile('gen.ksvc', text));
  assert.equal(
    r.diagnostics.map((d) => d.code),
    [],
  );
  assert.ok(r.model!.settings.nodePortRange.max > 32767);
});

test.run();
