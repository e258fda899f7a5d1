// One set of rules for both front ends (compiler/shared-rules): the same cluster written as .ksvc
// and as Kubernetes YAML gets the same codes. The six shapes below used to be refused by the .ksvc
// checker while `compile --from-k8s` accepted them and `ksvc import` failed with an internal error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { printKsvc } from '../../compiler/kube/print-ksvc.ts';
import { run } from './check-helpers.ts';
import { codesOf, docs, imp, svc } from './kube-helpers.ts';

interface Svc {
  name: string;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  clusterIP: string;
  nodePort?: number;
  externalIPs?: string[];
  lbIPs?: string[];
  hcnp?: number;
}

/** The same services as .ksvc text and as YAML (one port http 80/TCP each). */
function both(...services: Svc[]): { ksvc: string; yaml: string } {
  const ksvc = services
    .map((s) => {
      const np = s.nodePort !== undefined ? ` nodePort ${s.nodePort}` : '';
      const lines = [`  http: ${s.type} ${s.clusterIP}:80/tcp${np} -> endpoints`];
      if (s.externalIPs) lines.push(`  externalIPs ${s.externalIPs.join(', ')}`);
      if (s.lbIPs) lines.push(`  loadBalancerIngress ${s.lbIPs.join(', ')}`);
      if (s.hcnp !== undefined) lines.push('  externalTrafficPolicy local', `  healthCheckNodePort ${s.hcnp}`);
      return `service shop/${s.name} {\n${lines.join('\n')}\n}\n`;
    })
    .join('');
  const yaml = docs(
    ...services.map((s) => {
      const spec = [
        `  type: ${s.type}`,
        `  clusterIP: ${s.clusterIP}`,
        `  ports: [{name: http, port: 80${s.nodePort !== undefined ? `, nodePort: ${s.nodePort}` : ''}}]`,
      ];
      if (s.externalIPs) spec.push(`  externalIPs: [${s.externalIPs.join(', ')}]`);
      if (s.hcnp !== undefined) spec.push('  externalTrafficPolicy: Local', `  healthCheckNodePort: ${s.hcnp}`);
      const status = s.lbIPs ? `  loadBalancer:\n    ingress: [${s.lbIPs.map((ip) => `{ip: ${ip}}`).join(', ')}]` : '';
      return svc(spec.join('\n'), `name: ${s.name}\n  namespace: shop`, status);
    }),
  );
  return { ksvc, yaml };
}

const errorCodes = (diags: readonly Diagnostic[]) => codesOf(diags.filter((d) => d.severity === 'error'));

const SHAPES: [string, Svc[], string][] = [
  [
    "an external IP equal to the service's own cluster IP",
    [{ name: 'web', type: 'NodePort', clusterIP: '10.32.0.5', nodePort: 30080, externalIPs: ['10.32.0.5'] }],
    'frontend-in-use',
  ],
  [
    'the same external IP:port on two services',
    [
      { name: 'a', type: 'ClusterIP', clusterIP: '10.32.0.5', externalIPs: ['192.168.9.9'] },
      { name: 'b', type: 'ClusterIP', clusterIP: '10.32.0.6', externalIPs: ['192.168.9.9'] },
    ],
    'frontend-in-use',
  ],
  [
    "a load-balancer IP equal to another service's cluster IP",
    [
      { name: 'a', type: 'ClusterIP', clusterIP: '10.32.0.5' },
      { name: 'b', type: 'LoadBalancer', clusterIP: '10.32.0.6', nodePort: 30080, lbIPs: ['10.32.0.5'] },
    ],
    'frontend-in-use',
  ],
  [
    "a load-balancer IP equal to another service's external IP",
    [
      { name: 'a', type: 'ClusterIP', clusterIP: '10.32.0.5', externalIPs: ['192.168.9.9'] },
      { name: 'b', type: 'LoadBalancer', clusterIP: '10.32.0.6', nodePort: 30080, lbIPs: ['192.168.9.9'] },
    ],
    'frontend-in-use',
  ],
  [
    "a load-balancer IP equal to the service's own external IP",
    [
      {
        name: 'a',
        type: 'LoadBalancer',
        clusterIP: '10.32.0.5',
        nodePort: 30080,
        externalIPs: ['192.168.9.9'],
        lbIPs: ['192.168.9.9'],
      },
    ],
    'frontend-in-use',
  ],
  [
    "a healthCheckNodePort equal to the service's own nodePort",
    [{ name: 'a', type: 'LoadBalancer', clusterIP: '10.32.0.5', nodePort: 30080, hcnp: 30080 }],
    'duplicate-node-port',
  ],
];

for (const [what, services, code] of SHAPES) {
  test(`${what}: refused by both front ends with ${code}`, () => {
    const { ksvc, yaml } = both(...services);
    const fromKsvc = run(ksvc);
    assert.equal(errorCodes(fromKsvc.diagnostics), [code], ksvc);
    const fromYaml = imp(yaml);
    assert.equal(errorCodes(fromYaml.diagnostics), [code], yaml);
    assert.is(fromYaml.model, null);
    // The same position in each: the second claim.
    const k = fromKsvc.diagnostics.find((d) => d.code === code)!;
    const y = fromYaml.diagnostics.find((d) => d.code === code)!;
    assert.is(k.message, y.message);
  });
}

test('without the clash both front ends accept the cluster, and the import prints it', () => {
  const { ksvc, yaml } = both(
    { name: 'a', type: 'ClusterIP', clusterIP: '10.32.0.5', externalIPs: ['192.168.9.9'] },
    { name: 'b', type: 'LoadBalancer', clusterIP: '10.32.0.6', nodePort: 30080, lbIPs: ['192.168.9.10'], hcnp: 30081 },
  );
  assert.equal(errorCodes(run(ksvc).diagnostics), []);
  const model = imp(yaml).model!;
  assert.ok(model);
  assert.equal(printKsvc(model).diagnostics, []);
});

// ---- Warnings: valid, but probably not meant (issue 11, "semantic checks worth a warning") ----

const warningsOf = (diags: readonly Diagnostic[]) => codesOf(diags.filter((d) => d.severity === 'warning'));

test('a ClusterIP inside the cluster CIDR or a node podCIDR, or equal to an endpoint or node address', () => {
  const r = run(`cluster {
  masq from outside 10.64.0.0/16
}
node a {
  address 192.168.0.10
  podCIDR 10.96.0.0/24
}
service default/in-cluster-cidr {
  ClusterIP 10.64.0.5:80/tcp -> endpoints
}
service default/in-pod-cidr {
  ClusterIP 10.96.0.5:80/tcp -> endpoints
}
service default/node-ip {
  ClusterIP 192.168.0.10:80/tcp -> endpoints
}
service default/endpoint-ip {
  ClusterIP 172.30.0.9:80/tcp -> endpoints
}
service default/other {
  ClusterIP 172.30.0.10:80/tcp -> endpoints
  endpoints 172.30.0.9
}
`);
  assert.equal(warningsOf(r.diagnostics), [
    'cluster-ip-in-pod-cidr',
    'cluster-ip-in-pod-cidr',
    'cluster-ip-is-endpoint',
    'cluster-ip-is-node-address',
  ]);
  assert.ok(r.model, 'warnings only');
  const y = imp(
    docs(
      svc('  clusterIP: 10.64.0.5\n  ports: [{port: 80}]'),
      'apiVersion: v1\nkind: Node\nmetadata: {name: a}\nspec: {podCIDR: 10.96.0.0/24}\n',
    ),
    { clusterCIDRs: ['10.64.0.0/16'] },
  );
  assert.equal(warningsOf(y.diagnostics), ['cluster-ip-in-pod-cidr']);
  // the cluster CIDR comes from a flag: the note says so, not an empty place
  assert.equal(y.diagnostics[0]!.related, [
    { message: 'the cluster CIDR is given on the command line (--cluster-cidr)', file: '', span: null },
  ]);
});

test('two nodes with one address; overlapping podCIDRs; an endpoint outside its node podCIDR', () => {
  const r = run(`node a {
  address 192.168.0.10
  podCIDR 10.64.0.0/16
}
node b {
  address 192.168.0.10
  podCIDR 10.64.1.0/24
}
service default/web {
  ClusterIP 172.30.0.1:80/tcp -> endpoints
  endpoints 10.99.0.1 on a, 10.99.0.2 on a, 192.168.0.10 on a, 10.64.0.7 on a
}
`);
  assert.equal(warningsOf(r.diagnostics), [
    'duplicate-node-address',
    'endpoint-outside-node-pod-cidr',
    'overlapping-pod-cidrs',
  ]);
  const outside = r.diagnostics.find((d) => d.code === 'endpoint-outside-node-pod-cidr')!;
  assert.match(outside.message, /^2 endpoints \(10\.99\.0\.1, \.\.\.\) are on node 'a'/);
  const y = imp(
    docs(
      'apiVersion: v1\nkind: Node\nmetadata: {name: a}\nspec: {podCIDR: 10.64.0.0/16}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n',
      'apiVersion: v1\nkind: Node\nmetadata: {name: b}\nspec: {podCIDR: 10.64.1.0/24}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n',
    ),
  );
  assert.equal(warningsOf(y.diagnostics), ['duplicate-node-address', 'no-services', 'overlapping-pod-cidrs']);
});

test("'masq from outside 0.0.0.0/0' never masquerades: a warning (cluster and service, and --cluster-cidr)", () => {
  const r = run(`cluster {
  masq from outside 0.0.0.0/0
}
service default/web {
  ClusterIP 172.30.0.1:80/tcp -> endpoints, masq from outside ::/0
}
`);
  // (the IPv4 service's own detector has no IPv4 CIDR: that is said too)
  assert.equal(warningsOf(r.diagnostics), [
    'detector-matches-everything',
    'detector-matches-everything',
    'service-detector-family-missing',
  ]);
  const y = imp(svc('  clusterIP: 10.32.0.5\n  ports: [{port: 80}]'), { clusterCIDRs: ['0.0.0.0/0'] });
  assert.equal(warningsOf(y.diagnostics), ['detector-matches-everything']);
});

test.run();
