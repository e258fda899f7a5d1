// Round trip of the Kubernetes import: YAML -> model -> .ksvc AST (compiler/kube/to-ast.ts) ->
// formatted text -> parser -> checker -> the same model, and the same compiled output (iptables
// restore text and nftables JSON, for every node and family) from the YAML and from the .ksvc.
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderIptables } from '../../backends/iptables/index.ts';
import { renderNftablesJson } from '../../backends/nftables/index.ts';
import { makeSourceFile } from '../../common/source.ts';
import { resolveConditionWords } from '../../compiler/check/conditions.ts';
import { checkFile } from '../../compiler/check/index.ts';
import { importKubernetes, type KubeImportOptions } from '../../compiler/kube/index.ts';
import { comparableModel, printKsvc } from '../../compiler/kube/print-ksvc.ts';
import { conditionWords, modelToAst } from '../../compiler/kube/to-ast.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { lowerModel, modelFamilies } from '../../compiler/lower/index.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { formatFile } from '../../grammar/format.ts';
import { codesOf, docs, imp, slice, stripOrigins, svc } from './kube-helpers.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url);

/** The kube-proxy flags each example is meant for (the comment at the top of each file says so). */
/**
 * Warnings each example is known to give: the seed capture is a Weave cluster, whose pods (10.44.x)
 * are outside the node's podCIDR, which Weave does not use.
 */
const WARNINGS: Record<string, string[]> = {
  'seed-local.yaml': ['endpoint-outside-node-pod-cidr'],
  // storefront's external IP beside its source ranges
  'shop-dual-stack.yaml': ['source-ranges-not-external-ips'],
};

const OPTIONS: Record<string, KubeImportOptions> = {
  'seed-local.yaml': { clusterCIDRs: ['10.64.1.0/24'] },
  'seed-clusterip.json': { clusterCIDRs: ['10.64.1.0/24'] },
  'shop-dual-stack.yaml': { clusterCIDRs: ['10.64.0.0/16', 'fd00:64::/48'] },
  'topology.yaml': { clusterCIDRs: ['10.64.0.0/16'] },
  'host-network.yaml': { clusterCIDRs: ['10.64.0.0/16'] },
};

const kubeExamples = readdirSync(EXAMPLES)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort();

/**
 * Through the .ksvc text, as `ksvc import` then `ksvc compile` would: AST -> formatter -> parser ->
 * checker. The AST alone must check to the same model as its printed text.
 */
function viaKsvc(model: ClusterModel): ClusterModel {
  const ast = modelToAst(model);
  assert.equal(ast.diagnostics, []);
  const checked = checkFile(ast.file, makeSourceFile('imported.ksvc', ''));
  assert.equal(
    checked.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const text = formatFile(ast.file);
  const loaded = loadKsvc(makeSourceFile('imported.ksvc', text));
  assert.equal(
    loaded.diagnostics.filter((d) => d.severity === 'error'),
    [],
    text,
  );
  assert.equal(stripOrigins(loaded.model), stripOrigins(checked.model), text);
  return loaded.model!;
}

/** Every artifact the model compiles to: per node (or none) and family, iptables and nftables. */
function compileAll(model: ClusterModel): string[] {
  const out: string[] = [];
  const nodes = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [undefined];
  for (const node of nodes) {
    for (const family of modelFamilies(model)) {
      const lowered = lowerModel(model, node === undefined ? { family } : { node, family });
      assert.equal(
        lowered.diagnostics.filter((d) => d.severity === 'error'),
        [],
        `lowering for ${node} ${family}`,
      );
      out.push(`# ${node} ${family}\n${renderIptables(lowered.programs[0]!, { format: 'restore' })}`);
      out.push(`# ${node} ${family} nft\n${renderNftablesJson(lowered.programs)}`);
    }
  }
  return out;
}

test('every Kubernetes example is in the list of known flags', () => {
  assert.ok(kubeExamples.length >= 3, kubeExamples.join(', '));
  for (const f of kubeExamples) assert.ok(OPTIONS[f], `add ${f} to OPTIONS`);
});

for (const file of kubeExamples) {
  test(`${file}: YAML -> model -> .ksvc -> model is the identity, and compiles to the same bytes`, () => {
    const text = readFileSync(new URL(file, EXAMPLES), 'utf8');
    const r = importKubernetes([makeSourceFile(`examples/${file}`, text)], OPTIONS[file]);
    assert.equal(codesOf(r.diagnostics), WARNINGS[file] ?? [], file);
    const back = viaKsvc(r.model!);
    assert.equal(stripOrigins(back), stripOrigins(r.model));
    const direct = compileAll(r.model!);
    const viaFile = compileAll(back);
    assert.is(direct.length, viaFile.length);
    for (let i = 0; i < direct.length; i++) assert.fixture(viaFile[i]!, direct[i]!);
  });
}

// The YAML of a seed capture and the .ksvc sketch of the same capture compile to the same bytes
// (the YAML's nodes also carry their podCIDRs, which the ClusterCIDR detector does not read).
for (const [yaml, ksvc] of [
  ['seed-local.yaml', 'seed-local.ksvc'],
  ['seed-clusterip.json', 'seed-clusterip.ksvc'],
  ['topology.yaml', 'topology.ksvc'],
]) {
  test(`${yaml} compiles exactly like ${ksvc}`, () => {
    const fromYaml = importKubernetes(
      [makeSourceFile(yaml!, readFileSync(new URL(yaml!, EXAMPLES), 'utf8'))],
      OPTIONS[yaml!],
    );
    const fromKsvc = loadKsvc(makeSourceFile(ksvc!, readFileSync(new URL(ksvc!, EXAMPLES), 'utf8')));
    assert.equal(fromKsvc.diagnostics, []);
    assert.equal(
      fromYaml.model!.nodes.map((n) => n.name),
      fromKsvc.model!.nodes.map((n) => n.name),
    );
    const a = compileAll(fromYaml.model!);
    const b = compileAll(fromKsvc.model!);
    for (let i = 0; i < a.length; i++) assert.fixture(a[i]!, b[i]!);
  });
}

test('seed-local.yaml gives the seed capture: http-svc with its local endpoint on cluster-3', () => {
  const text = readFileSync(new URL('seed-local.yaml', EXAMPLES), 'utf8');
  const r = importKubernetes([makeSourceFile('seed-local.yaml', text)], OPTIONS['seed-local.yaml']);
  const lowered = lowerModel(r.model!, { node: 'ecs-matrix-k8s-cluster-3' });
  const restore = renderIptables(lowered.programs[0]!, { format: 'restore' });
  // The capture's chains (reference: seed-kube-proxy-iptables-capture.md, third capture).
  for (const line of [
    '-A KUBE-SERVICES -m comment --comment "default/http-svc:http-svc cluster IP" -m tcp -p tcp -d 10.32.0.227 --dport 8080 -j KUBE-SVC-VTKRMSW4V2DPQX6X',
    '-A KUBE-EXT-VTKRMSW4V2DPQX6X -m comment --comment "pod traffic for default/http-svc:http-svc external destinations" -s 10.64.1.0/24 -j KUBE-SVC-VTKRMSW4V2DPQX6X',
    '-A KUBE-SEP-INRYTRHBMCVQPY6Q -m comment --comment default/http-svc:http-svc -m tcp -p tcp -j DNAT --to-destination 10.44.0.1:8080',
  ]) {
    assert.ok(restore.includes(line), `missing: ${line}\n${restore}`);
  }
});

test('endpoint conditions: all eight combinations are written so that they resolve back', () => {
  for (const ready of [false, true]) {
    for (const serving of [false, true]) {
      for (const terminating of [false, true]) {
        const c = { ready, serving, terminating };
        assert.equal(resolveConditionWords(new Set(conditionWords(c))), c, JSON.stringify(c));
      }
    }
  }
});

const TWO_PORTS = svc(`  clusterIP: 10.32.0.5
  ports:
  - {name: web, port: 80, targetPort: 8080}
  - {name: admin, port: 81, targetPort: 9090}`);

test('endpoints that serve only some ports round-trip through named ports', () => {
  const r = imp(
    docs(
      TWO_PORTS,
      slice(
        'addressType: IPv4\nports: [{name: web, port: 8080}, {name: admin, port: 9090}]\nendpoints: [{addresses: [10.64.1.1]}]',
        'a',
      ),
      slice('addressType: IPv4\nports: [{name: web, port: 8080}]\nendpoints: [{addresses: [10.64.1.2]}]', 'b'),
    ),
  );
  assert.equal(r.diagnostics, []);
  const ast = modelToAst(r.model!);
  const block = ast.file.blocks.find((b) => b.kind === 'Service')!;
  const lines = block.kind === 'Service' ? block.items.filter((i) => i.kind === 'Port') : [];
  // web: every endpoint on 8080 -> a number; admin: only one endpoint -> a named target.
  assert.equal(
    lines.map((l) => (l.kind === 'Port' ? l.targetPort?.value : null)),
    [8080, 'admin'],
  );
  const back = viaKsvc(r.model!);
  // The same model except that admin's target is now named (per endpoint) instead of numeric.
  const expected = stripOrigins(r.model) as ClusterModel;
  expected.services[0]!.ports[1]!.targetPort = 'admin';
  assert.equal(stripOrigins(back), expected);
  assert.equal(compileAll(back), compileAll(r.model!));
});

test('the shapes .ksvc once could not say now round-trip (issue 11 item 16)', () => {
  // A port with no endpoint while the other port has one.
  const unserved = imp(
    docs(
      TWO_PORTS,
      slice('addressType: IPv4\nports: [{name: web, port: 8080}]\nendpoints: [{addresses: [10.64.1.1]}]'),
    ),
  );
  // Ready and terminating at once (the controller writes it only with publishNotReadyAddresses; the API does not refuse it).
  const readyTerminating = imp(
    docs(
      svc('  clusterIP: 10.32.0.5\n  ports: [{name: web, port: 80}]'),
      slice(
        'addressType: IPv4\nports: [{name: web, port: 80}]\nendpoints: [{addresses: [10.64.1.1], conditions: {ready: true, terminating: true}}]',
      ),
    ),
  );
  // One address with another node and other conditions for each port (two slices say so).
  const perPort = imp(
    docs(
      TWO_PORTS,
      slice(
        'addressType: IPv4\nports: [{name: web, port: 8080}]\nendpoints: [{addresses: [10.64.1.1], nodeName: a}]',
        'w',
      ),
      slice(
        'addressType: IPv4\nports: [{name: admin, port: 9090}]\nendpoints: [{addresses: [10.64.1.1], nodeName: b, conditions: {ready: false}}]',
        'x',
      ),
    ),
  );
  assert.is(perPort.model!.services[0]!.endpoints.length, 2);
  for (const r of [unserved, readyTerminating, perPort]) {
    assert.equal(modelToAst(r.model!).diagnostics, []);
    const back = viaKsvc(r.model!);
    assert.is(comparableModel(back), comparableModel(r.model!));
    const direct = compileAll(r.model!);
    const viaFile = compileAll(back);
    for (let i = 0; i < direct.length; i++) assert.fixture(viaFile[i]!, direct[i]!);
    assert.equal(printKsvc(r.model!).diagnostics, []);
  }
});

test('settings round-trip: detectors, masquerade, nodePort addresses and range, localhost', () => {
  const base = svc('  type: NodePort\n  clusterIP: 10.32.0.5\n  ports: [{port: 80, nodePort: 3001}]');
  for (const options of [
    { detectLocalMode: 'NodeCIDR' },
    { detectLocalMode: 'BridgeInterface', podBridgeInterface: 'cbr0' },
    { detectLocalMode: 'InterfaceNamePrefix', podInterfaceNamePrefix: 'veth' },
    {
      clusterCIDRs: ['10.64.0.0/16'],
      masqueradeAll: true,
      masqueradeBit: 12,
      nodePortAddresses: ['192.168.0.0/16'],
      localhostNodePorts: false,
    },
    { nodePortAddresses: ['primary'] },
  ] as KubeImportOptions[]) {
    const r = imp(base, options);
    assert.equal(
      r.diagnostics.filter((x) => x.severity === 'error'),
      [],
    );
    assert.equal(stripOrigins(viaKsvc(r.model!)), stripOrigins(r.model), JSON.stringify(options));
  }
});

test.run();
