// Frontends and load-balancer source ranges of a family (compiler/shared-rules/frontend-families.ts),
// in both front ends. kube-proxy keeps each family's own source ranges for that family's service
// and writes no firewall when none is left: an IPv4 load balancer given only IPv6 ranges takes
// every source, which only a log line at kube-proxy's verbosity 4 said. Nor does the firewall
// guard the service's external IPs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectClean, expectDiag, run } from './check-helpers.ts';
import { codesOf, docs, imp, only, svc } from './kube-helpers.ts';

const NODE = 'node n1 {\n  address 172.16.0.10\n  podCIDR 10.244.0.0/24\n}\n';
const lb = (lines: string) =>
  `${NODE}service default/lb {\n  http: LoadBalancer 10.96.0.1:80/tcp nodePort 30080 -> endpoints:8080\n${lines}\n  endpoints 10.244.0.5 on n1\n}\n`;

test('.ksvc: only ranges of another family leave the load balancer open, and each such range is ignored', () => {
  const text = lb('  loadBalancerIngress 203.0.113.9\n  loadBalancerSourceRanges 2001:db8::/32');
  const open = expectDiag(text, 'source-ranges-family-missing', '2001:db8::/32');
  assert.is(open.severity, 'warning');
  assert.match(open.message, 'service default/lb has IPv4 load-balancer IPs, and none of its loadBalancerSourceRanges');
  assert.match(open.message, 'every source reaches them');
  expectDiag(text, 'address-family-ignored', '2001:db8::/32');
});

test('.ksvc: a range of the family filters it; no ingress IP of the family leaves nothing to filter', () => {
  expectClean(lb('  loadBalancerIngress 203.0.113.9\n  loadBalancerSourceRanges 198.51.100.0/24'));
  // an IPv4 range beside the IPv6 one: filtered, and the IPv6 one alone is ignored
  expectClean(lb('  loadBalancerIngress 203.0.113.9\n  loadBalancerSourceRanges 198.51.100.0/24, 2001:db8::/32'), [
    'address-family-ignored',
  ]);
  // no load-balancer IP: nothing is open (the ignored range is still said)
  const r = run(lb('  loadBalancerSourceRanges 2001:db8::/32'));
  assert.not.ok(r.diagnostics.some((d) => d.code === 'source-ranges-family-missing'));
});

test('.ksvc: a dual-stack load balancer with ranges of one family is open in the other', () => {
  const text = `${NODE}service default/lb {
  http: LoadBalancer 10.96.0.1:80/tcp nodePort 30080 -> endpoints:8080
  http: LoadBalancer [fd00::1]:80/tcp nodePort 30080 -> endpoints:8080
  loadBalancerIngress 203.0.113.9, 2001:db8::9
  loadBalancerSourceRanges 198.51.100.0/24
  endpoints 10.244.0.5 on n1, fd00:244::5 on n1
}
`;
  const d = expectDiag(text, 'source-ranges-family-missing', '198.51.100.0/24');
  assert.match(d.message, 'has IPv6 load-balancer IPs, and none of its loadBalancerSourceRanges is IPv6');
});

const lbYaml = (ranges: string, externalIPs = '') =>
  docs(
    svc(
      `  type: LoadBalancer
  clusterIP: 10.96.0.1
  ${externalIPs ? `externalIPs: [${externalIPs}]\n  ` : ''}loadBalancerSourceRanges: [${ranges}]
  ports:
  - name: http
    port: 80
    targetPort: 8080
    nodePort: 30080`,
      'name: lb\n  namespace: default',
      '  loadBalancer:\n    ingress: [{ip: 203.0.113.9}]',
    ),
  );

test('Kubernetes import: the same warnings, at the YAML values', () => {
  const r = imp(lbYaml('"2001:db8::/32"', '2001:db8::5'));
  assert.equal(codesOf(r.diagnostics), [
    'address-family-ignored',
    'address-family-ignored',
    'source-ranges-family-missing',
  ]);
  const open = only(r.diagnostics, 'source-ranges-family-missing');
  assert.is(open.path, 'spec.loadBalancerSourceRanges[0]');
  const ignored = r.diagnostics.filter((d) => d.code === 'address-family-ignored').map((d) => d.path);
  assert.equal(ignored.sort(), ['spec.externalIPs[0]', 'spec.loadBalancerSourceRanges[0]']);
  // a range of the family: nothing to say
  assert.equal(codesOf(imp(lbYaml('"198.51.100.0/24"')).diagnostics), []);
});

test('.ksvc: an external IP of a load balancer with source ranges takes every source', () => {
  const text = lb(
    '  loadBalancerIngress 203.0.113.9\n  externalIPs 192.0.2.7\n  loadBalancerSourceRanges 198.51.100.0/24',
  );
  const d = expectDiag(text, 'source-ranges-not-external-ips', '192.0.2.7');
  assert.is(d.severity, 'warning');
  assert.match(d.message, 'external IP 192.0.2.7 takes every source');
  // a /0 among the ranges writes no firewall (every source is meant); no ranges: nothing to say
  expectClean(
    lb(
      '  loadBalancerIngress 203.0.113.9\n  externalIPs 192.0.2.7\n  loadBalancerSourceRanges 198.51.100.0/24, 0.0.0.0/0',
    ),
  );
  expectClean(lb('  loadBalancerIngress 203.0.113.9\n  externalIPs 192.0.2.7'));
});

test('Kubernetes import: the external IP of a load balancer with source ranges, at its YAML value', () => {
  const r = imp(lbYaml('"198.51.100.0/24"', '192.0.2.7'));
  assert.equal(codesOf(r.diagnostics), ['source-ranges-not-external-ips']);
  assert.is(only(r.diagnostics, 'source-ranges-not-external-ips').path, 'spec.externalIPs[0]');
});

test.run();
