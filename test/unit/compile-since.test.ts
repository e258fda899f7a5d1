// `ksvc compile NEW --since OLD`: kube-proxy's partial restore through the CLI — the changed
// service's chains only, stale chains deleted, the summary on a terminal — and the nftables update,
// which swaps the tables' version stamps first; refused (exit 2, nothing written) with another
// format, with hooks, from standard input, or when the two files compile for different nodes.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ksvc, ksvcWith, WEB, write } from './verify-cli-support.ts';

const EVERYTHING = readFileSync('examples/everything.ksvc', 'utf8');
const OLD = write('since-old.ksvc', EVERYTHING);
const SIGNALLING = '  endpoints 10.64.3.20 on node-c\n';
const NEW = write('since-new.ksvc', EVERYTHING.replace(SIGNALLING, '  endpoints 10.64.3.21 on node-c\n'));

/** The node and family every compile here is for. */
const AT = ['--backend', 'iptables', '--node', 'node-a', '--family', 'ipv4'];

const serviceChains = (text: string) => [...text.matchAll(/^:(KUBE-(?:SVC|SVL|EXT|FW|SEP)-\S+) /gm)].map((m) => m[1]);

test('localhost NodePorts turned off or on: no partial restore can remove or hook KUBE-FIREWALL, so none is written', async () => {
  // web.ksvc leaves localhost NodePorts on (kube-proxy's default)
  const web = readFileSync(WEB, 'utf8');
  const off = write('since-localhost-off.ksvc', web.replace('cluster {\n', 'cluster {\n  localhost nodePorts off\n'));
  assert.match((await ksvc('compile', WEB, '--backend', 'iptables')).stdout, /^:KUBE-FIREWALL /m);
  const r = await ksvc('compile', off, '--since', WEB, '--backend', 'iptables');
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.match(
    r.stderr,
    /no update from \S+web\.ksvc is written: it removes the filter chain\(s\) KUBE-FIREWALL \(localhost NodePorts turned off\)/,
  );
  // a finding like any other: --output json and github carry it
  const json = await ksvc('compile', off, '--since', WEB, '--backend', 'iptables', '--output', 'json');
  assert.is(json.code, 1, json.stderr);
  const [d] = JSON.parse(json.stderr).diagnostics;
  assert.is(d.code, 'update-refused');
  assert.is(d.severity, 'error');
  assert.ok(d.file.endsWith('since-localhost-off.ksvc'), d.file);
  assert.match(d.message, /KUBE-FIREWALL/);
  const github = await ksvc('compile', off, '--since', WEB, '--backend', 'iptables', '--output', 'github');
  assert.match(github.stderr, /^::error file=\S+since-localhost-off\.ksvc.*update-refused/m);
  // the whole reason and what to do instead are shown (not cut at 200 characters)
  assert.match(r.stderr, /a partial restore cannot delete them\n/);
  assert.match(r.stderr, /hint: remove those jumps and the chains, then load the full restore input with --noflush/);
  assert.not.match(r.stderr, /characters\)/);
  // the other way round adds KUBE-FIREWALL, which no hook rule on the node jumps to: refused too
  // (it used to be written, and proven by states that both lacked the hooks)
  const back = await ksvc('compile', WEB, '--since', off, '--backend', 'iptables', '--prove');
  assert.is(back.code, 1, back.stderr);
  assert.is(back.stdout, '');
  assert.match(back.stderr, /it adds the filter chain\(s\) KUBE-FIREWALL \(localhost NodePorts turned on\)/);
  assert.match(back.stderr, /hint: load the full restore input with --with-hooks instead/);
});

test('--since OLD of the other kind of input: said once, as OLD is read, without an unknown-node error', async () => {
  const r = await ksvc(
    'compile',
    '--from-k8s',
    'examples/seed-local.yaml',
    '--node',
    'ecs-matrix-k8s-cluster-3',
    '--since',
    'examples/everything.ksvc',
    '--backend',
    'iptables',
  );
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /error\[ksvc-input\]: this is a \.ksvc file/);
  assert.match(
    r.stderr,
    /--since examples\/everything\.ksvc is read as FILE is \(Kubernetes YAML or JSON, --from-k8s\)/,
  );
  assert.not.match(r.stderr, /unknown-node-flag/);
});

test('one endpoint replaced: only that service`s chains, the old endpoint`s chain deleted', async () => {
  const full = await ksvc('compile', NEW, ...AT);
  const r = await ksvc('compile', NEW, '--since', OLD, ...AT);
  assert.is(r.code, 0, r.stderr);
  // the new file's warnings (one endpoint is never used, an external IP beside source ranges);
  // none of the old file's
  assert.is(r.stderr.match(/^warning\[/gm)?.length, 2, r.stderr);
  assert.match(r.stderr, /since-new\.ksvc/);
  assert.not.match(r.stderr, /since-old\.ksvc/);
  const written = serviceChains(r.stdout);
  assert.ok(written.length > 0 && written.length < serviceChains(full.stdout).length, written.join(' '));
  // every rule written is one of the full output's; the service's, nat's own chains and filter
  const fullLines = new Set(full.stdout.split('\n'));
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('-A ')) assert.ok(fullLines.has(line), line);
  }
  assert.match(r.stdout, /telecom\/signalling:sigtran -> 10\.64\.3\.21:2905/);
  assert.not.match(r.stdout, /-A KUBE-SVC-\S+ .*kube-system\/kube-dns/);
  const deleted = [...r.stdout.matchAll(/^-X (\S+)$/gm)].map((m) => m[1]!);
  assert.is(deleted.length, 1);
  assert.match(r.stdout, new RegExp(`^:${deleted[0]} - \\[0:0\\]$`, 'm'));
  // on a terminal, what it did
  const tty = await ksvcWith({ statusLine: true }, 'compile', NEW, '--since', OLD, ...AT);
  assert.match(
    tty.stderr,
    /^ksvc compile: partial restore: 1 of \d+ services rewritten, 1 chain deleted \(apply with iptables-restore --noflush\)$/m,
  );
  // the same file: nothing of any service
  const same = await ksvc('compile', OLD, '--since', OLD, ...AT);
  assert.equal(serviceChains(same.stdout), []);
});

test('--from-k8s: the only local endpoint moves to another node, so the eTP=Local chain goes', async () => {
  const yaml = readFileSync('examples/seed-local.yaml', 'utf8');
  assert.ok(yaml.includes('nodeName: ecs-matrix-k8s-cluster-3'));
  const moved = write(
    'since-moved.yaml',
    yaml.replace('nodeName: ecs-matrix-k8s-cluster-3', 'nodeName: ecs-matrix-k8s-cluster-1'),
  );
  const at = ['--backend', 'iptables', '--family', 'ipv4', '--node', 'ecs-matrix-k8s-cluster-3'];
  const r = await ksvc('compile', '--from-k8s', moved, '--since', 'examples/seed-local.yaml', ...at);
  assert.is(r.code, 0, r.stderr);
  const svl = /^-X (KUBE-SVL-\S+)$/m.exec(r.stdout)?.[1];
  assert.ok(svl, r.stdout);
  assert.match(r.stdout, new RegExp(`^:${svl} - \\[0:0\\]$`, 'm'));
  assert.not.match(r.stdout, new RegExp(`^-A ${svl} `, 'm'));
});

test('--backend nftables: the delta from OLD (one transaction, only what changed), its summary on a terminal', async () => {
  const at = ['--backend', 'nftables', '--node', 'node-a'];
  const r = await ksvcWith({ statusLine: true }, 'compile', NEW, '--since', OLD, ...at);
  assert.is(r.code, 0, r.stderr);
  const cmds = JSON.parse(r.stdout).nftables as Record<string, Record<string, Record<string, unknown>>>[];
  const full = JSON.parse((await ksvc('compile', NEW, ...at)).stdout).nftables as unknown[];
  assert.ok(cmds.length > 2 && cmds.length < full.length / 4, `${cmds.length} of ${full.length}`);
  // never the whole-table replace
  assert.not.ok(cmds.some((c) => c.delete?.table));
  assert.ok(cmds.some((c) => JSON.stringify(c).includes('10.64.3.21')));
  assert.match(
    r.stderr,
    /^ksvc compile: delta: chains \d+ added, \d+ refilled, \d+ deleted; elements \d+ added, \d+ deleted \(apply with nft -j -f; nft refuses it on tables not stamped as OLD's: ksvc-version-[0-9a-f]{16}, ksvc-version-[0-9a-f]{16}\)$/m,
  );
  const same = await ksvc('compile', OLD, '--since', OLD, ...at);
  // the metainfo and per family an add table and its stamp deleted and added again: nothing else
  const sameCmds = (JSON.parse(same.stdout).nftables as unknown[]).map((c) => JSON.stringify(c));
  assert.is(sameCmds.length, 7, same.stdout);
  for (const at of [2, 5]) {
    assert.match(sameCmds[at]!, /^\{"delete":\{"set":/);
    assert.is(sameCmds[at]!.match(/ksvc-version-\w+/)?.[0], sameCmds[at + 1]!.match(/ksvc-version-\w+/)?.[0]);
  }
});

/** The version stamps a document or update names, in order. */
const stampsIn = (text: string) => [...text.matchAll(/ksvc-version-([0-9a-f]{16})/g)].map((m) => m[1]!);

test('nftables version stamps: the update deletes OLD`s and adds NEW`s; a stamp digests the table`s content', async () => {
  const at = ['--backend', 'nftables', '--node', 'node-a'];
  const stampsOf = async (...args: string[]) => {
    const r = await ksvc('compile', ...args);
    assert.is(r.code, 0, r.stderr);
    return stampsIn(r.stdout);
  };
  const [old, next] = [await stampsOf(OLD, ...at), await stampsOf(NEW, ...at)];
  // one per table (ip, ip6); the edit changes the ip table only
  assert.is(old.length, 2);
  assert.is.not(old[0], next[0]);
  assert.is(old[1], next[1]);
  // each table's last command
  const full = JSON.parse((await ksvc('compile', OLD, ...at)).stdout).nftables as Record<string, unknown>[];
  const stamped = full.flatMap((c, i) => (JSON.stringify(c).includes('ksvc-version-') ? [i] : []));
  assert.is(stamped[1], full.length - 1);
  assert.match(JSON.stringify(full[stamped[0]! + 1]), /"table":\{"family":"ip6"/);
  // the update: per family, OLD's stamp deleted and NEW's added, before anything else
  const update = JSON.parse((await ksvc('compile', NEW, '--since', OLD, ...at)).stdout).nftables as Record<
    string,
    Record<string, Record<string, unknown>>
  >[];
  const guard = update.filter((c) => JSON.stringify(c).includes('ksvc-version-'));
  assert.equal(
    guard.map((c) => [Object.keys(c)[0], c.delete?.set?.name ?? c.add?.set?.name]),
    [
      ['delete', `ksvc-version-${old[0]}`],
      ['add', `ksvc-version-${next[0]}`],
      ['delete', `ksvc-version-${old[1]}`],
      ['add', `ksvc-version-${next[1]}`],
    ],
  );
  assert.is(update.indexOf(guard[0]!), 2, 'after the metainfo and the add table');
  // what the table holds, not how the input says it: a comment, or the same cluster as
  // Kubernetes objects, keeps the stamp; the text format carries it
  assert.equal(await stampsOf(write('since-old-comment.ksvc', `${EVERYTHING}# a comment\n`), ...at), old);
  assert.equal(await stampsOf(OLD, ...at, '--format', 'text'), old);
  const seed = ['--backend', 'nftables', '--node', 'ecs-matrix-k8s-cluster-3'];
  // (the .ksvc's cluster block says what kube-proxy's --cluster-cidr says for the objects)
  const yaml = await stampsOf('--from-k8s', 'examples/seed-local.yaml', '--cluster-cidr', '10.64.1.0/24', ...seed);
  assert.equal(yaml, await stampsOf('examples/seed-local.ksvc', ...seed));
  assert.is(yaml.length, 1);
  // a flag that changes the rules, or another node: another stamp
  assert.is.not((await stampsOf(OLD, ...at, '--masquerade-all'))[0], old[0]);
  // one that changes nothing in the nftables ruleset (it has no nfacct counters) keeps it
  assert.equal(await stampsOf(OLD, ...at, '--no-nfacct'), old);
  assert.is.not((await stampsOf(OLD, '--backend', 'nftables', '--node', 'node-b'))[0], old[0]);
  // kube-proxy's restore input has no room for one
  const ipt = await ksvc('compile', OLD, '--backend', 'iptables', '--node', 'node-a', '--family', 'ipv4');
  assert.equal(stampsIn(ipt.stdout), []);
});

test('nftables: an IPv6 service added (or gone): the ip6 table created whole (or deleted), proven', async () => {
  const v4 = `node node-a {
  address 192.168.10.11, fd00:10::11
}

service shop/web {
  http: ClusterIP 10.32.0.20:80/tcp -> endpoints:8080
  endpoints 10.64.1.1
}
`;
  const dual = `${v4}
service shop/web6 {
  http: ClusterIP [fd00:32::20]:80/tcp -> endpoints:8080
  endpoints fd00:64:0:1::1
}
`;
  const [only4, both] = [write('since-v4.ksvc', v4), write('since-v46.ksvc', dual)];
  const up = await ksvcWith(
    { statusLine: true },
    'compile',
    both,
    '--since',
    only4,
    '--backend',
    'nftables',
    '--prove',
  );
  assert.is(up.code, 0, up.stderr);
  assert.match(up.stdout, /^\{"create":\{"table":\{"family":"ip6","name":"kube-proxy"\}\}\},$/m);
  assert.match(up.stderr, /; tables 1 created, 0 deleted \(apply with nft -j -f;.*\); proven$/m);
  const down = await ksvcWith(
    { statusLine: true },
    'compile',
    only4,
    '--since',
    both,
    '--backend',
    'nftables',
    '--prove',
  );
  assert.is(down.code, 0, down.stderr);
  assert.match(down.stdout, /^\{"delete":\{"table":\{"family":"ip6","name":"kube-proxy"\}\}\}$/m);
  assert.match(down.stderr, /; tables 0 created, 1 deleted /);
});

test('--prove: each backend`s update proven before it is written (the same bytes)', async () => {
  for (const at of [
    ['--backend', 'iptables', '--node', 'node-a', '--family', 'ipv4'],
    ['--backend', 'nftables', '--node', 'node-a'],
  ]) {
    const plain = await ksvc('compile', NEW, '--since', OLD, ...at);
    const proven = await ksvcWith({ statusLine: true }, 'compile', NEW, '--since', OLD, '--prove', ...at);
    assert.is(proven.code, 0, proven.stderr);
    assert.is(proven.stdout, plain.stdout);
    assert.match(proven.stderr, /^ksvc compile: .*; proven$/m);
  }
  const alone = await ksvc('compile', NEW, '--prove', '--backend', 'iptables', '--family', 'ipv4', '--node', 'node-a');
  assert.is(alone.code, 2);
  assert.match(alone.stderr, /--prove proves an update: it goes with --since/);
});

test('refused: another backend or format, hooks, standard input, another node', async () => {
  const base = ['compile', NEW, '--since', OLD, '--node', 'node-a', '--family', 'ipv4'];
  for (const extra of [
    ['--backend', 'nftables', '--format', 'text'],
    ['--backend', 'iptables', '--format', 'save'],
    ['--backend', 'iptables', '--with-hooks'],
  ]) {
    const r = await ksvc(...base, ...extra);
    assert.is(r.code, 2, extra.join(' '));
    assert.match(r.stderr, /--since makes an update/);
    assert.is(r.stdout, '');
  }
  const stdin = await ksvc(
    'compile',
    NEW,
    '--since',
    '-',
    '--backend',
    'iptables',
    '--node',
    'node-a',
    '--family',
    'ipv4',
  );
  assert.is(stdin.code, 2);
  assert.match(stdin.stderr, /--since needs a file name/);
  // without --node each file compiles for its only node: two different nodes are refused
  const out = write('since-out.txt', 'untouched');
  const web = readFileSync(WEB, 'utf8');
  const otherNode = write('since-node-b.ksvc', web.replace('node node-a {', 'node node-b {'));
  const r = await ksvc('compile', WEB, '--since', otherNode, '--backend', 'iptables', '-o', out);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /--since \S+ compiles for node node-b, ipv4; FILE for node node-a, ipv4/);
  assert.is(readFileSync(out, 'utf8'), 'untouched');
});

test('--since OLD named with control characters: escaped in the "is read as FILE is" line, never raw', async () => {
  const bad = write('since-\u001b[31mred\nline.ksvc', 'garbage {{\n');
  const r = await ksvc('compile', WEB, '--since', bad, '--backend', 'iptables');
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.not.match(r.stderr, /\u001b/);
  assert.not.match(r.stderr, /red\nline/);
  assert.match(r.stderr, /--since \S+since-\\u001b\[31mred\\u000aline\.ksvc is read as FILE is/);
});

test.run();
