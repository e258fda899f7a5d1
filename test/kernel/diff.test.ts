// `ksvc diff` held to the kernel: the old and the new version's rulesets loaded side by side (each
// in its own namespaces, the new version's topology: its endpoints listen), every frontend probed
// from every source. The kernel's two rulesets must disagree on exactly the service ports the diff
// names as changed — an added endpoint, a changed target port — and agree everywhere else (a
// reordered service and endpoint list included); the new ruleset must do what its IR says.
import * as assert from 'uvu/assert';
import { diffRouting } from '../../api/diff.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import type { Backend as NetfilterBackend } from '../../verifier/model/program.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import { type Backend, runDifferential } from './matrix.ts';
import { kernelTests } from './netns.ts';

const test = kernelTests('ksvc diff');

const HEAD = `cluster {
  masq from outside 10.64.0.0/16
}

node node-a {
  address 192.168.10.11
  podCIDR 10.64.1.0/24
}
`;
const WEB = (endpoints: string) => `service shop/web {
  http: NodePort 10.32.0.20:80/tcp nodePort 30080 -> endpoints:8080
  endpoints ${endpoints}
}
`;
const API = (port: number) => `service shop/api {
  ClusterIP 10.32.0.30:8080/tcp -> endpoints:${port}
  endpoints 10.64.1.3 on node-a
}
`;
const CACHE = (endpoints: string) => `service shop/cache {
  ClusterIP 10.32.0.40:6379/tcp -> endpoints:6379
  endpoints ${endpoints}
}
`;
const OLD = HEAD + WEB('10.64.1.1 on node-a, 10.64.2.2') + API(9000) + CACHE('10.64.1.4 on node-a, 10.64.2.4');
// web gains an endpoint, api's target port moves; cache and the order of the file only look different
const NEW =
  HEAD + CACHE('10.64.2.4, 10.64.1.4 on node-a') + API(9001) + WEB('10.64.1.1 on node-a, 10.64.2.2, 10.64.2.5');

const irOf = (text: string) => {
  const checked = check(parse(text, { file: 'v.ksvc' }));
  assert.ok(checked.model, JSON.stringify(checked.diagnostics));
  return lower(checked.model!, { node: 'node-a', family: 'ipv4' }).programs[0]!;
};
const [oldIR, newIR] = [irOf(OLD), irOf(NEW)];
const renamed = (b: Backend, name: string): Backend => ({ ...b, name });

async function kernelAgreesWithDiff(backend: NetfilterBackend, tag: string) {
  const d = diffRouting(oldIR, newIR, { backend });
  assert.equal(d.diagnostics, []);
  const changed = new Set(
    d.run.changes.flatMap((c) => [...c.servicePorts.old, ...c.servicePorts.new].map((p) => p.servicePortName)),
  );
  assert.equal([...changed].sort(), ['shop/api', 'shop/web:http'], `${backend}: what the diff names`);
  const load = backend === 'iptables' ? iptablesBackend : nftablesBackend;
  const r = await runDifferential(newIR, [renamed(load(oldIR), 'old'), renamed(load(newIR), 'new')], { tag });
  // the new ruleset does what its IR says (the old one is probed against the new IR's topology)
  assert.equal(
    r.irMismatches.filter((m) => m.startsWith('new: ')),
    [],
  );
  // the cells the kernel's two rulesets disagree on, by service port (a cell's name starts with it)
  const disagreeing = new Set(r.disagreements.map((cell) => cell.split(' ')[0]!));
  assert.equal([...disagreeing].sort(), [...changed].sort(), r.disagreements.join('\n'));
  assert.ok(r.probes >= 100, `${r.probes} probes`);
}

test('iptables: the kernel disagrees exactly where the diff says', () => kernelAgreesWithDiff('iptables', 'kdi'));

test('nftables: the kernel disagrees exactly where the diff says', () => kernelAgreesWithDiff('nftables', 'kdn'));

test.run();
