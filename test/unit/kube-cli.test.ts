// `ksvc import` and `ksvc compile --from-k8s` in-process: the YAML compiles to the same bytes as
// the .ksvc sketch of the same capture; imports are written atomically or not at all; bad YAML is
// a located error with exit 1; usage problems exit 2.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CliIO, MAX_INPUT_BYTES } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'ksvc-kube-cli-'));

async function run(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    color: false,
    env: {},
    cwd: root,
  };
  const code = await runCli(argv, cli);
  return { code, ...out };
}

const write = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

const SEED_FLAGS = ['--backend', 'iptables', '--node', 'ecs-matrix-k8s-cluster-3'];

test('compile --from-k8s seed-local.yaml == compile seed-local.ksvc, for both nodes and both backends', async () => {
  for (const node of ['ecs-matrix-k8s-cluster-3', 'ecs-matrix-k8s-cluster-1']) {
    for (const backend of [
      ['--backend', 'iptables'],
      ['--backend', 'nftables', '--format', 'json'],
    ]) {
      const yaml = await run(
        'compile',
        '--from-k8s',
        'examples/seed-local.yaml',
        ...backend,
        '--node',
        node,
        '--detect-local-mode',
        'ClusterCIDR',
        '--cluster-cidr',
        '10.64.1.0/24',
      );
      const ksvc = await run('compile', 'examples/seed-local.ksvc', ...backend, '--node', node);
      assert.is(yaml.code, 0, yaml.stderr);
      assert.is(ksvc.code, 0, ksvc.stderr);
      assert.ok(yaml.stdout.length > 0);
      assert.fixture(yaml.stdout, ksvc.stdout);
    }
  }
});

test('the cluster settings import takes as flags, compile, verify, diff and explain take with --from-k8s', async () => {
  const settings = ['--iptables-masquerade-bit', '13', '--nodeport-addresses', '172.16.1.0/24'];
  const seed = ['examples/seed-local.yaml', '--cluster-cidr', '10.64.1.0/24'];
  const imported = await run('import', ...seed, ...settings, '-o', path.join(tmp, 'settings.ksvc'));
  assert.is(imported.code, 0, imported.stderr);
  const viaFile = await run('compile', path.join(tmp, 'settings.ksvc'), ...SEED_FLAGS);
  const direct = await run('compile', '--from-k8s', ...seed, ...settings, ...SEED_FLAGS);
  assert.is(direct.code, 0, direct.stderr);
  assert.match(direct.stdout, /-A KUBE-MARK-MASQ -j MARK --or-mark 0x00002000\n/);
  assert.match(direct.stdout, /-d 172\.16\.1\.35 -j KUBE-NODEPORTS\n/);
  assert.not.match(direct.stdout, /--dst-type LOCAL -j KUBE-NODEPORTS/);
  assert.fixture(direct.stdout, viaFile.stdout);
  const verified = await run('verify', '--from-k8s', ...seed, ...settings, '--node', 'ecs-matrix-k8s-cluster-3');
  assert.is(verified.code, 0, verified.stderr);
  const explained = await run(
    'explain',
    '--from-k8s',
    ...seed,
    ...settings,
    '--node',
    'ecs-matrix-k8s-cluster-3',
    '--src',
    '203.0.113.9',
    '--dst',
    '172.16.1.35',
    '--proto',
    'tcp',
    '--dport',
    '30080',
    '--backend',
    'iptables',
  );
  assert.is(explained.code, 0, explained.stderr);
  assert.match(explained.stdout, /-d 172\.16\.1\.35 -j KUBE-NODEPORTS\n/);
  // a change found from Kubernetes input: its explain lines carry the settings
  const yaml = readFileSync(path.join(root, 'examples/seed-local.yaml'), 'utf8');
  const edited = write('settings-edited.yaml', yaml.replace('nodePort: 30080', 'nodePort: 30081'));
  const diff = await run(
    'diff',
    '--input',
    'k8s',
    'examples/seed-local.yaml',
    edited,
    '--node',
    'ecs-matrix-k8s-cluster-3',
    ...settings,
  );
  assert.is(diff.code, 1, diff.stderr);
  assert.match(
    diff.stdout,
    /explain old: ksvc explain --from-k8s examples\/seed-local\.yaml --iptables-masquerade-bit 13 --nodeport-addresses 172\.16\.1\.0\/24 /,
  );
});

test('cluster-setting flags: once under either name, and only for Kubernetes input', async () => {
  const both = await run(
    'import',
    'examples/seed-local.yaml',
    '--masquerade-bit',
    '13',
    '--iptables-masquerade-bit',
    '15',
  );
  assert.is(both.code, 2);
  assert.match(both.stderr, /--iptables-masquerade-bit and --masquerade-bit are one option: give it once/);
  const ranges = await run(
    'compile',
    '--from-k8s',
    'examples/seed-local.yaml',
    '--backend',
    'iptables',
    '--node-port-range',
    '30000-30100',
    '--service-node-port-range',
    '30000-32767',
  );
  assert.is(ranges.code, 2);
  assert.match(ranges.stderr, /--service-node-port-range and --node-port-range are one option/);
  const rest: Record<string, string[]> = {
    compile: ['--backend', 'iptables'],
    verify: [],
    explain: ['--src', '10.0.0.1', '--dst', '10.0.0.2', '--proto', 'icmp'],
    diff: ['examples/seed-local.ksvc'],
  };
  for (const [command, args] of Object.entries(rest)) {
    const r = await run(command, 'examples/seed-local.ksvc', ...args, '--nodeport-addresses', 'primary');
    assert.is(r.code, 2, `${command}: ${r.stderr}`);
    const how = command === 'diff' ? '--input k8s' : '--from-k8s';
    assert.ok(
      r.stderr.includes(
        `--nodeport-addresses is a cluster setting of Kubernetes input (${how}): a .ksvc file holds it in its cluster block`,
      ),
      `${command}: ${r.stderr}`,
    );
  }
  // verify's artifacts are checked against a .ksvc --model: the settings would change nothing
  const artifacts = await run(
    'verify',
    '--iptables',
    'examples/seed-local.ksvc',
    '--from-k8s',
    '--masquerade-bit',
    '13',
  );
  assert.is(artifacts.code, 2);
  assert.match(artifacts.stderr, /--masquerade-bit is a cluster setting of Kubernetes input/);
  const bit = await run('import', 'examples/seed-local.yaml', '--iptables-masquerade-bit', '32');
  assert.is(bit.code, 2);
  assert.match(bit.stderr, /--iptables-masquerade-bit 32: not a number from 0 to 31/);
  // a malformed value is a usage error (exit 2) of every command, said once, before any input is read
  const runs = [
    ['compile', '--from-k8s', 'examples/seed-local.yaml', '--backend', 'iptables'],
    ['verify', '--from-k8s', 'examples/seed-local.yaml'],
    ['diff', '--input', 'k8s', 'examples/seed-local.yaml', 'examples/seed-local.yaml'],
    ['import', 'examples/seed-local.yaml'],
  ];
  for (const argv of runs) {
    const r = await run(...argv, '--nodeport-addresses', 'bogus');
    assert.is(r.code, 2, `${argv[0]}: ${r.stderr}`);
    assert.is(r.stderr.match(/'bogus' is not a CIDR/g)?.length, 1, `${argv[0]}: ${r.stderr}`);
  }
});

test('compile --from-k8s reads several files (JSON List and YAML)', async () => {
  const r = await run('compile', '--from-k8s', 'examples/seed-clusterip.json', ...SEED_FLAGS);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /default\/kubernetes:https cluster IP/);
  const both = await run(
    'compile',
    '--from-k8s',
    'examples/seed-clusterip.json',
    'examples/seed-local.yaml',
    ...SEED_FLAGS,
  );
  // The two files hold the same node twice: a located duplicate-object error.
  assert.is(both.code, 1);
  assert.match(both.stderr, /duplicate Node ecs-matrix-k8s-cluster-3/);
  // one file under two names: said as such, not as every object its own duplicate
  const again = await run('import', 'examples/seed-local.yaml', './examples/seed-local.yaml');
  assert.is(again.code, 2);
  assert.match(again.stderr, /\.\/examples\/seed-local\.yaml: the same file is given twice/);
  assert.not.match(again.stderr, /duplicate/);
});

test('compile --from-k8s: bad YAML is a located error (exit 1, nothing on stdout)', async () => {
  const bad = write(
    'bad.yaml',
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  clusterIP: 10.32.0.5\n  ports:\n  - port: 80\n    protocol: TCPP\n',
  );
  const r = await run('compile', '--from-k8s', bad, '--backend', 'iptables');
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /unsupported protocol 'TCPP'/);
  assert.ok(r.stderr.includes(`${bad}:9:15 (spec.ports[0].protocol)`), r.stderr);
});

test('import of JSON nested 100,000 arrays deep: one located too-deeply-nested error, exit 1, no stack trace', async () => {
  const deep = write('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  for (const output of ['text', 'json']) {
    const r = await run('import', deep, '--output', output);
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.not.match(r.stderr, /YAML syntax|yaml-syntax|\n\s+at /);
    if (output === 'text')
      assert.ok(
        r.stderr.startsWith(
          `error[too-deeply-nested]: the document nests arrays or objects (YAML sequences or mappings) more than 256 levels deep`,
        ),
        r.stderr,
      );
    else
      assert.equal(
        JSON.parse(r.stderr).diagnostics.map((d: { code: string; range: { start: object } }) => [
          d.code,
          d.range.start,
        ]),
        [['too-deeply-nested', { line: 1, column: 257 }]],
      );
  }
});

test('compile --from-k8s: usage errors exit 2', async () => {
  assert.is((await run('compile', '--from-k8s', path.join(tmp, 'missing.yaml'), '--backend', 'iptables')).code, 2);
  assert.is(
    (await run('compile', 'examples/seed-local.ksvc', '--skip-unknown-kinds', '--backend', 'iptables')).code,
    2,
  );
  assert.is(
    (await run('compile', 'examples/seed-local.ksvc', 'examples/seed-clusterip.ksvc', '--backend', 'iptables')).code,
    2,
  );
});

test('import -o writes the file; the written file compiles like the YAML', async () => {
  const out = path.join(tmp, 'seed.ksvc');
  const r = await run('import', 'examples/seed-local.yaml', '--cluster-cidr', '10.64.1.0/24', '-o', out);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.match(
    readFileSync(out, 'utf8'),
    /http-svc: NodePort 10\.32\.0\.227:8080\/tcp nodePort 30080 -> endpoints:8080, externalTrafficPolicy local/,
  );
  const a = await run('compile', out, ...SEED_FLAGS);
  const b = await run(
    'compile',
    '--from-k8s',
    'examples/seed-local.yaml',
    ...SEED_FLAGS,
    '--detect-local-mode',
    'ClusterCIDR',
    '--cluster-cidr',
    '10.64.1.0/24',
  );
  assert.is(a.code, 0, a.stderr);
  assert.fixture(a.stdout, b.stdout);
});

test('import names the services it leaves out at the top of the file, which fmt keeps as it is', async () => {
  const r = await run('import', 'examples/topology.yaml');
  assert.is(r.code, 0, r.stderr);
  assert.ok(
    r.stdout.startsWith(`# Not imported: kube-proxy writes no rules for these services.
#   label service.kubernetes.io/service-proxy-name, 1: shop/mesh-gateway

node node-a {
`),
    r.stdout,
  );
  const printed = write('topology-imported.ksvc', r.stdout);
  const check = await run('fmt', '--check', printed);
  assert.is(check.code, 0, check.stderr);
});

test('import with errors writes nothing and leaves an existing output alone', async () => {
  const bad = write(
    'bad-import.yaml',
    'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {clusterIP: 10.32.0.5, ports: [{port: 0}]}\n',
  );
  const out = path.join(tmp, 'kept.ksvc');
  writeFileSync(out, 'previous\n');
  const r = await run('import', bad, '-o', out);
  assert.is(r.code, 1);
  assert.match(r.stderr, /port 0 is out of range; a port is a number from 1 to 65535/);
  assert.is(readFileSync(out, 'utf8'), 'previous\n');
  const fresh = path.join(tmp, 'never.ksvc');
  assert.is((await run('import', bad, '-o', fresh)).code, 1);
  assert.not.ok(existsSync(fresh));
  const json = await run('import', bad, '--output', 'json');
  assert.is(JSON.parse(json.stderr).diagnostics[0].path, 'spec.ports[0].port');
});

test('import: a port without endpoints while another has some is printed, and compiles as --from-k8s does', async () => {
  const odd = write(
    'odd.yaml',
    `apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.32.0.5, ports: [{name: a, port: 80}, {name: b, port: 81}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: a, port: 80}]
endpoints: [{addresses: [10.64.1.1]}]
`,
  );
  const r = await run('import', odd);
  assert.is(r.code, 0, r.stderr);
  const printed = write('odd.ksvc', r.stdout);
  const direct = await run('compile', '--from-k8s', odd, '--backend', 'iptables');
  const viaFile = await run('compile', printed, '--backend', 'iptables');
  assert.is(direct.code, 0);
  assert.is(viaFile.stdout, direct.stdout);
});

test('import: other kinds are refused, or skipped with --skip-unknown-kinds', async () => {
  const mixed = write(
    'mixed.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n' +
      readFileSync(path.join(root, 'examples/seed-local.yaml'), 'utf8'),
  );
  assert.is((await run('import', mixed)).code, 1);
  const r = await run('import', mixed, '--skip-unknown-kinds');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /service default\/http-svc/);
});

test('import: usage errors exit 2', async () => {
  assert.is((await run('import')).code, 2);
  assert.is((await run('import', 'examples/seed-local.yaml', '--bogus')).code, 2);
  assert.is((await run('import', 'examples/seed-local.yaml', '--detect-local-mode', 'Foo')).code, 2);
  assert.is((await run('import', 'examples/seed-local.yaml', '--cluster-cidr', '10.64.1.0/33')).code, 2);
  assert.is((await run('import', 'examples/seed-local.yaml', '--output', 'xml')).code, 2);
  assert.is((await run('import', path.join(tmp, 'missing.yaml'))).code, 2);
  const help = await run('import', '--help');
  assert.is(help.code, 0);
  assert.match(help.stdout, /Usage: ksvc import/);
  // A --node the input does not have is a bad flag: exit 2, as verify, diff and explain give it
  assert.is((await run('import', 'examples/seed-local.yaml', '--node', 'nope')).code, 2);
});

test('Kubernetes input may be larger than a .ksvc file may: a large cluster export is not a mistake', async () => {
  const yaml = readFileSync(path.join(root, 'examples/seed-local.yaml'), 'utf8');
  const big = write('big-export.yaml', `# ${'x'.repeat(MAX_INPUT_BYTES)}\n${yaml}`);
  const imported = await run('import', big);
  assert.is(imported.code, 0, imported.stderr.slice(0, 500));
  assert.match(imported.stdout, /service default\/http-svc \{/);
  const ksvc = write('big.ksvc', `# ${'x'.repeat(MAX_INPUT_BYTES)}\n`);
  const checked = await run('check', ksvc);
  assert.is(checked.code, 2);
  assert.match(checked.stderr, /larger than 67108864 bytes/);
  for (const f of [big, ksvc]) rmSync(f); // 64 MiB each: not left in the temporary directory
});

test.run();
