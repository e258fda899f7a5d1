// `ksvc verify` in-process: exit 0 on an equivalent example, 1 with usable counterexamples on a
// mutated artifact, 2 on unreadable or invalid input and on usage errors; the json and github
// output formats; --all-nodes, --from-k8s and --tv-bound.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSUMPTIONS } from '../../api/verify.ts';
import { probabilityText } from '../../cli/render-verify.ts';
import { compileWeb, explainLines, ksvc, ksvcWith, shellWords, tmp, WEB, write } from './verify-cli-support.ts';

const ASSUMPTION_IDS = ASSUMPTIONS.map((a) => a.id);

test('an equivalent example: exit 0, three comparisons proven, coverage, the assumptions named', async () => {
  const r = await ksvc('verify', 'examples/seed-clusterip.ksvc');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^examples\/seed-clusterip\.ksvc, node ecs-matrix-k8s-cluster-3, ipv4$/m);
  assert.match(r.stdout, /✓ iptables ≡ nftables \(kernel-level probabilities, exactly\)/);
  assert.match(r.stdout, /✓ IR ≡ iptables/);
  assert.match(r.stdout, /✓ IR ≡ nftables/);
  assert.match(r.stdout, /every packet covered/);
  assert.match(r.stdout, /^equivalent: 1 check, every packet gets the same outcome$/m);
  const assumed = /^assumed \(docs\/verifier\.md\): (.*)$/m.exec(r.stdout);
  assert.ok(assumed, r.stdout);
  assert.equal(assumed![1]!.split(', '), ASSUMPTION_IDS);
  assert.not.match(r.stdout, /DIFFERENT/);
});

test("--output json: the report's diagnostics hold the input's own warnings, as diff's do", async () => {
  // examples/design-card.ksvc warns that its externalTrafficPolicy has no effect
  const r = await ksvc('verify', 'examples/design-card.ksvc', '--output', 'json');
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { diagnostics: Record<string, unknown>[] };
  // in the shape every JSON output gives a diagnostic (1-based range, no offsets), not the span inside
  assert.equal(
    report.diagnostics.find((d) => d.code === 'external-traffic-policy-not-applicable'),
    {
      code: 'external-traffic-policy-not-applicable',
      severity: 'warning',
      message:
        'externalTrafficPolicy has no effect: this service has no external frontends (no NodePort, LoadBalancer or externalIPs)',
      file: 'examples/design-card.ksvc',
      range: { start: { line: 8, column: 82 }, end: { line: 8, column: 109 } },
      hint: 'remove it, or make the service NodePort/LoadBalancer',
    },
    r.stdout,
  );
  // artifacts checked against the model: the model's warnings too
  const ipt = write('design-card.iptables', '');
  const compiled = await ksvc('compile', 'examples/design-card.ksvc', '--backend', 'iptables', '-o', ipt);
  assert.is(compiled.code, 0, compiled.stderr);
  const a = await ksvc('verify', '--iptables', ipt, '--model', 'examples/design-card.ksvc', '--output', 'json');
  assert.is(a.code, 0, a.stderr);
  const codes = (JSON.parse(a.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code);
  assert.ok(codes.includes('external-traffic-policy-not-applicable'), codes.join(', '));
});

test('--all-nodes on a multi-node example: one check per node and family, all equivalent', async () => {
  const r = await ksvc('verify', 'examples/everything.ksvc', '--all-nodes');
  assert.is(r.code, 0, r.stdout + r.stderr);
  const titles = [...r.stdout.matchAll(/^examples\/everything\.ksvc, node (\S+), (ipv4|ipv6)$/gm)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  assert.equal(titles, ['node-a ipv4', 'node-a ipv6', 'node-b ipv4', 'node-b ipv6', 'node-c ipv4', 'node-c ipv6']);
  assert.match(r.stdout, /^equivalent: 6 checks/m);
  // the file names three nodes: one must be chosen
  const none = await ksvc('verify', 'examples/everything.ksvc');
  assert.is(none.code, 2);
  assert.match(none.stderr, /names 3 nodes: choose one with --node, or --all-nodes/);
});

test('--from-k8s with the seed-local YAML: every node verified', async () => {
  const r = await ksvc('verify', '--from-k8s', 'examples/seed-local.yaml', '--all-nodes');
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^examples\/seed-local\.yaml, node ecs-matrix-k8s-cluster-3, ipv4$/m);
  assert.match(r.stdout, /^examples\/seed-local\.yaml, node ecs-matrix-k8s-cluster-1, ipv4$/m);
  assert.match(r.stdout, /^equivalent: 2 checks/m);
});

test('--tv-bound: the default bound holds for a 1/3 split, a bound below its distance fails', async () => {
  const ok = await ksvc('verify', WEB);
  assert.is(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /largest total variation 0\.0000000002 \(1\/6442450944\)/);
  const tight = await ksvc('verify', WEB, '--tv-bound', '2^-40');
  assert.is(tight.code, 1, tight.stdout);
  assert.match(tight.stdout, /✓ iptables ≡ nftables/);
  assert.match(tight.stdout, /DIFFERENT IR ≡ iptables/);
  assert.match(tight.stdout, /total variation: 0\.0000000002 \(1\/6442450944\)/);
  assert.match(tight.stdout, /^NOT equivalent/m);
});

test('a one-unit probability change in the iptables artifact: exit 1, counterexample, working explain line', async () => {
  const files = await compileWeb();
  const same = await ksvc('verify', '--iptables', files.iptables, '--nft', files.nft, '--model', WEB);
  assert.is(same.code, 0, same.stdout + same.stderr);
  const text = readFileSync(files.iptables, 'utf8');
  assert.ok(text.includes('--probability 0.5000000000 '));
  const bad = write('web-bad.iptables', text.replace('--probability 0.5000000000 ', '--probability 0.5000000005 '));
  const r = await ksvc('verify', '--iptables', bad, '--nft', files.nft, '--model', WEB, '--node', 'node-a');
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✗ iptables ≡ nftables/);
  assert.match(r.stdout, /DIFFERENT iptables ≡ nftables \(kernel-level probabilities, exactly\)/);
  assert.match(r.stdout, /witness: tcp [\d.]+:40000 -> [\d.]+:(80|30080), arriving on eth0, new connection/);
  // both distributions, exactly: the mutated threshold is one unit in 2^31 off
  const P2_IPT = /\(1537228673882871125\/2\^62\)\s+accept dnat 10\.64\.1\.2:8080/;
  const P2_NFT = /\(1431655765\/2\^32\)\s+accept dnat 10\.64\.1\.2:8080/;
  assert.match(r.stdout, P2_IPT);
  assert.match(r.stdout, P2_NFT);
  assert.match(r.stdout, /\(715827883\/2\^31\)\s+accept dnat 10\.64\.1\.1:8080/);
  assert.match(r.stdout, /web-bad\.iptables:\d+ {2}-A KUBE-SVC-\S+ .*--probability 0\.500/);
  const lines = explainLines(r.stdout);
  assert.ok(lines.length >= 1, r.stdout);
  // the printed command, run as printed, shows the two sides' different outcomes
  const words = shellWords(lines[0]!);
  assert.equal(words.slice(0, 2), ['ksvc', 'explain']);
  const e = await ksvc(...words.slice(1));
  assert.is(e.code, 0, e.stderr);
  const section = (name: string) => e.stdout.split(/^(?=\w+:$)/m).find((s) => s.startsWith(`${name}:`)) ?? '';
  assert.match(section('iptables'), P2_IPT);
  assert.match(section('nftables'), P2_NFT);
  assert.match(section('ir'), /0\.3333333333 \(1\/3\)\s+accept dnat 10\.64\.1\.2:8080/);
});

test('an artifact with a planted file name: the explain line shows it escaped, and bash reads back the real name', async () => {
  const files = await compileWeb();
  const text = readFileSync(files.iptables, 'utf8');
  const evil = write(
    "web-\u001b[2J\u202e'q\\.iptables",
    text.replace('--probability 0.5000000000 ', '--probability 0.5000000005 '),
  );
  const r = await ksvc('verify', '--iptables', evil, '--nft', files.nft, '--model', WEB, '--node', 'node-a');
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.not.match(r.stdout + r.stderr, /[\u001b\u202e]/);
  const line = explainLines(r.stdout)[0]!;
  assert.match(line, /\$'/);
  const words = spawnSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' }).stdout.split('\0');
  assert.is(words[words.indexOf('--iptables') + 1], evil);
});

test('--kernel: refused with artifacts, and without root it says why (exit 2, nothing checked)', async () => {
  const files = await compileWeb();
  const mixed = await ksvc('verify', '--iptables', files.iptables, '--kernel');
  assert.is(mixed.code, 2);
  assert.match(mixed.stderr, /--kernel goes with a FILE\.ksvc or --from-k8s/);
  const getuid = process.getuid!;
  process.getuid = () => 1000;
  try {
    const r = await ksvc('verify', WEB, '--kernel');
    assert.is(r.code, 2);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /--kernel: it loads the rulesets into network namespaces: run it as root/);
  } finally {
    process.getuid = getuid;
  }
});

test("the explain line carries verify's lowering flags: it explains the rules verify compared", async () => {
  const out = (name: string) => path.join(tmp, name);
  for (const [backend, file] of [
    ['iptables', 'web-ma.iptables'],
    ['nftables', 'web-ma.nft.json'],
  ] as const) {
    const c = await ksvc(
      'compile',
      WEB,
      '--backend',
      backend,
      '--masquerade-all',
      '--no-random-fully',
      '-o',
      out(file),
    );
    assert.is(c.code, 0, c.stderr);
  }
  const text = readFileSync(out('web-ma.iptables'), 'utf8');
  const bad = write('web-ma-bad.iptables', text.replace('--probability 0.5000000000 ', '--probability 0.5000000005 '));
  const flags = ['--masquerade-all', '--no-random-fully', '--cluster-cidr', '10.64.0.0/16'];
  const r = await ksvc('verify', '--iptables', bad, '--nft', out('web-ma.nft.json'), '--model', WEB, ...flags);
  assert.is(r.code, 1, r.stdout + r.stderr);
  const words = shellWords(explainLines(r.stdout)[0]!);
  for (const f of flags) assert.ok(words.includes(f), `${f} in ${words.join(' ')}`);
  const e = await ksvc(...words.slice(1));
  assert.is(e.code, 0, e.stderr);
  // the model lowered as verify lowered it: the IR's outcomes are the unmutated nft rules' outcomes
  const section = (name: string) => e.stdout.split(/^(?=\w+:$)/m).find((x) => x.startsWith(`${name}:`)) ?? '';
  const outcomes = (name: string) => [...section(name).matchAll(/\)\s+(accept[^\n]*?)\s*$/gm)].map((m) => m[1]).sort();
  assert.ok(outcomes('ir').length > 0, e.stdout);
  assert.equal(outcomes('ir'), outcomes('nftables'));
});

test('one artifact against the model: a wrong DNAT port in nft JSON is caught (IR ≡ nftables)', async () => {
  const files = await compileWeb();
  const doc = readFileSync(files.nft, 'utf8');
  // the last endpoint's DNAT (its address from the map dnat-cluster-ips-2) to port 8081
  const mutated = doc.replace(
    '"data":"@dnat-cluster-ips-2"}},"port":8080}',
    '"data":"@dnat-cluster-ips-2"}},"port":8081}',
  );
  assert.ok(mutated !== doc, 'the nft document has the DNAT statement');
  const bad = write('web-bad.nft.json', mutated);
  const r = await ksvc('verify', '--nft', bad, '--model', WEB);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.equal(
    [...r.stdout.matchAll(/^ {2}[✓✗] (.*?) \(/gm)].map((m) => m[1]),
    ['IR ≡ nftables'],
  );
  assert.match(r.stdout, /DIFFERENT IR ≡ nftables/);
  assert.match(r.stdout, /accept dnat 10\.64\.1\.3:8081/);
  assert.match(r.stdout, /accept dnat 10\.64\.1\.3:8080/);
  assert.match(r.stdout, /web-bad\.nft\.json\/nftables\/\d+\/add\/rule/);
  // the artifact alone has nothing to be compared with
  const alone = await ksvc('verify', '--nft', bad);
  assert.is(alone.code, 2);
  assert.match(alone.stderr, /verify-nothing-to-compare/);
});

test("an nft document without kube-proxy's table, against rules or a model that have it: compared with no rules, exit 1", async () => {
  const files = await compileWeb();
  const empty = write('no-table.nft.json', '{"nftables":[{"metainfo":{"json_schema_version":1}}]}');
  for (const against of [
    ['--iptables', files.iptables],
    ['--model', WEB],
  ]) {
    const r = await ksvc('verify', ...against, '--nft', empty);
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /warning\[verify-family-missing\]: the nftables ruleset has no ipv4 rules/);
    assert.match(r.stdout, /✗ (iptables|IR) ≡ nftables/);
  }
  // alone, it has nothing to be compared with
  const alone = await ksvc('verify', '--nft', empty);
  assert.is(alone.code, 2);
});

test('probabilities in text: exact fractions when short, else the decimal and where the exact value is', () => {
  assert.is(probabilityText({ num: 715827883n, den: 2n ** 31n }), '0.3333333335 (715827883/2^31)');
  assert.is(probabilityText({ num: 1n, den: 3n }), '0.3333333333 (1/3)');
  // a 57-way split's threshold: a 34-digit numerator over 2^116
  const t = probabilityText({ num: 1457486848509498813592095415597521n, den: 2n ** 116n });
  assert.is(t, '0.0175438598 (…/2^116, exact in --output json)');
  const tv = probabilityText({ num: 10n ** 41n + 1n, den: 3n * 10n ** 50n });
  assert.is(tv, '0.0000000003 (exact in --output json)');
});

test('--output json: versioned, valid, the assumptions and the counterexamples as data', async () => {
  // an input that cannot be checked: its diagnostics are the report, on stdout (exit 2)
  const broken = await ksvc('verify', write('verify-json-broken.ksvc', 'junk {\n'), '--output', 'json');
  assert.is(broken.code, 2);
  assert.ok(JSON.parse(broken.stdout).summary.errors > 0, broken.stdout);
  assert.is(broken.stderr, '');
  const ok = await ksvc('verify', 'examples/seed-clusterip.ksvc', '--output', 'json');
  assert.is(ok.code, 0);
  const doc = JSON.parse(ok.stdout);
  assert.is(doc.schemaVersion, 1);
  assert.is(doc.equivalent, true);
  assert.equal(
    doc.assumptions.map((a: { id: string }) => a.id),
    ASSUMPTION_IDS,
  );
  assert.ok(doc.assumptions.every((a: { text?: unknown }) => Object.keys(a).length > 1));
  assert.is(doc.checks.length, 1);
  assert.equal(doc.checks[0].comparisons, ['iptables=nftables', 'ir=iptables', 'ir=nftables']);
  assert.is(doc.checks[0].stats.packets.num, doc.checks[0].stats.universe.num);

  const tight = await ksvc('verify', WEB, '--tv-bound', '1/10000000000000', '--output', 'json');
  assert.is(tight.code, 1);
  const bad = JSON.parse(tight.stdout);
  assert.is(bad.equivalent, false);
  const cx = bad.checks[0].counterexamples;
  assert.ok(cx.length >= 1);
  assert.ok(['ir=iptables', 'ir=nftables'].includes(cx[0].comparison));
  assert.is(cx[0].witness.protocol, 'tcp');
  assert.ok([80, 30080].includes(cx[0].witness.dport), cx[0].witness);
  assert.ok(cx[0].region.length > 0 && cx[0].distributions.ir.length === 3);
  assert.ok(cx[0].tv && typeof cx[0].tv.num === 'string', 'exact rationals as strings');
});

test('--output github: an ::error annotation per difference, properties escaped', async () => {
  const r = await ksvc('verify', WEB, '--tv-bound', '2^-40', '--output', 'github');
  assert.is(r.code, 1);
  const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
  assert.ok(errors.length >= 1, r.stdout);
  for (const l of errors) {
    const m = /^::error ([^:]*)::(.*)$/.exec(l);
    assert.ok(m, `one workflow command per line, no ':' left in its properties: ${l}`);
    assert.match(m![1]!, /^file=[^,]+,title=[^,]+$/);
    assert.match(m![2]!, /witness: tcp .*%0A.*explain: ksvc explain /);
  }
  const ok = await ksvc('verify', WEB, '--output', 'github');
  assert.is(ok.code, 0);
  assert.not.match(ok.stdout, /::error/);
  assert.match(ok.stdout, /^::notice /m);
});

test('--output github on artifacts: annotations name the real artifact file and the deciding line', async () => {
  const files = await compileWeb();
  const text = readFileSync(files.iptables, 'utf8');
  const bad = write('web-gh.iptables', text.replace('--probability 0.5000000000 ', '--probability 0.6000000000 '));
  const mutatedLine =
    readFileSync(bad, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('0.6000000000')) + 1;
  const r = await ksvc('verify', '--iptables', bad, '--nft', files.nft, '--output', 'github');
  assert.is(r.code, 1, r.stderr);
  const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
  assert.ok(errors.length >= 1, r.stdout);
  const file = bad.replace(/:/g, '%3A').replace(/,/g, '%2C');
  const lines = errors.map((l) => {
    const m = /^::error file=([^,]+),line=(\d+),title=/.exec(l);
    assert.ok(m, `file= and line= first: ${l}`);
    assert.is(m![1], file, 'the iptables file as given, not the "A + B" label');
    return Number(m![2]);
  });
  // a probability difference points at the statistic rule that draws it
  assert.ok(lines.includes(mutatedLine), `lines ${lines.join(', ')}; the edited rule is on line ${mutatedLine}`);
  // past --max-counterexamples, a notice says how many differences were not annotated
  const one = await ksvc(
    'verify',
    '--iptables',
    bad,
    '--nft',
    files.nft,
    '--output',
    'github',
    '--max-counterexamples',
    '1',
  );
  assert.is(one.stdout.split('\n').filter((l) => l.startsWith('::error ')).length, 1);
  assert.ok(errors.length > 1, 'the edit makes more than one distinct difference');
  assert.match(one.stdout, `1 of ${errors.length} distinct differences annotated (--max-counterexamples for more)`);
  // equivalent artifacts: the notice has no file= (two inputs, none of them "the" file)
  const ok = await ksvc('verify', '--iptables', files.iptables, '--nft', files.nft, '--output', 'github');
  assert.is(ok.code, 0);
  assert.match(ok.stdout, /^::notice title=ksvc verify::equivalent \(1 check\)$/m);
  // one artifact against a model: its file, no line for nft
  const nftOnly = await ksvc('verify', '--nft', files.nft, '--model', WEB, '--output', 'github', '--tv-bound', '2^-40');
  assert.is(nftOnly.code, 1);
  const nftErrors = nftOnly.stdout.split('\n').filter((x) => x.startsWith('::error '));
  assert.ok(nftErrors.length >= 1);
  for (const l of nftErrors) assert.ok(l.startsWith(`::error file=${files.nft},title=`), l);
});

test('exit 2: an invalid .ksvc file, with its diagnostics located', async () => {
  const bad = write('bad.ksvc', 'service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> \n}\n');
  const r = await ksvc('verify', bad);
  assert.is(r.code, 2);
  assert.match(r.stderr, /error\[expected-token\]/);
  assert.match(r.stderr, /bad\.ksvc:2:37/);
  assert.is(r.stdout, '');
  const missing = await ksvc('verify', path.join(tmp, 'nope.ksvc'));
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /nope\.ksvc/);
});

test('exit 2: garbage iptables text (line:col), garbage nft JSON (JSON pointer), invalid JSON, a ruleset past the engine', async () => {
  const files = await compileWeb();
  const ipt = write('garbage.iptables', '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j FROB --bogus\nCOMMIT\n');
  const r1 = await ksvc('verify', '--iptables', ipt, '--nft', files.nft);
  assert.is(r1.code, 2);
  assert.match(r1.stderr, /error\[ipt-unsupported-target\]/);
  assert.match(r1.stderr, /garbage\.iptables:3:\d+/);
  // the line in a source frame, the caret under the target
  assert.match(r1.stderr, /\n3 \| -A KUBE-SERVICES -j FROB --bogus\n {2}\| {21}\^{4}\n/);
  assert.is(r1.stdout, '');
  const nft = write(
    'garbage.nft.json',
    JSON.stringify({
      nftables: [{ add: { rule: { family: 'ip', table: 'kube-proxy', chain: 'x', expr: [{ frob: 1 }] } } }],
    }),
  );
  const r2 = await ksvc('verify', '--iptables', files.iptables, '--nft', nft);
  assert.is(r2.code, 2);
  assert.match(r2.stderr, /error\[nft-unknown-statement\]/);
  assert.match(r2.stderr, /\(\/nftables\/0\/add\/rule\/expr\/0\)/);
  const json = write('truncated.nft.json', '{"nftables": [');
  const r3 = await ksvc('verify', '--iptables', files.iptables, '--nft', json);
  assert.is(r3.code, 2);
  assert.match(
    r3.stderr,
    /error\[nft-invalid-json\]: the nftables document is not valid JSON: expected a value, found the end/,
  );
  assert.match(r3.stderr, /truncated\.nft\.json:1:15 \(\/nftables\/0\)\n/, 'the value missing');
  // read fine, but past what the engine checks: every mark bit cleared but the masquerade bit
  const text = readFileSync(files.iptables, 'utf8');
  assert.ok(text.includes('-j MARK --or-mark 0x00004000'));
  const wide = write(
    'wide-mark.iptables',
    text.replace('-j MARK --or-mark 0x00004000', '-j MARK --and-mark 0x00004000'),
  );
  const r4 = await ksvc('verify', '--iptables', wide, '--nft', files.nft);
  assert.is(r4.code, 2);
  assert.match(
    r4.stderr,
    /error\[verify-unsupported\]: the ipv4 rulesets cannot be checked: the rules test or set 32 mark bits/,
  );
  assert.match(r4.stderr, /wide-mark\.iptables/);
  assert.not.match(r4.stderr, /internal error/);
  for (const r of [r1, r2, r3, r4]) assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
});

test('the artifacts given the wrong way round: one error each that says so; a flood of syntax errors is capped', async () => {
  const files = await compileWeb();
  const swapped = await ksvc('verify', '--iptables', files.nft, '--nft', files.iptables);
  assert.is(swapped.code, 2);
  const errors = swapped.stderr.split('\n').filter((l) => l.startsWith('error['));
  assert.equal(errors, [
    'error[nft-invalid-json]: the nftables document is not valid JSON: it is iptables-restore or iptables-save text (read as the iptables artifact)',
    'error[ipt-syntax]: not iptables-restore syntax: this is JSON, not iptables-restore or iptables-save text (an nftables JSON document is read as the nftables artifact)',
  ]);
  // 100 lines of something else: 25 shown, the rest counted
  const junk = write('junk.iptables', `*nat\n${'frob frob\n'.repeat(100)}COMMIT\n`);
  const r = await ksvc('verify', '--iptables', junk, '--nft', files.nft);
  assert.is(r.code, 2);
  assert.is(r.stderr.split('\n').filter((l) => l.startsWith('error[ipt-syntax]')).length, 25);
  assert.match(r.stderr, /error\[more-errors-omitted\]: 75 more 'ipt-syntax' errors not shown/);
  const twice = await ksvc('verify', '--iptables', '-', '--nft', '-');
  assert.is(twice.code, 2);
  assert.match(twice.stderr, /'-' \(standard input\) can be given only once/);
});

test('usage errors exit 2 with a message', async () => {
  const cases: [string[], RegExp][] = [
    [['verify', WEB, '--node', 'node-a', '--all-nodes'], /--node and --all-nodes exclude each other/],
    [['verify', WEB, '--tv-bound', 'abc'], /--tv-bound: 'abc' is not a probability/],
    // above 1 the check would hold for any total variation
    [['verify', WEB, '--tv-bound', '3/2'], /--tv-bound: '3\/2' is not a probability from 0 to 1/],
    [['verify', WEB, '--tv-bound', '2'], /--tv-bound: '2' is not a probability from 0 to 1/],
    [['verify', WEB, '--tv-bound', '1/0'], /--tv-bound/],
    [['verify', WEB, '--family', 'ipv5'], /--family is ipv4 or ipv6/],
    [['verify', WEB, '--max-counterexamples', '0'], /--max-counterexamples is a positive integer/],
    [['verify', WEB, '--output', 'xml'], /output/],
    [['verify'], /expected a FILE\.ksvc/],
    [['verify', WEB, '--model', WEB], /--model goes with --iptables\/--nft/],
    [['verify', WEB, '--iptables', WEB], /either a FILE\.ksvc/],
    [['verify', WEB, '--bogus'], /bogus/],
    // flags that would be left unread, and copied into explain lines that explain refuses
    [['verify', WEB, '--nft-table', 'kp2'], /--nft-table goes with --nft/],
    [['verify', '--iptables', WEB, '--model', WEB, '--nft-table', 'kp2'], /--nft-table goes with --nft/],
    [['verify', '--from-k8s', '--iptables', WEB], /--from-k8s goes with Kubernetes files/],
    [['diff', '--input', 'iptables', WEB, WEB, '--nft-table', 'kp2'], /--nft-table goes with --input nft/],
  ];
  for (const [argv, message] of cases) {
    const r = await ksvc(...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.match(r.stderr, message, argv.join(' '));
    assert.is(r.stdout, '', argv.join(' '));
  }
});

test('file names that start with a dash: the explain line passes them so that ksvc reads them as files', async () => {
  const files = await compileWeb();
  const text = readFileSync(files.iptables, 'utf8');
  write('-e.iptables', text.replace('--probability 0.5000000000 ', '--probability 0.5000000005 '));
  write('-n.json', readFileSync(files.nft, 'utf8'));
  write('-web.ksvc', readFileSync(WEB, 'utf8'));
  // relative names, as a user in that folder types them
  const inTmp = (...argv: string[]) => ksvcWith({ cwd: tmp }, ...argv);
  // artifacts: `--iptables -e.iptables` would read -e.iptables as an option
  const r = await inTmp('verify', '--iptables=-e.iptables', '--nft=-n.json', '--model', WEB, '--node', 'node-a');
  assert.is(r.code, 1, r.stdout + r.stderr);
  const words = shellWords(explainLines(r.stdout)[0]!);
  assert.ok(words.includes('--iptables=-e.iptables') && words.includes('--nft=-n.json'), words.join(' '));
  const e = await inTmp(...words.slice(1));
  assert.is(e.code, 0, e.stderr);
  assert.match(e.stdout, /\(1537228673882871125\/2\^62\)\s+accept dnat 10\.64\.1\.2:8080/);
  // a model operand given after `--`: the line names it ./-web.ksvc
  const m = await inTmp('verify', '--tv-bound', '2^-40', '--', '-web.ksvc');
  assert.is(m.code, 1, m.stdout + m.stderr);
  const mWords = shellWords(explainLines(m.stdout)[0]!);
  assert.is(mWords[2], './-web.ksvc', mWords.join(' '));
  const me = await inTmp(...mWords.slice(1));
  assert.is(me.code, 0, me.stderr);
});

test.run();
