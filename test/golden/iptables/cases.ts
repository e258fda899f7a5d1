// The iptables golden cases: one per feature (TypeScript-built models, each with a .ksvc twin,
// test/golden/iptables/<name>.ksvc, that must give the same model). Each case renders to test/golden/iptables/<name>.restore (and .save); the kernel
// tier loads every case into a namespace and compares iptables-save with the .save rendering.
import type { LowerOptions } from '../../../compiler/lower/index.ts';
import type { ClusterModel, ServiceModel } from '../../../compiler/model.ts';
import { cidr, cluster, type EpOpts, ep, ip, node, overallModel, port, service } from './model-builders.ts';

export interface GoldenCase {
  name: string;
  /** What the case shows (kept next to the golden for the reviewer). */
  about: string;
  model: () => ClusterModel;
  lower?: LowerOptions;
  /** Also keep a .save golden (default true). */
  save?: boolean;
  /** Why the model has no <name>.ksvc twin (default: it has one, compiled to the same bytes). */
  noKsvc?: string;
}

const N = 'node-a';
const cidr8 = { localDetector: { mode: 'ClusterCIDR' as const, cidrs: [cidr('10.244.0.0/16')] } };
const nodes = () => [node(N, ['192.168.0.10']), node('node-b', ['192.168.0.11'])];
const web = (eps: string[], o: EpOpts = {}, portName = 'http', target = 8080) =>
  eps.map((a) => ep(a, { ports: { [portName]: target }, ...o }));
const one = (svc: ServiceModel, settings = {}): ClusterModel => cluster({ ...cidr8, ...settings }, nodes(), [svc]);
const http = (extra = {}) => port({ name: 'http', port: 80, ...extra });

const webNodePort = (extra: Partial<ServiceModel> = {}) =>
  service('default', 'web', {
    type: 'NodePort',
    clusterIPs: ['10.96.0.50'],
    ports: [http({ nodePort: 30080 })],
    endpoints: [...web(['10.244.1.5']), ...web(['10.244.2.6'], { node: N })],
    ...extra,
  });

export const CASES: GoldenCase[] = [
  {
    name: 'overall',
    about: "kube-proxy's TestOverallIPTablesRules fixture in ksvc's own order, real mark, --random-fully",
    model: overallModel,
    noKsvc:
      'the Go fixture sets a health-check port on an eTP=Cluster service, which the checker refuses; overall.ksvc is its hand-written twin',
  },
  {
    name: 'clusterip',
    about: 'ClusterIP, three endpoints (probabilities 1/3, 1/2, last unconditional), ClusterCIDR detector',
    model: () =>
      one(
        service('default', 'api', {
          clusterIPs: ['10.96.0.10'],
          ports: [http()],
          endpoints: web(['10.244.1.3', '10.244.1.10', '10.244.2.4']),
        }),
      ),
  },
  {
    name: 'nodeport',
    about: 'NodePort eTP=Cluster: localhost nfacct rule, EXT masquerade',
    model: () => one(webNodePort()),
  },
  {
    name: 'loadbalancer',
    about: 'LoadBalancer without source ranges: LB IP -> EXT',
    model: () => one(webNodePort({ type: 'LoadBalancer', loadBalancerIngress: [ip('203.0.113.10')] })),
  },
  {
    name: 'lb-source-ranges',
    about: 'LoadBalancer with source ranges (node IP outside): KUBE-FW + KUBE-PROXY-FIREWALL',
    model: () =>
      one(
        webNodePort({
          type: 'LoadBalancer',
          loadBalancerIngress: [ip('203.0.113.10')],
          loadBalancerSourceRanges: [cidr('198.51.100.0/24'), cidr('203.0.113.128/25')],
        }),
      ),
  },
  {
    name: 'lb-source-ranges-node-ip',
    about: 'a source range holds the node IP: the LB IPs themselves are allowed as sources',
    model: () =>
      one(
        webNodePort({
          type: 'LoadBalancer',
          loadBalancerIngress: [ip('203.0.113.10'), ip('203.0.113.11')],
          loadBalancerSourceRanges: [cidr('192.168.0.0/24')],
        }),
      ),
  },
  {
    name: 'external-ips',
    about: 'ClusterIP service with external IPs: KUBE-EXT per external IP, masquerade, cluster endpoints',
    model: () =>
      one(
        service('default', 'ext', {
          clusterIPs: ['10.96.0.60'],
          externalIPs: [ip('192.168.0.100'), ip('192.168.0.101')],
          ports: [http()],
          endpoints: web(['10.244.1.5']),
        }),
      ),
  },
  {
    name: 'external-ips-etp-local',
    about:
      'ClusterIP service with external IPs and eTP=Local: the external policy applies (apiservice.ExternalPolicyLocal); no local endpoint, so filter DROPs',
    model: () =>
      one(
        service('default', 'ext', {
          clusterIPs: ['10.96.0.60'],
          externalIPs: [ip('192.168.0.100'), ip('192.168.0.101')],
          externalTrafficPolicy: 'Local',
          ports: [http()],
          endpoints: web(['10.244.1.5']),
        }),
      ),
  },
  {
    name: 'etp-local',
    about: 'LoadBalancer eTP=Local with a local endpoint: pod/LOCAL short-circuits, SVL, health check ACCEPT',
    model: () =>
      one(
        webNodePort({
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Local',
          loadBalancerIngress: [ip('203.0.113.10')],
          healthCheckNodePort: 31000,
          externalIPs: [ip('192.168.0.100')],
        }),
      ),
  },
  {
    name: 'topology-hints',
    about:
      "zone hints: Cluster policy keeps the endpoints hinted for node-a's zone, Local policy every local one; rules for both (kube-proxy CategorizeEndpoints)",
    model: () =>
      cluster(
        cidr8,
        [node(N, ['192.168.0.10'], [], 'zone-a'), node('node-b', ['192.168.0.11'], [], 'zone-b')],
        [
          webNodePort({
            externalTrafficPolicy: 'Local',
            endpoints: [
              ...web(['10.244.1.5'], { node: N, zoneHints: ['zone-a'] }),
              ...web(['10.244.1.6'], { node: N, zoneHints: ['zone-b'] }),
              ...web(['10.244.2.7'], { node: 'node-b', zoneHints: ['zone-a'] }),
              ...web(['10.244.2.8'], { node: 'node-b', zoneHints: ['zone-b'] }),
            ],
          }),
        ],
      ),
  },
  {
    name: 'etp-local-no-local-endpoints',
    about: 'eTP=Local compiled for a node without local endpoints: EXT without final jump, filter DROPs',
    model: () =>
      one(
        webNodePort({
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Local',
          loadBalancerIngress: [ip('203.0.113.10')],
          healthCheckNodePort: 31000,
          externalIPs: [ip('192.168.0.100')],
        }),
      ),
    lower: { node: 'node-b' },
  },
  {
    name: 'itp-local',
    about: 'iTP=Local: with a local endpoint (SVL) and without (filter DROP "has no local endpoints")',
    model: () =>
      cluster(cidr8, nodes(), [
        service('default', 'near', {
          clusterIPs: ['10.96.0.70'],
          internalTrafficPolicy: 'Local',
          ports: [http()],
          endpoints: [...web(['10.244.1.5'], { node: N }), ...web(['10.244.2.6'], { node: 'node-b' })],
        }),
        service('default', 'far', {
          clusterIPs: ['10.96.0.71'],
          internalTrafficPolicy: 'Local',
          ports: [http()],
          endpoints: web(['10.244.2.7'], { node: 'node-b' }),
        }),
        service('default', 'both', {
          type: 'NodePort',
          clusterIPs: ['10.96.0.72'],
          internalTrafficPolicy: 'Local',
          externalTrafficPolicy: 'Local',
          ports: [http({ nodePort: 30072 })],
          endpoints: [...web(['10.244.1.8'], { node: N }), ...web(['10.244.2.8'], { node: 'node-b' })],
        }),
      ]),
  },
  {
    name: 'affinity',
    about: 'ClientIP affinity (rcheck rules first, recent --set in SEP), also in an SVL chain',
    model: () =>
      one(
        webNodePort({
          externalTrafficPolicy: 'Local',
          sessionAffinity: { type: 'ClientIP', timeoutSeconds: 600 },
          endpoints: [...web(['10.244.1.5', '10.244.1.6']), ...web(['10.244.2.6', '10.244.2.7'], { node: N })],
        }),
      ),
  },
  {
    name: 'no-endpoints',
    about: 'no endpoints: only filter REJECTs (cluster IP, external IP, LB IP, NodePort), no nat chains',
    model: () =>
      one(
        webNodePort({
          type: 'LoadBalancer',
          endpoints: [],
          externalIPs: [ip('192.168.0.100')],
          loadBalancerIngress: [ip('203.0.113.10')],
          loadBalancerSourceRanges: [cidr('198.51.100.0/24')],
        }),
      ),
  },
  {
    name: 'terminating-fallback',
    about: 'no ready endpoint: serving+terminating ones are used (never not-serving); local fallback makes a union',
    model: () =>
      cluster(cidr8, nodes(), [
        service('default', 'drain', {
          clusterIPs: ['10.96.0.80'],
          ports: [http()],
          endpoints: [
            ...web(['10.244.1.5'], { ready: false, serving: true, terminating: true }),
            ...web(['10.244.1.6'], { ready: false, serving: false, terminating: true }),
            ...web(['10.244.1.7'], { ready: false }),
          ],
        }),
        service('default', 'mixed', {
          type: 'NodePort',
          clusterIPs: ['10.96.0.81'],
          externalTrafficPolicy: 'Local',
          ports: [http({ nodePort: 30081 })],
          endpoints: [
            ...web(['10.244.2.5']),
            ...web(['10.244.1.9'], { node: N, ready: false, serving: true, terminating: true }),
          ],
        }),
      ]),
  },
  ...(['None', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix'] as const).map(
    (mode): GoldenCase => ({
      name: `detector-${mode.toLowerCase()}`,
      about: `--detect-local-mode ${mode}: the masquerade and "pod traffic" rules`,
      model: () =>
        cluster(
          {
            localDetector:
              mode === 'None'
                ? { mode }
                : mode === 'NodeCIDR'
                  ? { mode }
                  : mode === 'BridgeInterface'
                    ? { mode, interfaceName: 'cbr0' }
                    : { mode, prefix: 'veth' },
          },
          [node(N, ['192.168.0.10'], ['10.244.1.0/24'])],
          [webNodePort({ externalTrafficPolicy: 'Local' })],
        ),
    }),
  ),
  {
    name: 'service-detector-override',
    about: "a service's own detector (ksvc extension) replaces the cluster's",
    model: () =>
      cluster(cidr8, nodes(), [
        webNodePort({
          localDetectorOverride: { mode: 'ClusterCIDR', cidrs: [cidr('10.250.0.0/16')] },
          externalTrafficPolicy: 'Local',
        }),
        service('default', 'plain', { clusterIPs: ['10.96.0.51'], ports: [http()], endpoints: web(['10.244.3.3']) }),
      ]),
  },
  {
    name: 'masquerade-all',
    about: '--masquerade-all: the cluster IP masquerade rule has no detector match',
    model: () => one(webNodePort()),
    lower: { overrides: { masqueradeAll: true } },
  },
  {
    name: 'ipv6',
    about: 'ip6tables: no KUBE-FIREWALL, no localhost NodePort rule, tail "! -d ::1/128", brackets, REJECT',
    model: () =>
      cluster(
        { localDetector: { mode: 'ClusterCIDR', cidrs: [cidr('10.244.0.0/16'), cidr('fd00:10:244::/64')] } },
        [node(N, ['192.168.0.10', '2001:db8::10'])],
        [
          service('default', 'web6', {
            type: 'LoadBalancer',
            clusterIPs: ['fd00:10:96::50', '10.96.0.50'],
            ports: [http({ nodePort: 30080 })],
            loadBalancerIngress: [ip('2001:db8:1::10')],
            loadBalancerSourceRanges: [cidr('2001:db8::/64')],
            sessionAffinity: { type: 'ClientIP', timeoutSeconds: 10800 },
            endpoints: [...web(['fd00:10:244:1::5', 'fd00:10:244:1::a']), ...web(['10.244.1.5'])],
          }),
          service('default', 'empty6', { clusterIPs: ['fd00:10:96::51'], ports: [http()] }),
        ],
      ),
    lower: { family: 'ipv6' },
  },
  {
    name: 'sctp-udp',
    about: 'UDP and SCTP ports (the health check port stays tcp)',
    model: () =>
      one(
        service('kube-system', 'dns', {
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Local',
          healthCheckNodePort: 31053,
          clusterIPs: ['10.96.0.10'],
          loadBalancerIngress: [ip('203.0.113.53')],
          ports: [
            port({ name: 'dns', port: 53, protocol: 'udp', nodePort: 30053 }),
            port({ name: 'sig', port: 9899, protocol: 'sctp', nodePort: 30099 }),
          ],
          endpoints: [
            ep('10.244.1.2', { node: N, ports: { dns: 53, sig: 9899 } }),
            ep('10.244.2.2', { ports: { dns: 53, sig: 9899 } }),
          ],
        }),
      ),
  },
  {
    name: 'multi-port',
    about: 'several ports of one service (different target ports, one port without endpoints) and an unnamed port',
    noKsvc: '.ksvc cannot say that one port of a service has no endpoint while its other ports have some',
    model: () =>
      cluster(cidr8, nodes(), [
        service('default', 'multi', {
          clusterIPs: ['10.96.0.90'],
          ports: [
            port({ name: 'http', port: 80 }),
            port({ name: 'https', port: 443 }),
            port({ name: 'admin', port: 9000 }),
          ],
          endpoints: [
            ep('10.244.1.5', { ports: { http: 8080, https: 8443 } }),
            ep('10.244.1.6', { ports: { http: 8080, https: 8443 } }),
          ],
        }),
        service('default', 'solo', {
          clusterIPs: ['10.96.0.91'],
          ports: [port({ port: 8080 })],
          endpoints: [ep('10.244.1.7', { ports: { '': 8080 } })],
        }),
      ]),
  },
  {
    name: 'shared-endpoints',
    about: 'two services over the same endpoints: distinct SEP chains per service port',
    model: () =>
      cluster(cidr8, nodes(), [
        service('default', 'a', {
          clusterIPs: ['10.96.0.100'],
          ports: [http()],
          endpoints: web(['10.244.1.5', '10.244.1.6']),
        }),
        service('default', 'b', {
          clusterIPs: ['10.96.0.101'],
          ports: [http()],
          endpoints: web(['10.244.1.5', '10.244.1.6']),
        }),
      ]),
  },
  {
    name: 'large-cluster',
    about: '1001 endpoints: endpoint rule comments elided (other comments stay)',
    model: () =>
      cluster(cidr8, nodes(), [
        service('default', 'big', {
          type: 'NodePort',
          clusterIPs: ['10.96.1.1'],
          ports: [http({ nodePort: 30001 })],
          sessionAffinity: { type: 'ClientIP', timeoutSeconds: 10800 },
          endpoints: Array.from({ length: 3 }, (_, i) => ep(`10.244.9.${i + 1}`, { ports: { http: 8080 } })),
        }),
        service('default', 'filler', {
          clusterIPs: ['10.96.1.2'],
          ports: [http()],
          // not-ready endpoints still count (kube-proxy counts endpointsMap), and produce no rules
          endpoints: Array.from({ length: 998 }, (_, i) =>
            ep(`10.245.${i >> 8}.${i & 255}`, { ports: { http: 8080 }, ready: false, serving: false }),
          ),
        }),
      ]),
  },
  {
    name: 'no-nfacct',
    about: 'nfacct counters unavailable: plain INVALID drop, no localhost NodePort counter rule',
    model: () => one(webNodePort()),
    lower: { environment: { nfacct: false } },
  },
  {
    name: 'conntrack-liberal',
    about: 'nf_conntrack_tcp_be_liberal set: no INVALID drop rule',
    model: () => one(webNodePort()),
    lower: { environment: { conntrackLiberal: true } },
  },
  {
    name: 'no-random-fully',
    about: 'iptables without --random-fully support',
    model: () => one(webNodePort()),
    lower: { environment: { randomFully: false } },
  },
  {
    name: 'localhost-nodeports-off',
    about: '--iptables-localhost-nodeports=false: no KUBE-FIREWALL, tail "! -d 127.0.0.0/8"',
    model: () => one(webNodePort()),
    lower: { overrides: { localhostNodePorts: false } },
  },
  {
    name: 'nodeport-addresses',
    about: '--nodeport-addresses 192.168.0.0/24,127.0.0.0/8: one tail rule per matching address',
    model: () =>
      cluster(
        { ...cidr8, nodePortAddresses: [cidr('192.168.0.0/24'), cidr('127.0.0.0/8'), cidr('fd00::/8')] },
        [node(N, ['192.168.0.10', '10.1.1.1', '192.168.0.12'])],
        [webNodePort()],
      ),
  },
  {
    name: 'masquerade-bit',
    about: '--iptables-masquerade-bit 0: mark 0x00000001',
    model: () => one(webNodePort(), { masqueradeBit: 0 }),
  },
  {
    name: 'no-node',
    about: 'a model without nodes: nothing is local, primary node IP falls back to loopback',
    model: () =>
      cluster(
        cidr8,
        [],
        [webNodePort({ externalTrafficPolicy: 'Local', endpoints: web(['10.244.1.5', '10.244.2.6']) })],
      ),
  },
];

/** Lower a case: compiled for node-a unless the case says otherwise. */
export function caseOptions(c: GoldenCase, model: ClusterModel): LowerOptions {
  return { ...(model.nodes.length > 1 ? { node: N } : {}), ...c.lower };
}
