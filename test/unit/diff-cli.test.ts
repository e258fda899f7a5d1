// `ksvc diff` in-process: exit 0 when every packet is routed the same way, 1 with the changes
// printed (each with old and new distributions, the service ports, and explain lines that work),
// 2 on usage errors and bad input; the json and github output formats; --all-nodes and --traces.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ksvc, ksvcWith, section, shellWords, tmp, write } from './verify-cli-support.ts';

const EVERYTHING = readFileSync('examples/everything.ksvc', 'utf8');
const OLD = write('diff-old.ksvc', EVERYTHING);
const SIGNALLING = '  endpoints 10.64.3.20 on node-c\n';
assert.ok(EVERYTHING.includes(SIGNALLING));
/** One endpoint more for telecom/signalling: its traffic splits 1/2 + 1/2. */
const NEW = write(
  'diff-new.ksvc',
  EVERYTHING.replace(SIGNALLING, '  endpoints 10.64.3.20 on node-c, 10.64.3.21 on node-c\n'),
);

test('the same routing: exit 0 and a summary per comparison', async () => {
  const r = await ksvc('diff', OLD, OLD, '--node', 'node-a');
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /diff-old\.ksvc -> \S*diff-old\.ksvc, node node-a, ipv4 \(iptables rules\)/);
  assert.match(r.stdout, /diff-old\.ksvc, node node-a, ipv6 \(iptables rules\)/);
  assert.match(r.stdout, /✓ every packet is routed the same way/);
  assert.match(r.stdout, /^same routing: 2 comparisons, every packet gets the same outcome$/m);
  assert.not.match(r.stdout, /CHANGED/);
});

test('an endpoint added: exit 1, the change with both distributions, explain lines that work', async () => {
  const r = await ksvc('diff', OLD, NEW, '--node', 'node-a', '--family', 'ipv4');
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /^ {2}what changes, by service port:\n {4}telecom\/signalling:sigtran \(\d+ changes?, \d+ class(es)?\), its changed packets: now also reach 10\.64\.3\.21:2905; probabilities$/m,
  );
  assert.match(r.stdout, /^CHANGED telecom\/signalling:sigtran: (1 class changes|\d+ classes change) this way$/m);
  assert.match(r.stdout, /^ {2}old:\n {4}1 +accept dnat 10\.64\.3\.20:2905/m);
  assert.match(r.stdout, /^ {2}new:\n {4}0\.5000000000 \(1\/2\^1\) +accept dnat 10\.64\.3\.20:2905/m);
  assert.match(r.stdout, /^ {4}0\.5000000000 \(1\/2\^1\) +accept dnat 10\.64\.3\.21:2905/m);
  assert.match(r.stdout, /^routing CHANGED in 1 of 1 comparison: see above$/m);
  const capped = await ksvc('diff', OLD, NEW, '--node', 'node-a', '--family', 'ipv4', '--max-changes', '1');
  assert.is(capped.code, 1);
  assert.match(capped.stdout, /^ {2}1 of \d+ distinct changes shown \(--max-changes for more\);/m);
  assert.is(capped.stdout.match(/^CHANGED /gm)?.length, 1);
  // the summary still covers every change, the ones not shown too
  const summary = (out: string) => /^ {2}what changes, by service port:\n((?: {4}.*\n)+)/m.exec(out)?.[1];
  assert.ok(summary(r.stdout));
  assert.is(summary(capped.stdout), summary(r.stdout));
  // rule paths only with --traces
  assert.not.match(r.stdout, /rules for the witness/);
  const traced = await ksvc('diff', OLD, NEW, '--node', 'node-a', '--family', 'ipv4', '--traces');
  assert.match(traced.stdout, /^ {2}new rules for the witness:$/m);
  assert.match(traced.stdout, /DNAT --to-destination 10\.64\.3\.21:2905/);
  // the printed explain line for the new version runs and shows the new endpoint
  const line = /^ {2}explain new: (ksvc explain .*)$/m.exec(r.stdout)?.[1];
  assert.ok(line, r.stdout);
  const words = shellWords(line!);
  const explained = await ksvc(...words.slice(1));
  assert.is(explained.code, 0, explained.stdout + explained.stderr);
  assert.match(section(explained.stdout, 'iptables'), /10\.64\.3\.21:2905/);
  const before = /^ {2}explain old: (ksvc explain .*)$/m.exec(r.stdout)?.[1];
  const old = await ksvc(...shellWords(before!).slice(1));
  assert.is(old.code, 0, old.stderr);
  assert.match(section(old.stdout, 'iptables'), /10\.64\.3\.20:2905/);
  assert.not.match(section(old.stdout, 'iptables'), /10\.64\.3\.21/);
});

test('a not-ready endpoint added: the same routing, and the new file`s new warning alone', async () => {
  const notReady = write(
    'diff-not-ready.ksvc',
    EVERYTHING.replace(SIGNALLING, '  endpoints 10.64.3.20 on node-c, 10.64.3.21 on node-c not-ready\n'),
  );
  const r = await ksvc('diff', OLD, notReady, '--node', 'node-a');
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^same routing: 2 comparisons/m);
  // the warning the edit introduces, once; not the ones both files have (10.64.3.5 is not-ready in both)
  assert.match(r.stderr, /warning\[endpoint-never-used\]: endpoint 10\.64\.3\.21 never receives traffic/);
  assert.not.match(r.stderr, /10\.64\.3\.5 never receives/);
  assert.is(r.stderr.match(/warning\[/g)?.length, 1, r.stderr);
});

test("a change at an external IP that is a node address names its service port, not another's NodePort of that number", async () => {
  // kube-proxy's NodePort jump ends KUBE-SERVICES: packets to 192.168.10.11:30080 go to shop/admin
  const ports = (admin: string) => `node node-a {
  address 192.168.10.11
  podCIDR 10.64.1.0/24
}
service shop/web {
  http: NodePort 10.32.0.20:80/tcp nodePort 30080 -> endpoints:8080
  endpoints 10.64.1.5 on node-a
}
service shop/admin {
  http: ClusterIP 10.32.0.40:30080/tcp -> endpoints:9090
  externalIPs 192.168.10.11
  endpoints ${admin}
}
`;
  const old = write('diff-xip-old.ksvc', ports('10.64.1.40 on node-a'));
  const next = write('diff-xip-new.ksvc', ports('10.64.1.40 on node-a, 10.64.1.41 on node-a'));
  const r = await ksvc('diff', old, next, '--output', 'json');
  assert.is(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { comparisons: { changedServicePorts: { servicePortName: string }[] }[] };
  const changed = report.comparisons.flatMap((c) => c.changedServicePorts.map((p) => p.servicePortName));
  assert.ok(changed.length > 0, r.stdout.slice(0, 400));
  assert.ok(
    changed.every((n) => n.startsWith('shop/admin')),
    changed.join(', '),
  );
});

test('--backend nftables finds the change too', async () => {
  const r = await ksvc('diff', OLD, NEW, '--node', 'node-a', '--family', 'ipv4', '--backend', 'nftables');
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /\(nftables rules\)/);
  assert.match(r.stdout, /^CHANGED telecom\/signalling:sigtran/m);
});

test('--output json: versioned, the changes as data', async () => {
  const r = await ksvc('diff', OLD, NEW, '--node', 'node-a', '--family', 'ipv4', '--output', 'json');
  assert.is(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.schemaVersion, 1);
  assert.is(j.changed, true);
  assert.is(j.backend, 'iptables');
  assert.is(j.comparisons.length, 1);
  const c = j.comparisons[0];
  assert.is(c.changed, true);
  assert.equal(c.stats.comparisons, ['old=new']);
  assert.ok(c.changes.length > 0);
  const ch = c.changes[0];
  assert.is(ch.servicePorts.new[0].servicePortName, 'telecom/signalling:sigtran');
  assert.equal(Object.keys(ch.distributions), ['old', 'new']);
  assert.equal(Object.keys(ch.traces), ['old', 'new']);
  assert.is(ch.distributions.new.length, 2);
  const same = await ksvc('diff', OLD, OLD, '--node', 'node-a', '--output', 'json');
  assert.is(same.code, 0);
  assert.is(JSON.parse(same.stdout).changed, false);
});

test("a change's regions cover every class that changes that way (pods too, not only the witness's class)", async () => {
  // a LoadBalancer given source ranges: traffic from outside them is dropped, pods' included; the
  // witness's class alone ("any except 10.64.0.0/16, 198.51.100.0/24") left the pods out
  const lb = (ranges: string) => `cluster {
  masq from outside 10.64.0.0/16
}

node node-a {
  address 192.168.10.11
}

service shop/web {
  http: LoadBalancer 10.32.0.20:80/tcp nodePort 30080 -> endpoints:8080
  loadBalancerIngress 203.0.113.10${ranges}
  endpoints 10.64.1.5 on node-a
}
`;
  const before = write('diff-lb-old.ksvc', lb(''));
  const after = write('diff-lb-new.ksvc', lb('\n  loadBalancerSourceRanges 198.51.100.0/24'));
  const r = await ksvc('diff', before, after, '--output', 'json');
  assert.is(r.code, 1, r.stderr);
  const [change, ...rest] = JSON.parse(r.stdout).comparisons[0].changes;
  assert.is(rest.length, 0);
  assert.is(change.unlistedClasses, 0);
  const regions: string[][] = [change.region, ...change.moreRegions];
  const line = (region: string[], key: string) => region.find((l) => l.startsWith(`${key}: `));
  assert.equal(
    regions.map((g) => [line(g, 'path'), line(g, 'source')]),
    [
      ['path: arriving', 'source: any except 198.51.100.0/24'],
      // a packet generated on the node may carry any source (assumption martians): one from
      // inside the ranges passes too
      ['path: local', 'source: any except 198.51.100.0/24'],
    ],
  );
  const text = await ksvc('diff', before, after);
  assert.match(text.stdout, /region of the witness \(every packet here changes the same way\):/);
  assert.match(text.stdout, /and 1 more region that changes the same way:\n {4}path: local; /);
});

test('--output github: one warning per change at the service`s line in the new file', async () => {
  const r = await ksvc('diff', OLD, NEW, '--node', 'node-a', '--family', 'ipv4', '--output', 'github');
  assert.is(r.code, 1, r.stderr);
  const line = EVERYTHING.split('\n').findIndex((l) => l.startsWith('service telecom/signalling {')) + 1;
  const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning '));
  assert.ok(warnings.length > 0, r.stdout);
  for (const w of warnings) {
    assert.ok(w.startsWith(`::warning file=${NEW},line=${line},title=ksvc diff%3A telecom/signalling%3Asigtran::`), w);
  }
  const same = await ksvc('diff', OLD, OLD, '--node', 'node-a', '--output', 'github');
  assert.match(same.stdout, /^::notice file=.*title=ksvc diff::same routing \(2 comparisons\)$/m);
});

test('--output github: changes past --max-changes are counted in a notice, not left out silently', async () => {
  // node-a's address changes: every NodePort and external frontend of the node changes
  const moved = write('diff-moved.ksvc', EVERYTHING.replace('address 192.168.10.11,', 'address 192.168.10.21,'));
  const r = await ksvc(
    'diff',
    OLD,
    moved,
    '--node',
    'node-a',
    '--family',
    'ipv4',
    '--output',
    'github',
    '--max-changes',
    '2',
  );
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout.split('\n').filter((l) => l.startsWith('::warning ')).length, 2, r.stdout);
  assert.match(
    r.stdout,
    /^::notice file=.*title=ksvc diff::node node-a, ipv4: 2 of \d+ distinct changes annotated \(--max-changes for more\)$/m,
  );
  // a frontend the old version has and the new one not is named so, not as a service gone
  assert.match(r.stdout, /\(old only\)/);
  assert.not.match(r.stdout, /gone in new/);
});

test('--all-nodes: every node both files declare, each family', async () => {
  const r = await ksvc('diff', OLD, NEW, '--all-nodes');
  assert.is(r.code, 1, r.stdout + r.stderr);
  const titles = [...r.stdout.matchAll(/, node (\S+), (ipv4|ipv6) \(iptables rules\)$/gm)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  assert.equal(titles, ['node-a ipv4', 'node-a ipv6', 'node-b ipv4', 'node-b ipv6', 'node-c ipv4', 'node-c ipv6']);
  // the SCTP service has no IPv6 cluster IP: only the IPv4 comparisons change
  assert.match(r.stdout, /^routing CHANGED in 3 of 6 comparisons: see above$/m);
  // a change every node has alike (the cluster IP's) is printed whole once; the later
  // comparisons name where: as many such lines as the JSON has changes equal to an earlier one
  const j = JSON.parse((await ksvc('diff', OLD, NEW, '--all-nodes', '--output', 'json')).stdout);
  const seen = new Set<string>();
  let repeats = 0;
  let total = 0;
  for (const run of j.comparisons) {
    for (const ch of run.changes) {
      const key = JSON.stringify([ch.servicePorts, ch.classes, ch.witness, ch.region, ch.distributions]);
      total++;
      if (seen.has(key)) repeats++;
      seen.add(key);
    }
  }
  assert.ok(repeats > 0 && repeats < total, `${repeats} of ${total}`);
  const asOn = [
    ...r.stdout.matchAll(
      /^CHANGED .*, as on node (\S+), (ipv\d) \(printed there; explain it with --node (\S+) --family (ipv\d)\)$/gm,
    ),
  ];
  assert.is(asOn.length, repeats);
  assert.is(r.stdout.match(/^ {2}explain new: /gm)?.length, total - repeats);
  for (const m of asOn) {
    assert.is.not(m[1], m[3]);
    assert.is(m[2], m[4]);
  }
  // the closing summary: each service port's change and the comparisons it holds for
  assert.match(
    r.stdout,
    /^what changes, by service port, across the 3 comparisons with changes:\n {2}telecom\/signalling:sigtran \(.*\), its changed packets: now also reach 10\.64\.3\.21:2905; probabilities\n {4}on node node-a, ipv4; node node-b, ipv4; node node-c, ipv4$/m,
  );
  // GitHub: one annotation per distinct change, naming every comparison that has it
  const gh = await ksvc('diff', OLD, NEW, '--all-nodes', '--output', 'github');
  assert.is(gh.code, 1);
  assert.is(gh.stdout.match(/^::warning /gm)?.length, total - repeats);
  assert.match(gh.stdout, /node node-a, ipv4; node node-b, ipv4; node node-c, ipv4 \(iptables rules\)/);
});

test('--input iptables: two rulesets as given (iptables-restore text), explain lines on them', async () => {
  const files = [] as string[];
  for (const [name, src] of [
    ['diff-old.iptables', OLD],
    ['diff-new.iptables', NEW],
  ] as const) {
    const out = write(name, '');
    const c = await ksvc('compile', src, '--node', 'node-a', '--family', 'ipv4', '--backend', 'iptables', '-o', out);
    assert.is(c.code, 0, c.stderr);
    files.push(out);
  }
  const same = await ksvc('diff', '--input', 'iptables', files[0]!, files[0]!);
  assert.is(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /locality universal/);
  // what was not read is said with the verdict, as verify says it (a raw table's NOTRACK, here)
  const raw = write(
    'diff-raw.iptables',
    `*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j CT --notrack\nCOMMIT\n${readFileSync(files[0]!, 'utf8')}`,
  );
  const withRaw = await ksvc('diff', '--input', 'iptables', files[0]!, raw);
  assert.is(withRaw.code, 0, withRaw.stdout + withRaw.stderr);
  assert.match(withRaw.stdout, /^ {2}ignored \(out of scope\): 1 — table raw \(not read: /m);
  assert.match(withRaw.stdout, /^ {2}note: table raw has rules in its builtin chains \(PREROUTING 1\)/m);
  const r = await ksvc('diff', '--input', 'iptables', files[0]!, files[1]!);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /\(iptables rules\)/);
  // no model: no service port counts or names, the node's addresses left free
  assert.not.match(r.stdout, /service ports/);
  assert.match(r.stdout, /^CHANGED packets: /m);
  assert.match(r.stdout, /accept dnat 10\.64\.3\.21:2905/);
  const line = /^ {2}explain new: (ksvc explain .*)$/m.exec(r.stdout)?.[1];
  assert.ok(line?.includes(`--iptables ${files[1]}`), line);
  const explained = await ksvc(...shellWords(line!).slice(1));
  assert.is(explained.code, 0, explained.stdout + explained.stderr);
  assert.match(explained.stdout, /10\.64\.3\.21:2905/);
  // flags that only make sense for .ksvc input are refused, not ignored
  const node = await ksvc('diff', '--input', 'iptables', files[0]!, files[1]!, '--node', 'node-a');
  assert.is(node.code, 2);
  assert.match(node.stderr, /--node applies to \.ksvc or k8s input/);
});

test('--input nft: both families of one document compared, each its own run', async () => {
  const files = [] as string[];
  for (const [name, src] of [
    ['diff-old.nft.json', OLD],
    ['diff-new.nft.json', NEW],
  ] as const) {
    const out = write(name, '');
    const c = await ksvc('compile', src, '--node', 'node-a', '--backend', 'nftables', '-o', out);
    assert.is(c.code, 0, c.stderr);
    files.push(out);
  }
  const r = await ksvc('diff', '--input', 'nft', files[0]!, files[1]!, '--output', 'json');
  assert.is(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(
    j.comparisons.map((c: { family: string; changed: boolean }) => [c.family, c.changed]),
    [
      ['ipv4', true],
      ['ipv6', false],
    ],
  );
  assert.equal(j.comparisons[0].servicePorts, { old: null, new: null });
  // a table of another name: the explain lines name it too, and run as printed
  const renamed = files.map((f, i) =>
    write(`diff-kp2-${i}.nft.json`, readFileSync(f, 'utf8').replaceAll('"kube-proxy"', '"kp2"')),
  );
  const t = await ksvc('diff', '--input', 'nft', renamed[0]!, renamed[1]!, '--nft-table', 'kp2', '--family', 'ipv4');
  assert.is(t.code, 1, t.stderr);
  const line = /^ {2}explain new: (ksvc explain .*)$/m.exec(t.stdout)?.[1];
  assert.ok(line?.includes('--nft-table kp2'), t.stdout);
  const explained = await ksvc(...shellWords(line!).slice(1));
  assert.is(explained.code, 0, explained.stderr);
  assert.match(explained.stdout, /^nftables:$/m);
});

test('--input k8s: two versions as Kubernetes objects, annotations at the Service object', async () => {
  const yaml = readFileSync('examples/seed-local.yaml', 'utf8');
  assert.ok(yaml.includes('  externalTrafficPolicy: Local\n'));
  const before = write('diff-local.yaml', yaml);
  const after = write(
    'diff-cluster.yaml',
    yaml.replace('  externalTrafficPolicy: Local\n', '  externalTrafficPolicy: Cluster\n'),
  );
  // on the node without a local endpoint: the NodePort's traffic was dropped, now it is DNATed
  const r = await ksvc('diff', '--input', 'k8s', before, after, '--node', 'ecs-matrix-k8s-cluster-1');
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /^ {4}default\/http-svc:http-svc \(\d+ changes?, \d+ class(es)?\), its changed packets: now also reach 10\.44\.0\.1:8080; verdict drop -> accept$/m,
  );
  const line = /^ {2}explain new: (ksvc explain .*)$/m.exec(r.stdout)?.[1];
  assert.ok(line?.includes(`--from-k8s ${after}`), line);
  const explained = await ksvc(...shellWords(line!).slice(1));
  assert.is(explained.code, 0, explained.stdout + explained.stderr);
  const gh = await ksvc(
    'diff',
    '--input',
    'k8s',
    before,
    after,
    '--node',
    'ecs-matrix-k8s-cluster-1',
    '--output',
    'github',
  );
  const serviceLine = yaml.split('\n').indexOf('kind: Service') + 1;
  assert.match(gh.stdout, new RegExp(`^::warning file=${after.replace(/[.]/g, '\\.')},line=${serviceLine - 1},`, 'm'));
  const same = await ksvc('diff', '--input', 'k8s', before, before, '--all-nodes');
  assert.is(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /^same routing: 2 comparisons/m);
});

test('usage errors and bad input: exit 2, never a partial report', async () => {
  const one = await ksvc('diff', OLD);
  assert.is(one.code, 2);
  assert.match(one.stderr, /expected two files: OLD NEW \(\.ksvc files\)/);
  const backend = await ksvc('diff', OLD, NEW, '--backend', 'ebpf');
  assert.is(backend.code, 2);
  assert.match(backend.stderr, /--backend is iptables or nftables/);
  const missing = await ksvc('diff', OLD, `${OLD}.missing`, '--node', 'node-a');
  assert.is(missing.code, 2);
  assert.is(missing.stdout, '');
  const broken = write('diff-broken.ksvc', EVERYTHING.replace('10.32.0.40:2905/sctp', '10.32.0.400:2905/sctp'));
  const bad = await ksvc('diff', OLD, broken, '--node', 'node-a');
  assert.is(bad.code, 2);
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, /diff-broken\.ksvc:\d+:\d+/);
  const nodes = await ksvc('diff', OLD, NEW);
  assert.is(nodes.code, 2, nodes.stdout);
  assert.match(nodes.stderr, /choose the node/);
  const unknown = await ksvc('diff', OLD, NEW, '--node', 'node-z');
  assert.is(unknown.code, 2);
  assert.is(unknown.stdout, '');
  // one problem of the input, found on each side and for each family, is said once
  // (with --output json the diagnostics are the report, on stdout: CI that keeps stdout gets them)
  const json = await ksvc('diff', OLD, OLD, '--output', 'json');
  assert.is(json.code, 2);
  assert.is(JSON.parse(json.stdout).summary.errors, 1, json.stdout);
  assert.is(json.stderr, '');
  assert.is((await ksvc('diff', OLD, OLD)).stderr.match(/error\[node-required\]/g)?.length, 1);
  const empty = await ksvc('diff', '', OLD);
  assert.is(empty.code, 2);
  assert.match(empty.stderr, /an empty file name/);
  for (const n of ['1e3', '-1', '0']) {
    const r = await ksvc('diff', OLD, NEW, '--node', 'node-a', `--max-changes=${n}`);
    assert.is(r.code, 2, n);
    assert.match(r.stderr, /--max-changes is a positive integer/, n);
  }
  const jobs = await ksvc('diff', OLD, NEW, '--node', 'node-a', '--jobs', '1000');
  assert.is(jobs.code, 2);
  assert.match(jobs.stderr, /--jobs is a positive integer \(up to 999\)/);
});

test('a change to thousands of service ports: the text summary describes 100 and names the rest', async () => {
  const cluster = (masq: string) =>
    [
      `cluster {\n  masq from outside ${masq}\n}`,
      'node n {\n  address 192.168.1.1\n  podCIDR 10.64.1.0/24\n}',
      ...Array.from(
        { length: 105 },
        (_, i) =>
          `service ns/s${i} {\n  web: ClusterIP 10.32.0.${i + 1}:80/tcp -> endpoints:8080\n  endpoints 10.64.1.${i + 1} on n\n}`,
      ),
    ].join('\n\n');
  const before = write('diff-many-old.ksvc', `${cluster('10.64.0.0/16')}\n`);
  const after = write('diff-many-new.ksvc', `${cluster('10.64.1.0/24')}\n`);
  const r = await ksvc('diff', before, after, '--max-changes', '3', '--family', 'ipv4');
  assert.is(r.code, 1, r.stdout + r.stderr);
  const summary = /^ {2}what changes, by service port:\n((?: {4}.*\n)+)/m.exec(r.stdout)?.[1]?.trimEnd().split('\n');
  assert.ok(summary, r.stdout);
  assert.is(summary!.length, 101);
  // (two classes each: arriving, and generated on the node from a source in the old range)
  for (const l of summary!.slice(0, 100))
    assert.match(l, /^ {4}ns\/s\d+:web \(1 change, 2 classes\), its changed packets: masquerade$/);
  assert.match(
    summary![100]!,
    /^ {4}… and 5 more service ports with changes: (ns\/s\d+:web, ){4}ns\/s\d+:web \(--output json describes every one\)$/,
  );
  assert.is(r.stdout.match(/^CHANGED /gm)?.length, 3);
  const j = JSON.parse(
    (await ksvc('diff', before, after, '--max-changes', '3', '--family', 'ipv4', '--output', 'json')).stdout,
  );
  assert.is(j.comparisons[0].summary.length, 105);
});
test('the old version on standard input: its explain line says so, and runs given it again', async () => {
  const r = await ksvcWith({ stdin: () => EVERYTHING }, 'diff', '-', NEW, '--node', 'node-a', '--family', 'ipv4');
  assert.is(r.code, 1, r.stdout + r.stderr);
  const line = /^ {2}explain old: (ksvc explain - .*) {2}# give it the old version on standard input$/m.exec(
    r.stdout,
  )?.[1];
  assert.ok(line, r.stdout);
  assert.not.match(r.stdout, /explain new: .*#/);
  const explained = await ksvcWith({ stdin: () => EVERYTHING }, ...shellWords(line!).slice(1));
  assert.is(explained.code, 0, explained.stderr);
  assert.match(section(explained.stdout, 'iptables'), /10\.64\.3\.20:2905/);
});

test("--output json: the new version's new warnings in the shape every JSON output gives a diagnostic", async () => {
  const card = readFileSync('examples/design-card.ksvc', 'utf8');
  const old = write('diff-card-old.ksvc', card.replace(', externalTrafficPolicy local', ''));
  const r = await ksvc('diff', old, 'examples/design-card.ksvc', '--output', 'json');
  assert.is(r.code, 0, r.stderr);
  const { diagnostics } = JSON.parse(r.stdout) as { diagnostics: Record<string, unknown>[] };
  assert.equal(
    diagnostics.map((d) => [d.code, d.file, d.range, 'span' in d]),
    [
      [
        'external-traffic-policy-not-applicable',
        'examples/design-card.ksvc',
        { start: { line: 8, column: 82 }, end: { line: 8, column: 109 } },
        false,
      ],
    ],
  );
});

test('a version whose file name starts with a dash: its explain line reads it as a file', async () => {
  const inTmp = (...argv: string[]) => ksvcWith({ cwd: tmp }, ...argv);
  write('-new.ksvc', readFileSync(NEW, 'utf8'));
  // given after `--`, as a name that starts with a dash must be
  const r = await inTmp('diff', '--node', 'node-a', '--family', 'ipv4', '--', OLD, '-new.ksvc');
  assert.is(r.code, 1, r.stdout + r.stderr);
  const line = /^ {2}explain new: (ksvc explain .*)$/m.exec(r.stdout)?.[1];
  assert.is(shellWords(line!)[2], './-new.ksvc', line);
  const explained = await inTmp(...shellWords(line!).slice(1));
  assert.is(explained.code, 0, explained.stdout + explained.stderr);
  assert.match(explained.stdout, /accept dnat 10\.64\.3\.21:2905/);
});
test.run();
