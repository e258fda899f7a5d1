// Topology-aware routing (compiler/lower/endpoints.ts): kube-proxy's CategorizeEndpoints with the
// endpoints' zone and node hints (pkg/proxy/topology.go, Kubernetes 1.34, PreferSameTrafficDistribution
// on). The cases follow kube-proxy's TestCategorizeEndpoints rows where hints apply, and add the
// node-hint (PreferSameNode) rows; each names the endpoints Cluster policy uses, the Local list and
// the endpoints that get rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IPText } from '../../common/ip.ts';
import type { IREndpoint } from '../../compiler/ir/types.ts';
import {
  type Candidates,
  categorizeEndpoints,
  type EndpointFacts,
  type NodeTopology,
  topologyFacts,
  topologyMode,
} from '../../compiler/lower/endpoints.ts';

interface Ep {
  at: string; // ip:port
  zones?: string[];
  nodes?: string[];
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  local?: boolean;
}

function candidates(eps: Ep[]): Candidates {
  const endpoints: IREndpoint[] = [];
  const models: EndpointFacts[] = [];
  for (const e of [...eps].sort((a, b) => (a.at < b.at ? -1 : 1))) {
    const [ip, port] = e.at.split(':');
    endpoints.push({ ip: ip as IPText, port: Number(port), hostPort: e.at, isLocal: e.local ?? false });
    const ready = e.ready ?? true;
    models.push({
      conditions: { ready, serving: e.serving ?? ready, terminating: e.terminating ?? false },
      ...(e.zones ? { zoneHints: e.zones } : {}),
      ...(e.nodes ? { nodeHints: e.nodes } : {}),
    });
  }
  return { endpoints, models };
}

const names = (l: IREndpoint[] | null) => (l === null ? null : l.map((e) => e.hostPort).sort());

interface Row {
  name: string;
  at: NodeTopology | null;
  usesCluster?: boolean;
  usesLocal?: boolean;
  eps: Ep[];
  cluster: string[] | null;
  local?: string[] | null;
  reachable?: string[];
}

const A: NodeTopology = { node: 'n-a', zone: 'zone-a' };
const FOUR: Ep[] = [
  { at: '10.1.2.3:80', zones: ['zone-a'] },
  { at: '10.1.2.4:80', zones: ['zone-b'] },
  { at: '10.1.2.5:80', zones: ['zone-c'] },
  { at: '10.1.2.6:80', zones: ['zone-a'] },
];
const ALL_FOUR = ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80', '10.1.2.6:80'];

const rows: Row[] = [
  { name: 'zone hints: only this zone', at: A, eps: FOUR, cluster: ['10.1.2.3:80', '10.1.2.6:80'] },
  {
    name: 'externalTrafficPolicy Local: topology does not filter the Local list; rules for the union',
    at: A,
    usesLocal: true,
    eps: [
      { at: '10.1.2.3:80', zones: ['zone-a'], local: true },
      { at: '10.1.2.4:80', zones: ['zone-b'], local: true },
      { at: '10.1.2.5:80', zones: ['zone-c'] },
      { at: '10.1.2.6:80', zones: ['zone-a'] },
    ],
    cluster: ['10.1.2.3:80', '10.1.2.6:80'],
    local: ['10.1.2.3:80', '10.1.2.4:80'],
    reachable: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
  },
  {
    name: 'no zone label: hints ignored',
    at: { node: 'n-a', zone: '' },
    eps: [{ at: '10.1.2.3:80', zones: ['zone-a'] }],
    cluster: ['10.1.2.3:80'],
  },
  {
    name: 'node in a zone no endpoint is hinted for: no filtering',
    at: { node: 'n-b', zone: 'zone-b' },
    eps: [{ at: '10.1.2.3:80', zones: ['zone-a'] }],
    cluster: ['10.1.2.3:80'],
  },
  {
    name: 'an unready endpoint neither counts nor is used',
    at: A,
    eps: [...FOUR.slice(0, 3), { at: '10.1.2.6:80', zones: ['zone-a'], ready: false, serving: false }],
    cluster: ['10.1.2.3:80'],
  },
  {
    name: 'only unready endpoints in this zone: no filtering',
    at: A,
    eps: [
      { at: '10.1.2.3:80', zones: ['zone-a'], ready: false, serving: false },
      { at: '10.1.2.4:80', zones: ['zone-b'] },
      { at: '10.1.2.5:80', zones: ['zone-c'] },
      { at: '10.1.2.6:80', zones: ['zone-a'], ready: false, serving: false },
    ],
    cluster: ['10.1.2.4:80', '10.1.2.5:80'],
  },
  {
    name: 'a ready endpoint without hints: no filtering',
    at: A,
    eps: [FOUR[0]!, FOUR[1]!, { at: '10.1.2.5:80' }, FOUR[3]!],
    cluster: ALL_FOUR,
  },
  {
    name: 'several zones per endpoint: any that includes this zone',
    at: { node: 'n-c', zone: 'zone-c' },
    eps: [
      { at: '10.1.2.3:80', zones: ['zone-a', 'zone-b', 'zone-c'] },
      { at: '10.1.2.4:80', zones: ['zone-b', 'zone-c'] },
      { at: '10.1.2.5:80', zones: ['zone-b', 'zone-d'] },
      { at: '10.1.2.6:80', zones: ['zone-c'] },
    ],
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
  },
  {
    name: 'topology and locality disagree: the rules cover both lists',
    at: A,
    usesLocal: true,
    eps: [
      { at: '10.0.0.0:80', zones: ['zone-a'], local: true },
      { at: '10.0.0.1:80', zones: ['zone-b'], local: true },
      { at: '10.0.0.2:80', zones: ['zone-a'] },
      { at: '10.0.0.3:80', zones: ['zone-b'] },
    ],
    cluster: ['10.0.0.0:80', '10.0.0.2:80'],
    local: ['10.0.0.0:80', '10.0.0.1:80'],
    reachable: ['10.0.0.0:80', '10.0.0.1:80', '10.0.0.2:80'],
  },
  {
    name: 'node hints: only endpoints for this node, before zone hints',
    at: A,
    eps: [
      { at: '10.1.2.3:80', zones: ['zone-a'], nodes: ['n-a'] },
      { at: '10.1.2.4:80', zones: ['zone-a'], nodes: ['n-x'] },
      { at: '10.1.2.5:80', zones: ['zone-b'], nodes: ['n-a', 'n-y'] },
    ],
    cluster: ['10.1.2.3:80', '10.1.2.5:80'],
  },
  {
    name: 'node hints for other nodes only: zone hints decide',
    at: A,
    eps: [
      { at: '10.1.2.3:80', zones: ['zone-a'], nodes: ['n-x'] },
      { at: '10.1.2.4:80', zones: ['zone-b'], nodes: ['n-y'] },
    ],
    cluster: ['10.1.2.3:80'],
  },
  {
    name: 'a ready endpoint without node hints: zone hints decide',
    at: A,
    eps: [
      { at: '10.1.2.3:80', zones: ['zone-a'], nodes: ['n-a'] },
      { at: '10.1.2.4:80', zones: ['zone-a'] },
      { at: '10.1.2.5:80', zones: ['zone-b'], nodes: ['n-a'] },
    ],
    cluster: ['10.1.2.3:80', '10.1.2.4:80'],
  },
  {
    name: 'node hints alone (no zone hints), none for this node: no filtering',
    at: A,
    eps: [
      { at: '10.1.2.3:80', nodes: ['n-x'] },
      { at: '10.1.2.4:80', nodes: ['n-y'] },
    ],
    cluster: ['10.1.2.3:80', '10.1.2.4:80'],
  },
  {
    name: 'no ready endpoint: the serving-terminating fallback ignores hints',
    at: A,
    eps: [
      { at: '10.1.2.3:80', zones: ['zone-b'], ready: false, serving: true, terminating: true },
      { at: '10.1.2.4:80', zones: ['zone-a'], ready: false, serving: true, terminating: true },
    ],
    cluster: ['10.1.2.3:80', '10.1.2.4:80'],
  },
  {
    name: 'no node compiled: hints never match',
    at: null,
    eps: FOUR,
    cluster: ALL_FOUR,
  },
  {
    name: 'Local policy only: hints play no part',
    at: A,
    usesCluster: false,
    usesLocal: true,
    eps: [
      { at: '10.1.2.3:80', zones: ['zone-b'], local: true },
      { at: '10.1.2.4:80', zones: ['zone-a'] },
    ],
    cluster: null,
    local: ['10.1.2.3:80'],
  },
];

for (const r of rows) {
  test(r.name, () => {
    const got = categorizeEndpoints(candidates(r.eps), r.usesCluster ?? true, r.usesLocal ?? false, r.at);
    const local = r.local === undefined ? null : r.local;
    assert.equal(names(got.cluster), r.cluster === null ? null : [...r.cluster].sort(), 'cluster');
    assert.equal(names(got.local), local === null ? null : [...local].sort(), 'local');
    const reachable = r.reachable ?? (r.cluster === null ? local! : local === null ? r.cluster : r.reachable!);
    assert.equal(names(got.reachable), [...reachable].sort(), 'endpoints with rules');
    assert.is(got.hasEndpoints, true);
  });
}

test('the mode: node before zone, only where every ready endpoint has hints of that kind', () => {
  const c = candidates([
    { at: '10.0.0.1:80', zones: ['zone-a'], nodes: ['n-a'] },
    { at: '10.0.0.2:80', zones: ['zone-b'], ready: false, serving: false },
  ]);
  assert.is(topologyMode(topologyFacts(c, A)), 'node');
  assert.is(topologyMode(topologyFacts(c, { node: 'n-b', zone: 'zone-a' })), 'zone');
  assert.is(topologyMode(topologyFacts(c, { node: 'n-b', zone: 'zone-b' })), 'all');
  assert.is(topologyMode(topologyFacts(candidates([{ at: '10.0.0.1:80', ready: false }]), A)), 'all');
});

test.run();
