// `ksvc explain` in-process: one packet through the IR, iptables and nftables side by side, with
// the rules it matched and exact probabilities; on artifacts from files; json output; affinity,
// conntrack and path options; input and usage errors exit 2.

import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileWeb, ksvc, section, WEB, WEB_PACKET, write } from './verify-cli-support.ts';

const WEB_TEXT = readFileSync(WEB, 'utf8');

test('a .ksvc file: the three evaluators side by side, rules with their lines, exact probabilities', async () => {
  const r = await ksvc('explain', WEB, ...WEB_PACKET);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^packet: tcp 203\.0\.113\.7:40000 -> 10\.32\.0\.20:80, arriving on eth0, new connection/);
  const ipt = section(r.stdout, 'iptables');
  const nft = section(r.stdout, 'nftables');
  const ir = section(r.stdout, 'ir');
  for (const s of [ipt, nft, ir]) for (const ep of ['10.64.1.1', '10.64.1.2', '10.64.1.3']) assert.match(s, ep);
  assert.match(ipt, /\(715827883\/2\^31\)\s+accept dnat 10\.64\.1\.1:8080 masquerade-fully-random mark 0x0/);
  assert.match(nft, /\(1431655765\/2\^32\)\s+accept dnat 10\.64\.1\.3:8080/);
  assert.match(ir, /0\.3333333333 \(1\/3\)\s+accept dnat 10\.64\.1\.1:8080/);
  assert.match(
    ipt,
    /<iptables, node node-a, ipv4>:\d+ {2}-A KUBE-SVC-\S+ .*--probability 0\.3333333333.*\[random choice taken/,
  );
  assert.match(ipt, /\(assumed hook\) {2}-A PREROUTING .* -j KUBE-SERVICES/);
  assert.match(nft, /<nftables, node node-a>\/nftables\/\d+\/add\/rule/);
});

test('--backend, --output json, and explaining artifact files', async () => {
  const files = await compileWeb();
  const only = await ksvc('explain', WEB, ...WEB_PACKET, '--backend', 'iptables');
  assert.is(only.code, 0, only.stderr);
  assert.equal(
    [...only.stdout.matchAll(/^(\w+):$/gm)].map((m) => m[1]),
    ['iptables'],
  );

  const json = await ksvc(
    'explain',
    '--iptables',
    files.iptables,
    '--nft',
    files.nft,
    ...WEB_PACKET,
    '--output',
    'json',
  );
  assert.is(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.is(doc.schemaVersion, 1);
  assert.is(doc.packet.dst, '10.32.0.20');
  assert.equal(Object.keys(doc.results).sort(), ['iptables', 'nftables']);
  const first = doc.results.iptables.find((o: { outcome: string }) => o.outcome.includes('10.64.1.1'));
  assert.equal(first.p, { num: '715827883', den: '2147483648' });
  const texts: string[] = first.paths[0].map((e: { text: string }) => e.text);
  assert.ok(
    texts.some((t) => /web\.iptables:\d+ {2}-A KUBE-SEP-\S+ .*-j DNAT --to-destination 10\.64\.1\.1:8080/.test(t)),
    texts.join('\n'),
  );

  // an nft document whose table is not kube-proxy's, named by --nft-table (it was ignored: the
  // document read as holding no rules, and only iptables was explained)
  const renamed = write('web-kp2.nft.json', readFileSync(files.nft, 'utf8').replaceAll('"kube-proxy"', '"kp2"'));
  const table = await ksvc(
    'explain',
    '--iptables',
    files.iptables,
    '--nft',
    renamed,
    '--nft-table',
    'kp2',
    ...WEB_PACKET,
  );
  assert.is(table.code, 0, table.stderr);
  assert.not.match(table.stderr, 'nft-no-table');
  assert.equal(
    [...table.stdout.matchAll(/^(\w+):$/gm)].map((m) => m[1]),
    ['iptables', 'nftables'],
  );

  // artifacts with the model: the IR joins them
  const withModel = await ksvc('explain', '--iptables', files.iptables, '--model', WEB, ...WEB_PACKET);
  assert.is(withModel.code, 0, withModel.stderr);
  assert.equal(
    [...withModel.stdout.matchAll(/^(\w+):$/gm)].map((m) => m[1]),
    ['iptables', 'ir'],
  );
});

test('path, conntrack, mark and affinity options change the packet explained', async () => {
  const local = await ksvc(
    'explain',
    WEB,
    '--src',
    '192.168.10.11',
    '--dst',
    '10.32.0.20',
    '--proto',
    'tcp',
    '--dport',
    '80',
    '--from',
    'node',
  );
  assert.is(local.code, 0, local.stderr);
  assert.match(local.stdout, /generated on the node/);
  assert.match(section(local.stdout, 'iptables'), /\(assumed hook\) {2}-A OUTPUT .* -j KUBE-SERVICES/);

  const est = await ksvc('explain', WEB, ...WEB_PACKET, '--ct', 'established+dnat', '--mark', '0x4000');
  assert.is(est.code, 0, est.stderr);
  assert.match(est.stdout, /ct established \(DNATed\), mark 0x4000/);
  for (const name of ['iptables', 'nftables', 'ir'])
    assert.match(section(est.stdout, name), /^ {2}1 +accept mark 0x4000$/m);

  // a fresh affinity record pins the endpoint; an expired one does not
  const args = ['examples/everything.ksvc', '--node', 'node-a', '--src', '203.0.113.7', '--dst', '10.32.0.20'];
  const list = 'shop/storefront:http/tcp/10.64.2.5:8080';
  const fresh = await ksvc('explain', ...args, '--proto', 'tcp', '--dport', '80', '--affinity', `${list}=599`);
  assert.is(fresh.code, 0, fresh.stderr);
  for (const name of ['iptables', 'nftables', 'ir'])
    assert.match(section(fresh.stdout, name), /^ {2}1 +accept dnat 10\.64\.2\.5:8080 .*affinity shop/m);
  const stale = await ksvc('explain', ...args, '--proto', 'tcp', '--dport', '80', '--affinity', `${list}=600`);
  assert.is(stale.code, 0, stale.stderr);
  for (const name of ['iptables', 'nftables', 'ir']) {
    assert.match(section(stale.stdout, name), /0\.5000000000 \(1\/2\^1\)\s+accept dnat 10\.64\.1\.5:8080/);
  }
});

test('--from-k8s: the Kubernetes YAML example for a node', async () => {
  const r = await ksvc(
    ...['explain', '--from-k8s', 'examples/seed-local.yaml', '--node', 'ecs-matrix-k8s-cluster-3'],
    ...['--src', '203.0.113.7', '--dst', '172.16.1.35', '--proto', 'tcp', '--dport', '30080'],
  );
  assert.is(r.code, 0, r.stderr);
  for (const name of ['iptables', 'nftables', 'ir'])
    assert.match(section(r.stdout, name), /^ {2}1 +accept dnat 10\.44\.0\.1:8080 mark 0x0$/m);
});

test('exit 2: invalid input files, with located diagnostics', async () => {
  const bad = write('explain-bad.ksvc', 'service a/b {\n  http: ClusterIP 10.0.0.1:80/tcp -> \n}\n');
  const r1 = await ksvc('explain', bad, ...WEB_PACKET);
  assert.is(r1.code, 2);
  assert.match(r1.stderr, /explain-bad\.ksvc:2:37/);
  const ipt = write('explain-garbage.iptables', '*nat\n-A KUBE-SERVICES -j FROB --bogus\nCOMMIT\n');
  const r2 = await ksvc('explain', '--iptables', ipt, ...WEB_PACKET);
  assert.is(r2.code, 2);
  assert.match(r2.stderr, /explain-garbage\.iptables:2:\d+/);
  assert.is(r2.stdout, '');
});

test('--to names the service port: its cluster IP, protocol and port, as if given by hand', async () => {
  const byHand = await ksvc('explain', WEB, ...WEB_PACKET);
  assert.is(byHand.code, 0, byHand.stderr);
  for (const to of ['shop/web', 'shop/web:http', 'shop/web:80']) {
    const r = await ksvc('explain', WEB, '--src', '203.0.113.7', '--to', to);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, byHand.stdout, to);
  }
  // a dual-stack service: the family follows --src
  const v6 = await ksvc(
    'explain',
    'examples/everything.ksvc',
    '--node',
    'node-a',
    '--src',
    'fd00:64:0:1::9',
    '--from',
    'pod',
    '--to',
    'kube-system/kube-dns:dns',
  );
  assert.is(v6.code, 0, v6.stderr);
  assert.match(v6.stdout, /^packet: udp \[fd00:64:0:1::9\]:40000 -> \[fd00:32::10\]:53,/);
  assert.match(v6.stdout, /accept dnat \[fd00:64:0:1::7\]:53/);
  // a number as the user may write it (a leading zero), for an unnamed port
  const cart = await ksvc(
    'explain',
    'examples/everything.ksvc',
    '--node',
    'node-a',
    '--src',
    '10.64.1.9',
    '--to',
    'shop/cart:08080',
  );
  assert.is(cart.code, 0, cart.stderr);
  assert.match(cart.stdout, /^packet: tcp 10\.64\.1\.9:40000 -> 10\.32\.0\.30:8080,/);
});

test('--to: a service port the model does not have, or cannot pick, is a usage error', async () => {
  const all = ['examples/everything.ksvc', '--node', 'node-a', '--src', '10.64.1.9'];
  const cases: [string[], RegExp][] = [
    [
      [...all, '--to', 'kube-system/kube-dns'],
      /kube-system\/kube-dns has 2 ports: name one as kube-system\/kube-dns:PORT \(dns \(53\/udp\), dns-tcp \(53\/tcp\)\)/,
    ],
    [
      [...all, '--to', 'kube-system/kube-dns:53'],
      /kube-system\/kube-dns has more than one port '53' \(dns \(53\/udp\), dns-tcp \(53\/tcp\)\): name one/,
    ],
    [[...all, '--to', 'kube-system/kube-dns:http'], /kube-system\/kube-dns has no port 'http'/],
    [[...all, '--to', 'shop/nope'], /--to: the model has no service shop\/nope/],
    [[...all, '--to', 'cart'], /--to: 'cart' is not NAMESPACE\/NAME or NAMESPACE\/NAME:PORT/],
    [[...all, '--to', 'shop/cart', '--dport', '80'], /--to gives the destination, protocol and port: leave out --dst/],
    [
      ['examples/everything.ksvc', '--node', 'node-a', '--src', 'fd00:64:0:1::9', '--to', 'shop/cart'],
      /shop\/cart has no IPv6 cluster IP/,
    ],
    [
      ['--iptables', WEB, '--src', '10.64.1.9', '--to', 'shop/web'],
      /--to names a service of the model: give FILE\.ksvc, --from-k8s or --model/,
    ],
    [[WEB, '--src', '10.64.1.9'], /--dst \(or --to NAMESPACE\/NAME\[:PORT\]\) is required/],
    // a port named "80" (a DNS label may be all digits) and another port numbered 80
    [
      [
        write(
          'explain-clash.ksvc',
          WEB_TEXT.replace(
            'http: NodePort 10.32.0.20:80/tcp',
            '80: NodePort 10.32.0.20:8081/tcp nodePort 30081 -> endpoints:8080\n  http: NodePort 10.32.0.20:80/tcp',
          ),
        ),
        '--src',
        '10.64.1.9',
        '--to',
        'shop/web:80',
      ],
      /shop\/web has more than one port '80' \(80 \(8081\/tcp\), http \(80\/tcp\)\)/,
    ],
    // Kubernetes input: a service kube-proxy ignores is named as such, not as missing
    [
      [
        '--from-k8s',
        'examples/shop-dual-stack.yaml',
        '--node',
        'node-a',
        '--src',
        '10.64.1.9',
        '--to',
        'shop/storefront-pods',
      ],
      /--to: shop\/storefront-pods is headless \(no cluster IP\): kube-proxy writes no rules for it/,
    ],
  ];
  for (const [argv, message] of cases) {
    const r = await ksvc('explain', ...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.match(r.stderr, message, argv.join(' '));
    assert.is(r.stdout, '', argv.join(' '));
  }
});

test('usage errors exit 2 with a message', async () => {
  const packet = ['--src', '203.0.113.7', '--dst', '10.32.0.20'];
  const cases: [string[], RegExp][] = [
    [[WEB, ...packet, '--proto', 'tcp'], /--dport is required for tcp, udp and sctp/],
    [
      [WEB, ...packet, '--proto', 'icmp', '--dport', '80'],
      /--dport and --sport are for tcp, udp and sctp; icmp has no ports/,
    ],
    [[WEB, ...packet, '--proto', 'icmp', '--sport', '80'], /icmp has no ports/],
    [
      [WEB, ...packet, '--proto', 'icmp', '--iface', 'et\u001b[2Jh0'],
      /--iface: 'et\\u001b\[2Jh0' is not an interface name/,
    ],
    [[WEB, ...packet, '--proto', 'icmp', '--iface', 'eth0:1'], /is not an interface name/],
    [['--iptables', '-', '--nft', '-', ...packet, '--proto', 'icmp'], /'-' \(standard input\) can be given only once/],
    [[WEB, ...packet, '--proto', 'icmp', '--iface', '0123456789abcdef'], /is not an interface name/],
    [[WEB, '--dst', '10.32.0.20', '--proto', 'icmp'], /--src is required/],
    [[WEB, ...packet, '--proto', 'gre'], /--proto is one of/],
    [[WEB, '--src', '2001:db8::1', '--dst', '10.32.0.20', '--proto', 'icmp'], /different IP families/],
    [[WEB, '--src', '10.0.0.300', '--dst', '10.32.0.20', '--proto', 'icmp'], /--src:/],
    [[WEB, ...packet, '--proto', 'tcp', '--dport', '70000'], /a port is a number from 0 to 65535/],
    [[WEB, ...packet, '--proto', 'icmp', '--from', 'node', '--iface', 'eth0'], /--iface is for arriving packets/],
    [[WEB, ...packet, '--proto', 'icmp', '--ct', 'new+dnat'], /--ct is new, established/],
    [[WEB, ...packet, '--proto', 'icmp', '--affinity', 'nope'], /--affinity: 'nope' is not LIST=AGE/],
    [[WEB, ...packet, '--proto', 'icmp', '--backend', 'pf'], /--backend is ir, iptables, nftables or all/],
    [[WEB, ...packet, '--proto', 'icmp', '--output', 'github'], /--output is text or json/],
    [['examples/everything.ksvc', ...packet, '--proto', 'icmp'], /names 3 nodes: choose one with --node/],
    [[...packet, '--proto', 'icmp'], /expected a FILE\.ksvc/],
    // a FILE beside artifacts would not be read (even a missing one): the model is --model
    [['/nonexistent.ksvc', '--iptables', WEB, ...packet, '--proto', 'icmp'], /give either a FILE\.ksvc/],
    [[WEB, WEB, ...packet, '--proto', 'icmp'], /one FILE\.ksvc: a packet is explained against one model/],
    // an evaluator asked for that nothing given provides
    [['--iptables', WEB, ...packet, '--proto', 'icmp', '--backend', 'ir'], /--backend ir evaluates the model/],
    [['--iptables', WEB, ...packet, '--proto', 'icmp', '--backend', 'nftables'], /--backend nftables needs --nft/],
    [['--nft', WEB, ...packet, '--proto', 'icmp', '--backend', 'iptables'], /--backend iptables needs --iptables/],
    // flags another flag would leave unread, and values Number() took
    [['--nft', WEB, '--from-k8s', ...packet, '--proto', 'icmp'], /--from-k8s reads the Kubernetes YAML or JSON files/],
    [[WEB, '--model', WEB, ...packet, '--proto', 'icmp'], /--model goes with --iptables\/--nft/],
    [['--iptables', WEB, '--nft-table', 'kp2', ...packet, '--proto', 'icmp'], /--nft-table goes with --nft/],
    ...['', ' ', '1e3', '0b101'].map((m): [string[], RegExp] => [
      [WEB, ...packet, '--proto', 'icmp', '--mark', m],
      /--mark is a number from 0 to 0xffffffff/,
    ]),
    [[WEB, ...packet, '--proto', 'icmp', '--family', 'foo'], /--family is ipv4 or ipv6/],
  ];
  for (const [argv, message] of cases) {
    const r = await ksvc('explain', ...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.match(r.stderr, message, argv.join(' '));
    assert.is(r.stdout, '', argv.join(' '));
  }
});

test('a ruleset of the other family, or none left to evaluate: one error that says so, exit 2', async () => {
  const { iptables, nft } = await compileWeb();
  const v6 = ['--src', 'fd00::7', '--dst', 'fd00::20', '--proto', 'tcp', '--dport', '80'];
  for (const [flag, file, what] of [
    ['--iptables', iptables, 'iptables text'],
    ['--nft', nft, 'nftables document'],
  ] as const) {
    const r = await ksvc('explain', flag, file, ...v6);
    assert.is(r.code, 2, r.stderr);
    assert.is(r.stdout, '');
    // one error, about the packet's family (not 25 about the file's addresses)
    assert.equal(r.stderr.match(/^error\[[^\]]+\]/gm), ['error[explain-family-missing]'], r.stderr);
    assert.match(r.stderr, new RegExp(`the ${what} holds ipv4 rules, and the packet is ipv6`));
  }
  const empty = write('explain-empty.nft.json', '{"nftables":[{"metainfo":{"json_schema_version":1}}]}');
  const r = await ksvc('explain', '--nft', empty, '--src', '203.0.113.7', '--dst', '10.32.0.20', '--proto', 'icmp');
  assert.is(r.code, 2, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /error\[explain-nothing-to-evaluate\]/);
  assert.match(r.stderr, /warning\[nft-no-table\]/);
});

test("on a node's listing: other software's rules before kube-proxy's jumps are noted and listed as ignored", async () => {
  // an admin's DNAT ahead of kube-proxy's jump: the kernel applies it first, and explain, which
  // reads kube-proxy's chains only, says so rather than answer as if it were not there
  const saved = await ksvc('compile', WEB, '--backend', 'iptables', '--with-hooks', '--format', 'save');
  assert.is(saved.code, 0, saved.stderr);
  const admin = '-A PREROUTING -d 10.32.0.20/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.64.9.9:80';
  const listing = write('explain-admin.ipt', saved.stdout.replace(/^(-A PREROUTING .*)$/m, `${admin}\n$1`));
  const packet = ['--src', '203.0.113.7', '--dst', '10.32.0.20', '--proto', 'tcp', '--dport', '80'];
  const text = await ksvc('explain', '--iptables', listing, '--model', WEB, ...packet);
  assert.is(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /note: other software's rules come before kube-proxy's first jump in nat\/PREROUTING \(1\)/,
  );
  assert.match(text.stdout, /ignored \(out of scope\): 1 — rule nat\/PREROUTING \(other software's rule/);
  const json = JSON.parse(
    (await ksvc('explain', '--iptables', listing, '--model', WEB, ...packet, '--output', 'json')).stdout,
  );
  assert.equal(
    json.ignored.map((i: { kind: string; origin: { text: string } }) => [i.kind, i.origin.text]),
    [['rule', admin]],
  );
  // ksvc's own rulesets, compiled in memory: nothing of the kind to say
  const own = JSON.parse((await ksvc('explain', WEB, ...packet, '--output', 'json')).stdout);
  assert.equal(own.ignored, []);
  assert.not.ok(own.notes.some((n: string) => n.includes('other software')));
});

test('without a model, loopback is a local address: one case, not one that no kernel shows', async () => {
  const { iptables, nft } = await compileWeb();
  const packet = ['--src', '127.0.0.1', '--dst', '127.0.0.1', '--proto', 'tcp', '--dport', '30080', '--from', 'node'];
  const r = JSON.parse(
    (await ksvc('explain', '--iptables', iptables, '--nft', nft, ...packet, '--output', 'json')).stdout,
  );
  assert.is(r.cases.length, 1, JSON.stringify(r.cases.map((c: { conditions: string[] }) => c.conditions)));
  for (const backend of ['iptables', 'nftables']) {
    assert.ok(
      r.results[backend].every((o: { outcome: string }) => o.outcome.includes('dnat 10.64.1.')),
      JSON.stringify(r.results[backend]),
    );
  }
});

test('topology notes: why the node holds the endpoints it holds, and why hints go unused', async () => {
  const at = (node: string, dst: string, proto: string, dport: string) =>
    ksvc(
      'explain',
      'examples/topology.ksvc',
      '--node',
      node,
      '--src',
      '10.64.9.9',
      '--dst',
      dst,
      '--proto',
      proto,
      '--dport',
      dport,
    );
  const c = await at('node-c', '10.32.0.20', 'tcp', '80');
  assert.is(c.code, 0, c.stderr);
  assert.match(
    c.stdout,
    'note: topology: on node node-c (zone zone-b), shop/cart:http sends cluster traffic to the 1 of its 3 ready endpoints hinted for this zone (10.64.3.7:8080)',
  );
  assert.not.match(section(c.stdout, 'ir'), '10.64.1.5');
  const n = await at('node-a', '10.32.0.10', 'udp', '53');
  assert.match(
    n.stdout,
    'kube-system/dns-cache:dns sends cluster traffic to the 1 of its 2 ready endpoints hinted for this node (10.64.1.9:53)',
  );
  // the NodePort of an eTP=Local service: hints do not decide external traffic
  const np = await at('node-b', '192.168.10.12', 'udp', '30053');
  assert.match(np.stdout, 'follows externalTrafficPolicy Local instead');
  const partial = write(
    'partial-hints.ksvc',
    'node n1 {\n  address 192.168.0.1\n  zone z1\n}\nservice a/b {\n  http: ClusterIP 10.96.0.1:80/tcp -> endpoints:80\n  endpoints 10.0.0.1 on n1 for-zone z1, 10.0.0.2\n}\n',
  );
  const p = await ksvc(
    'explain',
    partial,
    '--src',
    '10.9.9.9',
    '--dst',
    '10.96.0.1',
    '--proto',
    'tcp',
    '--dport',
    '80',
  );
  assert.match(p.stdout, 'the hints of a/b:http are not used (not every ready endpoint has zone hints)');
  // a NodePort answers only on the addresses `nodePort addresses` leaves: elsewhere no service port, no note
  const narrowed = write(
    'narrowed-nodeports.ksvc',
    'cluster {\n  nodePort addresses 192.168.0.1/32\n}\nnode n1 {\n  address 192.168.0.1, 192.168.0.2\n  zone z1\n}\nservice a/b {\n  http: NodePort 10.96.0.1:80/tcp nodePort 30080 -> endpoints:80\n  endpoints 10.0.0.1 on n1 for-zone z1, 10.0.0.2 for-zone z2\n}\n',
  );
  const toNodePort = (dst: string) =>
    ksvc('explain', narrowed, '--src', '10.9.9.9', '--dst', dst, '--proto', 'tcp', '--dport', '30080');
  const [open, closed] = [await toNodePort('192.168.0.1'), await toNodePort('192.168.0.2')];
  assert.is(open.code, 0, open.stderr);
  assert.match(open.stdout, 'a/b:http sends cluster traffic to the 1 of its 2 ready endpoints hinted for this zone');
  assert.is(closed.code, 0, closed.stderr);
  assert.not.match(closed.stdout, 'topology:');
  // no hints, no note
  const web = await ksvc('explain', WEB, ...WEB_PACKET);
  assert.not.match(web.stdout, 'topology:');
});

test.run();
