// `ksvc compile --backend iptables`, run in-process through runCli.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ksvc-compile-'));
const write = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return name;
};

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), color: false, env: {}, cwd: dir };
  const code = await runCli(['compile', ...args], io);
  return { code, out, err };
}

const ONE_NODE = write(
  'one.ksvc',
  `cluster {
  masq from outside 10.244.0.0/16
}
node n1 {
  address 192.168.0.10
}
service default/web {
  http: NodePort 10.96.0.50:80/tcp nodePort 30080 -> endpoints:8080
  endpoints 10.244.1.5 on n1, 10.244.2.6
}
`,
);
const TWO_NODES = write('two.ksvc', readFileSync(new URL('../../examples/seed-local.ksvc', import.meta.url), 'utf8'));
const DUAL = write('dual.ksvc', readFileSync(new URL('../../examples/everything.ksvc', import.meta.url), 'utf8'));
const BROKEN = write('broken.ksvc', 'service default/x {\n  http: ClusterIP 10.96.0.300:80/tcp -> endpoints\n}\n');

test('restore to stdout (default format), exit 0', async () => {
  const r = await run(ONE_NODE, '--backend', 'iptables');
  assert.is(r.code, 0, r.err);
  assert.ok(r.out.startsWith('*filter\n:KUBE-SERVICES - [0:0]\n'));
  assert.ok(
    r.out.includes(
      '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.50 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ\n',
    ),
  );
  assert.not.ok(r.out.includes('PREROUTING'));
  assert.ok(r.out.endsWith('COMMIT\n'));
});

test('--format save and --with-hooks', async () => {
  const save = await run(ONE_NODE, '--backend', 'iptables', '--format', 'save');
  assert.is(save.code, 0);
  assert.ok(save.out.includes(':INPUT ACCEPT [0:0]\n'));
  assert.ok(save.out.includes('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n'));
  const hooks = await run(ONE_NODE, '--backend', 'iptables', '--with-hooks');
  assert.ok(hooks.out.includes('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n'));
  assert.ok(
    hooks.out.includes(
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n',
    ),
  );
});

test('flags that change bytes', async () => {
  const r = await run(
    ONE_NODE,
    '--backend',
    'iptables',
    '--no-nfacct',
    '--no-random-fully',
    '--conntrack-liberal',
    '--masquerade-all',
    '--no-localhost-nodeports',
  );
  assert.is(r.code, 0, r.err);
  assert.not.ok(r.out.includes('nfacct'));
  assert.not.ok(r.out.includes('--random-fully'));
  assert.not.ok(r.out.includes('INVALID'));
  assert.not.ok(r.out.includes('KUBE-FIREWALL'));
  assert.ok(r.out.includes('--dport 80 -j KUBE-MARK-MASQ\n'), 'masquerade-all: no detector match');
  assert.ok(r.out.includes('-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS\n'));
  const d = await run(
    ONE_NODE,
    '--backend',
    'iptables',
    '--detect-local-mode',
    'InterfaceNamePrefix',
    '--pod-interface-name-prefix',
    'veth',
  );
  assert.ok(d.out.includes('! -i veth+ -j KUBE-MARK-MASQ'));
  // a name that reads as an option in the rules (`! -i -j -j KUBE-MARK-MASQ`) is refused
  const dash = await run(
    ONE_NODE,
    '--backend',
    'iptables',
    '--detect-local-mode',
    'BridgeInterface',
    '--pod-bridge-interface=-j',
  );
  assert.is(dash.code, 2, dash.err);
  assert.is(dash.out, '');
  const none = await run(ONE_NODE, '--backend', 'iptables', '--detect-local-mode', 'None');
  assert.not.ok(none.out.includes('! -s 10.244.0.0/16'));
  // As in kube-proxy (and ksvc import), --cluster-cidr alone selects ClusterCIDR mode.
  const cidr = await run(ONE_NODE, '--backend', 'iptables', '--cluster-cidr', '10.96.0.0/12');
  const explicit = await run(
    ONE_NODE,
    '--backend',
    'iptables',
    '--detect-local-mode',
    'ClusterCIDR',
    '--cluster-cidr',
    '10.96.0.0/12',
  );
  assert.is(cidr.code, 0, cidr.err);
  assert.ok(cidr.out.includes('! -s 10.96.0.0/12 -j KUBE-MARK-MASQ'));
  assert.is(cidr.out, explicit.out);
});

test('several nodes: --node required (exit 2, a flag: node-required listing the names)', async () => {
  const r = await run(TWO_NODES, '--backend', 'iptables');
  assert.is(r.code, 2);
  assert.match(r.err, 'node-required');
  assert.match(r.err, 'ecs-matrix-k8s-cluster-3');
  assert.is(r.out, '');
  const ok = await run(TWO_NODES, '--backend', 'iptables', '--node', 'ecs-matrix-k8s-cluster-1');
  assert.is(ok.code, 0, ok.err);
  assert.ok(ok.out.includes('has no local endpoints'));
  const unknown = await run(TWO_NODES, '--backend', 'iptables', '--node', 'nope', '--output', 'json');
  assert.is(unknown.code, 2);
  assert.is(JSON.parse(unknown.err).diagnostics[0].code, 'unknown-target-node');
});

test('dual-stack input needs --family for iptables; each family compiles', async () => {
  const r = await run(DUAL, '--backend', 'iptables', '--node', 'node-a');
  assert.is(r.code, 2);
  assert.match(r.err, '--family ipv4');
  const v6 = await run(DUAL, '--backend', 'iptables', '--node', 'node-a', '--family', 'ipv6');
  assert.is(v6.code, 0, v6.err);
  assert.ok(v6.out.includes('! -d ::1/128 -j KUBE-NODEPORTS') || v6.out.includes('-d fd00:10::11 -j KUBE-NODEPORTS'));
  assert.not.ok(v6.out.includes('KUBE-FIREWALL'));
});

test('input errors: exit 1, diagnostics on stderr, no output file', async () => {
  const r = await run(BROKEN, '--backend', 'iptables', '-o', 'out.rules');
  assert.is(r.code, 1);
  assert.match(r.err, 'broken.ksvc:2');
  assert.not.ok(existsSync(path.join(dir, 'out.rules')));
});

test('--detect-local-mode ClusterCIDR without --cluster-cidr is no detector, as in kube-proxy, with a warning', async () => {
  const warned = await run(ONE_NODE, '--backend', 'iptables', '--detect-local-mode', 'ClusterCIDR');
  const none = await run(ONE_NODE, '--backend', 'iptables', '--detect-local-mode', 'None');
  assert.is(warned.code, 0, warned.err);
  assert.match(
    warned.err,
    'warning[option-as-kube-proxy]: --detect-local-mode: ClusterCIDR without --cluster-cidr is no local detector',
  );
  assert.is(warned.out, none.out);
});

test('--detect-local-mode NodeCIDR for a node without a podCIDR says that no masquerade rule comes of it', async () => {
  const file = path.join(dir, 'no-pod-cidr.ksvc');
  writeFileSync(
    file,
    'node n1 {\n  address 192.168.0.2\n}\nservice a/b {\n  http: ClusterIP 10.96.0.1:80/tcp -> endpoints\n  endpoints 10.64.0.5 on n1\n}\n',
  );
  const r = await run(file, '--backend', 'iptables', '--detect-local-mode', 'NodeCIDR');
  assert.is(r.code, 0, r.err);
  assert.match(
    r.err,
    "warning[flag-node-cidr-without-pod-cidr]: --detect-local-mode NodeCIDR: node 'n1' has no IPv4 podCIDR",
  );
  const withCIDR = path.join(dir, 'pod-cidr.ksvc');
  writeFileSync(
    withCIDR,
    readFileSync(file, 'utf8').replace('  address 192.168.0.2\n', '  address 192.168.0.2\n  podCIDR 10.64.0.0/24\n'),
  );
  const ok = await run(withCIDR, '--backend', 'iptables', '--detect-local-mode', 'NodeCIDR');
  assert.is(ok.err, '');
});

test('-o writes the file; usage errors exit 2', async () => {
  const r = await run(ONE_NODE, '--backend', 'iptables', '-o', 'web.rules');
  assert.is(r.code, 0, r.err);
  assert.is(r.out, '');
  assert.ok(readFileSync(path.join(dir, 'web.rules'), 'utf8').startsWith('*filter\n'));
  for (const bad of [
    [ONE_NODE],
    [ONE_NODE, '--backend', 'ipvs'],
    [ONE_NODE, '--backend', 'iptables', '--format', 'json'],
    [ONE_NODE, '--backend', 'iptables', '--family', 'ipv5'],
    [ONE_NODE, '--backend', 'iptables', '--detect-local-mode', 'ClusterCIDR', '--cluster-cidr', '10.0.0.0/33'],
    [ONE_NODE, '--backend', 'iptables', '--detect-local-mode', 'NodeCIDR', '--cluster-cidr', '10.0.0.0/8'],
    [ONE_NODE, '--backend', 'iptables', '--bogus'],
    ['missing.ksvc', '--backend', 'iptables'],
    [ONE_NODE, '--backend', 'iptables', '-o', 'no-such-dir/x.rules'],
  ]) {
    const u = await run(...bad);
    assert.is(u.code, 2, `${bad.join(' ')}: ${u.err}`);
    assert.ok(u.err.length > 0);
  }
  assert.not.ok(existsSync(path.join(dir, 'no-such-dir')));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
