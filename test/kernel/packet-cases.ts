// Dedicated packet-test cases: small models that each exercise one kube-proxy behaviour, plus the
// probes whose outcome the test asserts literally (independently of the reference evaluator).
import type { Family } from '../../common/ip.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { cidr, cluster, endpoint, ip, port, service } from './models.ts';

export interface Expectation {
  /** Substring of the frontend label, e.g. "default/web:http cluster". */
  frontend: string;
  /** Source label, e.g. "client:outside". */
  source: string;
  /** The exact set of outcome keys every backend must show for that cell. */
  keys: string[];
}

export interface PacketCase {
  name: string;
  model: ClusterModel;
  node: string;
  /** Default ipv4. */
  family?: Family;
  expect: Expectation[];
}

const N1 = { name: 'node-a', addresses: ['172.16.1.35'], podCIDRs: ['10.64.1.0/24'] };
const N2 = { name: 'node-b', addresses: ['172.16.1.33'], podCIDRs: ['10.64.2.0/24'] };
const clusterCidr = { localDetector: { mode: 'ClusterCIDR' as const, cidrs: [cidr('10.64.0.0/16')] } };

// A ClusterIP over two endpoints (tcp+udp), a LoadBalancer without endpoints (REJECT), a NodePort.
const basic = cluster(
  clusterCidr,
  [N1, N2],
  [
    service('kube-system', 'dns', {
      clusterIPs: [ip('10.32.0.10')],
      ports: [port('dns', 'udp', 53, 53), port('dns-tcp', 'tcp', 53, 53)],
      endpoints: [
        endpoint('10.64.1.7', 'node-a', { dns: 53, 'dns-tcp': 53 }),
        endpoint('10.64.2.8', 'node-b', { dns: 53, 'dns-tcp': 53 }),
      ],
    }),
    service('default', 'empty', {
      type: 'LoadBalancer',
      clusterIPs: [ip('10.32.0.20')],
      ports: [port('http', 'tcp', 80, 8080, 30081), port('q', 'udp', 81, 8081, 30082)],
      externalIPs: [ip('192.168.77.20')],
      loadBalancerIngress: [ip('192.168.99.20')],
      endpoints: [],
    }),
    service('default', 'web', {
      type: 'NodePort',
      clusterIPs: [ip('10.32.0.159')],
      ports: [port('http', 'tcp', 8080, 80, 30080)],
      endpoints: [
        endpoint('10.64.1.13', 'node-a', { http: 80 }),
        endpoint('10.64.2.14', 'node-b', { http: 80 }),
        endpoint('10.64.2.15', 'node-b', { http: 80 }, { ready: false }),
      ],
    }),
  ],
);

// LoadBalancer with source ranges (one range holds the node IP), an external IP, eTP=Cluster.
const lb = cluster(
  clusterCidr,
  [N1, N2],
  [
    service('default', 'lb', {
      type: 'LoadBalancer',
      clusterIPs: [ip('10.32.0.50')],
      ports: [port('https', 'tcp', 443, 8443, 30443)],
      externalIPs: [ip('192.168.77.10')],
      loadBalancerIngress: [ip('192.168.99.1')],
      loadBalancerSourceRanges: [cidr('203.0.113.0/25'), cidr('172.16.1.0/24')],
      endpoints: [endpoint('10.64.1.21', 'node-a', { https: 8443 }), endpoint('10.64.2.22', 'node-b', { https: 8443 })],
    }),
    service('default', 'lb-open', {
      type: 'LoadBalancer',
      clusterIPs: [ip('10.32.0.51')],
      ports: [port('dns', 'udp', 53, 5353, 30053)],
      loadBalancerIngress: [ip('192.168.99.2')],
      endpoints: [endpoint('10.64.2.23', 'node-b', { dns: 5353 })],
    }),
  ],
);

// eTP=Local LoadBalancer + NodePort + external IP, with a health check node port.
const etpLocal = cluster(
  clusterCidr,
  [N1, N2],
  [
    service('default', 'local-lb', {
      type: 'LoadBalancer',
      clusterIPs: [ip('10.32.0.60')],
      ports: [port('http', 'tcp', 80, 8080, 30060)],
      externalIPs: [ip('192.168.77.60')],
      loadBalancerIngress: [ip('192.168.99.60')],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32000,
      endpoints: [
        endpoint('10.64.1.61', 'node-a', { http: 8080 }),
        endpoint('10.64.2.62', 'node-b', { http: 8080 }),
        endpoint('10.64.2.63', 'node-b', { http: 8080 }),
      ],
    }),
  ],
);

// iTP=Local, ClientIP affinity, and a UDP NodePort.
const itpAffinity = cluster(
  clusterCidr,
  [N1, N2],
  [
    service('default', 'itp', {
      clusterIPs: [ip('10.32.0.70')],
      ports: [port('http', 'tcp', 80, 80)],
      internalTrafficPolicy: 'Local',
      endpoints: [
        endpoint('10.64.1.71', 'node-a', { http: 80 }),
        endpoint('10.64.1.72', 'node-a', { http: 80 }),
        endpoint('10.64.2.73', 'node-b', { http: 80 }),
      ],
    }),
    service('default', 'sticky', {
      type: 'NodePort',
      clusterIPs: [ip('10.32.0.80')],
      ports: [port('http', 'tcp', 80, 80, 30090), port('u', 'udp', 90, 90, 30091)],
      sessionAffinity: { type: 'ClientIP', timeoutSeconds: 600 },
      endpoints: [
        endpoint('10.64.1.81', 'node-a', { http: 80, u: 90 }),
        endpoint('10.64.2.82', 'node-b', { http: 80, u: 90 }),
      ],
    }),
  ],
);

const detectorCase = (name: string, settings: Parameters<typeof cluster>[0]): ClusterModel =>
  cluster(
    settings,
    [N1, N2],
    [
      service('default', `${name}-c`, {
        clusterIPs: [ip('10.32.0.90')],
        ports: [port('http', 'tcp', 80, 80)],
        endpoints: [endpoint('10.64.1.91', 'node-a', { http: 80 }), endpoint('10.64.2.92', 'node-b', { http: 80 })],
      }),
      service('default', `${name}-l`, {
        type: 'NodePort',
        clusterIPs: [ip('10.32.0.91')],
        ports: [port('http', 'tcp', 80, 80, 30095)],
        externalTrafficPolicy: 'Local',
        endpoints: [endpoint('10.64.1.93', 'node-a', { http: 80 }), endpoint('10.64.2.94', 'node-b', { http: 80 })],
      }),
    ],
  );

export const CASES: PacketCase[] = [
  {
    name: 'ClusterIP over two endpoints, no-endpoint REJECT, NodePort eTP=Cluster',
    model: basic,
    node: 'node-a',
    expect: [
      {
        frontend: 'kube-system/dns:dns-tcp cluster',
        source: 'client:outside',
        keys: ['dnat 10.64.1.7:53 masq', 'dnat 10.64.2.8:53 masq'],
      },
      {
        frontend: 'kube-system/dns:dns cluster',
        source: 'pod:10.64.0.0/16',
        keys: ['dnat 10.64.1.7:53', 'dnat 10.64.2.8:53'],
      },
      { frontend: 'default/empty:http cluster', source: 'client:outside', keys: ['reject'] },
      { frontend: 'default/empty:q cluster', source: 'pod:10.64.0.0/16', keys: ['reject'] },
      { frontend: 'default/empty:http nodeport 172.16.1.35', source: 'client:outside', keys: ['reject'] },
      { frontend: 'default/empty:http lb 192.168.99.20', source: 'client:outside', keys: ['reject'] },
      { frontend: 'default/empty:q external 192.168.77.20', source: 'pod:10.64.0.0/16', keys: ['reject'] },
      // KUBE-EXTERNAL-SERVICES is not hooked into OUTPUT: the node's own traffic to them goes out.
      { frontend: 'default/empty:http lb 192.168.99.20', source: 'node', keys: ['forward'] },
      {
        frontend: 'default/web:http nodeport 172.16.1.35',
        source: 'client:outside',
        keys: ['dnat 10.64.1.13:80 masq', 'dnat 10.64.2.14:80 masq'],
      },
    ],
  },
  {
    name: 'LoadBalancer source ranges (in, out, node range), external IP',
    model: lb,
    node: 'node-a',
    expect: [
      { frontend: 'default/lb:https lb', source: 'client:outside', keys: ['drop'] },
      {
        frontend: 'default/lb:https lb',
        source: 'client:203.0.113.0/25',
        keys: ['dnat 10.64.1.21:8443 masq', 'dnat 10.64.2.22:8443 masq'],
      },
      {
        frontend: 'default/lb:https external',
        source: 'client:outside',
        keys: ['dnat 10.64.1.21:8443 masq', 'dnat 10.64.2.22:8443 masq'],
      },
      {
        frontend: 'default/lb:https nodeport 172.16.1.35',
        source: 'client:outside',
        keys: ['dnat 10.64.1.21:8443 masq', 'dnat 10.64.2.22:8443 masq'],
      },
    ],
  },
  {
    name: 'eTP=Local with a local endpoint (node-a)',
    model: etpLocal,
    node: 'node-a',
    expect: [
      {
        frontend: 'default/local-lb:http nodeport 172.16.1.35',
        source: 'client:outside',
        keys: ['dnat 10.64.1.61:8080'],
      },
      { frontend: 'default/local-lb:http lb', source: 'client:outside', keys: ['dnat 10.64.1.61:8080'] },
      { frontend: 'default/local-lb:http healthcheck', source: 'client:outside', keys: ['local'] },
    ],
  },
  {
    name: 'eTP=Local compiled for node-b (two local endpoints)',
    model: etpLocal,
    node: 'node-b',
    expect: [
      {
        frontend: 'default/local-lb:http lb',
        source: 'client:outside',
        keys: ['dnat 10.64.2.62:8080', 'dnat 10.64.2.63:8080'],
      },
    ],
  },
  {
    name: 'eTP=Local, no local endpoint on this node',
    model: cluster(
      clusterCidr,
      [N1, N2],
      [
        service('default', 'local-lb', {
          type: 'LoadBalancer',
          clusterIPs: [ip('10.32.0.60')],
          ports: [port('http', 'tcp', 80, 8080, 30060)],
          externalIPs: [ip('192.168.77.60')],
          loadBalancerIngress: [ip('192.168.99.60')],
          externalTrafficPolicy: 'Local',
          healthCheckNodePort: 32000,
          endpoints: [endpoint('10.64.2.62', 'node-b', { http: 8080 })],
        }),
      ],
    ),
    node: 'node-a',
    expect: [
      { frontend: 'default/local-lb:http nodeport 172.16.1.35', source: 'client:outside', keys: ['drop'] },
      { frontend: 'default/local-lb:http lb', source: 'client:outside', keys: ['drop'] },
      { frontend: 'default/local-lb:http external', source: 'client:outside', keys: ['drop'] },
      {
        frontend: 'default/local-lb:http nodeport 172.16.1.35',
        source: 'pod:10.64.0.0/16',
        keys: ['dnat 10.64.2.62:8080'],
      },
      { frontend: 'default/local-lb:http nodeport 172.16.1.35', source: 'node', keys: ['dnat 10.64.2.62:8080 masq'] },
    ],
  },
  {
    name: 'iTP=Local and ClientIP affinity',
    model: itpAffinity,
    node: 'node-a',
    expect: [
      {
        frontend: 'default/itp:http cluster',
        source: 'pod:10.64.0.0/16',
        keys: ['dnat 10.64.1.71:80', 'dnat 10.64.1.72:80'],
      },
    ],
  },
  {
    name: 'iTP=Local compiled for node-b (one local endpoint)',
    model: itpAffinity,
    node: 'node-b',
    expect: [{ frontend: 'default/itp:http cluster', source: 'pod:10.64.0.0/16', keys: ['dnat 10.64.2.73:80'] }],
  },
  {
    name: 'iTP=Local on a node without a local endpoint (DROP)',
    model: cluster(clusterCidr, [N1, N2, { name: 'node-c', addresses: ['172.16.1.40'] }], itpAffinity.services),
    node: 'node-c',
    expect: [{ frontend: 'default/itp:http cluster', source: 'client:outside', keys: ['drop'] }],
  },
  {
    name: 'masquerade-all, no detector',
    model: detectorCase('ma', { masqueradeAll: true }),
    node: 'node-a',
    expect: [
      {
        frontend: 'default/ma-c:http cluster',
        source: 'pod',
        keys: ['dnat 10.64.1.91:80 masq', 'dnat 10.64.2.92:80 masq'],
      },
    ],
  },
  {
    name: 'detector None',
    model: detectorCase('none', {}),
    node: 'node-a',
    expect: [
      {
        frontend: 'default/none-c:http cluster',
        source: 'client:outside',
        keys: ['dnat 10.64.1.91:80', 'dnat 10.64.2.92:80'],
      },
    ],
  },
  {
    name: 'detector NodeCIDR',
    model: detectorCase('nc', { localDetector: { mode: 'NodeCIDR' } }),
    node: 'node-a',
    expect: [],
  },
  {
    name: 'detector BridgeInterface',
    model: detectorCase('br', { localDetector: { mode: 'BridgeInterface', interfaceName: 'cbr0' } }),
    node: 'node-a',
    expect: [
      { frontend: 'default/br-c:http cluster', source: 'pod', keys: ['dnat 10.64.1.91:80', 'dnat 10.64.2.92:80'] },
    ],
  },
  {
    name: 'detector InterfaceNamePrefix',
    model: detectorCase('pfx', { localDetector: { mode: 'InterfaceNamePrefix', prefix: 'veth' } }),
    node: 'node-a',
    expect: [
      {
        frontend: 'default/pfx-l:http nodeport 172.16.1.35',
        source: 'pod',
        keys: ['dnat 10.64.1.93:80', 'dnat 10.64.2.94:80'],
      },
    ],
  },
  {
    name: 'localhost NodePorts off, NodePort addresses restricted',
    model: detectorCase('npa', {
      ...clusterCidr,
      localhostNodePorts: false,
      nodePortAddresses: [cidr('172.16.1.0/24')],
    }),
    node: 'node-a',
    expect: [{ frontend: 'default/npa-l:http nodeport 127.0.0.1', source: 'localhost', keys: ['local'] }],
  },
  {
    name: 'IPv6: LoadBalancer with source ranges, eTP=Local NodePort, no-endpoint REJECT, ::1 NodePort',
    family: 'ipv6',
    model: cluster(
      { localDetector: { mode: 'ClusterCIDR', cidrs: [cidr('fd00:64::/48')] } },
      [
        { name: 'node-a', addresses: ['fd00:10::11'] },
        { name: 'node-b', addresses: ['fd00:10::12'] },
      ],
      [
        service('default', 'lb6', {
          type: 'LoadBalancer',
          clusterIPs: [ip('fd00:32::50')],
          ports: [port('https', 'tcp', 443, 8443, 30443), port('dns', 'udp', 53, 53, 30053)],
          loadBalancerIngress: [ip('fd00:99::1')],
          loadBalancerSourceRanges: [cidr('2001:db8:1::/64'), cidr('fd00:10::/64')],
          endpoints: [
            endpoint('fd00:64:0:1::21', 'node-a', { https: 8443, dns: 53 }),
            endpoint('fd00:64:0:2::22', 'node-b', { https: 8443, dns: 53 }),
          ],
        }),
        service('default', 'local6', {
          type: 'NodePort',
          clusterIPs: [ip('fd00:32::60')],
          ports: [port('http', 'tcp', 80, 8080, 30060)],
          externalTrafficPolicy: 'Local',
          endpoints: [
            endpoint('fd00:64:0:1::61', 'node-a', { http: 8080 }),
            endpoint('fd00:64:0:2::62', 'node-b', { http: 8080 }),
          ],
        }),
        service('default', 'empty6', {
          type: 'NodePort',
          clusterIPs: [ip('fd00:32::70')],
          ports: [port('http', 'tcp', 80, 8080, 30070), port('q', 'udp', 81, 81, 30071)],
          endpoints: [],
        }),
      ],
    ),
    node: 'node-a',
    expect: [
      { frontend: 'default/lb6:https lb', source: 'client:outside', keys: ['drop'] },
      {
        frontend: 'default/lb6:https lb',
        source: 'client:2001:db8:1::/64',
        keys: ['dnat fd00:64:0:1::21:8443 masq', 'dnat fd00:64:0:2::22:8443 masq'],
      },
      {
        frontend: 'default/local6:http nodeport fd00:10::11',
        source: 'client:outside',
        keys: ['dnat fd00:64:0:1::61:8080'],
      },
      { frontend: 'default/empty6:http cluster', source: 'client:outside', keys: ['reject'] },
      { frontend: 'default/empty6:q nodeport fd00:10::11', source: 'pod:fd00:64::/48', keys: ['reject'] },
      { frontend: 'default/local6:http nodeport ::1', source: 'localhost', keys: ['local'] },
      // arriving from the node's own address (IPv6 routes it): LOCAL as a source, so eTP=Local
      // sends it to every endpoint, masqueraded; the source range holds it; a REJECT's error goes
      // to the node itself, unseen by the sender
      {
        frontend: 'default/local6:http nodeport fd00:10::11',
        source: 'client:node-ip:fd00:10::11',
        keys: ['dnat fd00:64:0:1::61:8080 masq', 'dnat fd00:64:0:2::62:8080 masq'],
      },
      {
        frontend: 'default/lb6:https lb',
        source: 'client:node-ip:fd00:10::11',
        keys: ['dnat fd00:64:0:1::21:8443 masq', 'dnat fd00:64:0:2::22:8443 masq'],
      },
      { frontend: 'default/empty6:http cluster', source: 'client:node-ip:fd00:10::11', keys: ['drop'] },
    ],
  },
  {
    name: 'terminating fallback, five endpoints, several LB/external IPs, eTP=Local affinity, UDP eTP=Local DROP, detector override',
    model: cluster(
      clusterCidr,
      [N1, N2],
      [
        service('default', 'draining', {
          type: 'NodePort',
          clusterIPs: [ip('10.32.1.10')],
          ports: [port('http', 'tcp', 80, 80, 31010)],
          endpoints: [
            endpoint('10.64.1.101', 'node-a', { http: 80 }, { ready: false, serving: true, terminating: true }),
            endpoint('10.64.2.102', 'node-b', { http: 80 }, { ready: false, serving: true, terminating: true }),
            endpoint('10.64.2.103', 'node-b', { http: 80 }, { ready: false, serving: false, terminating: true }),
          ],
        }),
        service('default', 'five', {
          type: 'LoadBalancer',
          clusterIPs: [ip('10.32.1.20')],
          ports: [port('http', 'tcp', 80, 8080, 31020)],
          externalIPs: [ip('192.168.77.21'), ip('192.168.77.22')],
          loadBalancerIngress: [ip('192.168.99.21'), ip('192.168.99.22')],
          loadBalancerSourceRanges: [cidr('203.0.113.0/26'), cidr('198.51.100.128/25')],
          endpoints: ['10.64.1.111', '10.64.1.112', '10.64.2.113', '10.64.2.114', '10.64.2.115'].map((a) =>
            endpoint(a, a.startsWith('10.64.1.') ? 'node-a' : 'node-b', { http: 8080 }),
          ),
        }),
        service('default', 'sticky-local', {
          type: 'NodePort',
          clusterIPs: [ip('10.32.1.30')],
          ports: [port('http', 'tcp', 80, 80, 31030)],
          externalTrafficPolicy: 'Local',
          sessionAffinity: { type: 'ClientIP', timeoutSeconds: 30 },
          endpoints: [
            endpoint('10.64.1.121', 'node-a', { http: 80 }),
            endpoint('10.64.1.122', 'node-a', { http: 80 }),
            endpoint('10.64.2.123', 'node-b', { http: 80 }),
          ],
        }),
        service('default', 'udp-local', {
          type: 'NodePort',
          clusterIPs: [ip('10.32.1.40')],
          ports: [port('dns', 'udp', 53, 53, 31040)],
          externalTrafficPolicy: 'Local',
          endpoints: [endpoint('10.64.2.131', 'node-b', { dns: 53 })],
        }),
        service('default', 'override', {
          clusterIPs: [ip('10.32.1.50')],
          ports: [port('http', 'tcp', 80, 80)],
          localDetectorOverride: { mode: 'ClusterCIDR', cidrs: [cidr('10.64.1.0/24')] },
          endpoints: [endpoint('10.64.1.141', 'node-a', { http: 80 })],
        }),
      ],
    ),
    node: 'node-a',
    expect: [
      {
        frontend: 'default/draining:http cluster',
        source: 'client:outside',
        keys: ['dnat 10.64.1.101:80 masq', 'dnat 10.64.2.102:80 masq'],
      },
      {
        frontend: 'default/draining:http nodeport 172.16.1.35',
        source: 'client:outside',
        keys: ['dnat 10.64.1.101:80 masq', 'dnat 10.64.2.102:80 masq'],
      },
      {
        frontend: 'default/five:http lb 192.168.99.22',
        source: 'client:203.0.113.0/26',
        keys: ['10.64.1.111', '10.64.1.112', '10.64.2.113', '10.64.2.114', '10.64.2.115'].map(
          (a) => `dnat ${a}:8080 masq`,
        ),
      },
      { frontend: 'default/five:http lb 192.168.99.21', source: 'client:outside', keys: ['drop'] },
      { frontend: 'default/udp-local:dns nodeport 172.16.1.35', source: 'client:outside', keys: ['drop'] },
      {
        frontend: 'default/udp-local:dns nodeport 172.16.1.35',
        source: 'pod:10.64.0.0/16',
        keys: ['dnat 10.64.2.131:53'],
      },
      // The override detector (10.64.1.0/24) does not count 10.64.255.254 as a pod: masqueraded.
      { frontend: 'default/override:http cluster', source: 'pod:10.64.0.0/16', keys: ['dnat 10.64.1.141:80 masq'] },
    ],
  },
];
