// iptables facts a review measured in the kernel (soundness hunt, 2026-12-06), each once read
// otherwise: whose address keys an affinity record (`--rdest`, written or checked, shapes or not); a list read after the same packet
// wrote it, or a destination's record after DNAT changed the destination (refused: the class holds
// the ages as the packet arrived); a DNAT to the packet's own address and port sets no DNAT status;
// other software's rules between kube-proxy's jumps are noted.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { diffArtifacts } from '../../api/diff.ts';
import { compileIptables } from '../../api/iptables.ts';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { verifyArtifacts } from '../../api/verify.ts';
import { readText } from './fixtures.ts';

const test = suite('iptables facts measured in the kernel');

const model = load(readText(new URL('../../examples/everything.ksvc', import.meta.url)), {
  file: 'everything.ksvc',
}).model!;
const ir = lower(model, { node: 'node-a' }).programs.find((p) => p.family === 'ipv4')!;
const BASE = compileIptables(ir);

/** The text with `add` lines right after the first line of `table` that starts with `after`. */
function withLines(text: string, table: 'filter' | 'nat', after: string, ...add: string[]): string {
  const lines = text.split('\n');
  const start = lines.indexOf(`*${table}`);
  const at = lines.findIndex((l, i) => i > start && l.startsWith(after));
  assert.ok(at >= 0, `no line starts with ${after}`);
  lines.splice(at + 1, 0, ...add);
  return lines.join('\n');
}

function diff(a: string, b: string) {
  const r = diffArtifacts({
    old: { text: a, file: '<old>' },
    new: { text: b, file: '<new>' },
    backend: 'iptables',
    family: 'ipv4',
  });
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  const run = r.runs[0];
  return { errors, same: run?.report?.equivalent ?? null, notes: run?.report?.notes ?? [] };
}

test('an affinity record keyed by the destination (--set --rdest) is another record: a difference', () => {
  const rdest = BASE.replace(/(-m recent --name (KUBE-SEP-\w+) --set)/g, '$1 --rdest');
  assert.ok(rdest !== BASE, 'the output has affinity writes');
  const r = diff(BASE, rdest);
  assert.equal(r.errors, []);
  assert.is(r.same, false);
});

test("a check of the destination's record (--rcheck --rdest) in one of two alike services: a difference, shapes or not", () => {
  // two services written alike: the second's shard shares the first's shape unless the key is in it
  const twin = load(
    `node n1 {\n  address 172.16.1.35\n}\n${['web 10.32.0.20', 'app 10.32.0.30']
      .map((s) => {
        const [name, ip] = s.split(' ');
        return `service default/${name} {\n  http: ClusterIP ${ip}:80/tcp -> endpoints:8080, sessionAffinity clientIP 600\n  endpoints 10.64.1.${name === 'web' ? 7 : 17}, 10.64.1.${name === 'web' ? 8 : 18} on n1\n}\n`;
      })
      .join('')}`,
    { file: 'twin.ksvc' },
  ).model!;
  const text = compileIptables(lower(twin, { node: 'n1' }).programs[0]!);
  const app = /-A (KUBE-SVC-\w+) -m comment --comment "default\/app:http -> /.exec(text)![1]!;
  const rdest = text.replace(new RegExp(`(-A ${app} .*--rcheck --seconds 600 --reap)`, 'g'), '$1 --rdest');
  assert.is(rdest.split('--rdest').length - 1, 2, "app's two checks");
  for (const shapes of [true, false]) {
    const r = diffArtifacts({
      old: { text, file: '<old>' },
      new: { text: rdest, file: '<new>' },
      backend: 'iptables',
      family: 'ipv4',
      shapes,
    });
    assert.equal(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.is(r.runs[0]?.report?.equivalent, false, `shapes: ${shapes}`);
  }
});

test('a list read after the same packet wrote it is refused, not read with the age it arrived with', () => {
  const old = withLines(
    BASE,
    'nat',
    '-A KUBE-SERVICES',
    '-A KUBE-SERVICES -m recent --name NEWL --rcheck --seconds 5 -j ACCEPT',
    '-A KUBE-SERVICES -m recent --name NEWL --set',
  );
  const next = withLines(
    old,
    'filter',
    '-A KUBE-FORWARD',
    '-A KUBE-FORWARD -m conntrack --ctstate NEW -m conntrack --ctstate DNAT -m recent --name NEWL --rcheck --seconds 5 -j DROP',
  );
  const r = diff(old, next);
  assert.ok(
    r.errors.some((e) => e.includes('read after the same packet wrote it')),
    r.errors.join('\n'),
  );
});

test("a destination's record written or read after DNAT changed the destination is refused", () => {
  const old = withLines(
    withLines(BASE, 'nat', '-A KUBE-POSTROUTING', '-A KUBE-POSTROUTING -m recent --name D --set --rdest'),
    'nat',
    '-A KUBE-SERVICES',
    '-A KUBE-SERVICES -m recent --name D --rcheck --seconds 5 --rdest -j ACCEPT',
  );
  const r = diff(old, old);
  assert.ok(
    r.errors.some((e) => e.includes('of the destination written after DNAT changed it')),
    r.errors.join('\n'),
  );
});

test("a DNAT to the packet's own address and port sets no DNAT status (kernel: no IPS_DST_NAT)", () => {
  const identity = withLines(
    BASE,
    'nat',
    '-A KUBE-SERVICES',
    '-A KUBE-SERVICES -d 10.64.9.9 -p udp -m udp --dport 5000 -j DNAT --to-destination 10.64.9.9:5000',
  );
  const dropUndnated = withLines(
    identity,
    'filter',
    '-A KUBE-FORWARD',
    '-A KUBE-FORWARD -d 10.64.9.9 -p udp -m udp --dport 5000 -m conntrack --ctstate NEW -m conntrack ! --ctstate DNAT -j DROP',
  );
  // a DNAT whose match is wider than its target is a real DNAT for every other destination (a
  // review measured the kernel DNAT and then drop them; the target was no atom of its own, so the
  // whole atom around it was taken as a DNAT to itself)
  const bare = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    'COMMIT',
    '*filter',
    ':FORWARD ACCEPT [0:0]',
    ':KUBE-FORWARD - [0:0]',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    'COMMIT',
    '',
  ].join('\n');
  const wide = withLines(
    bare,
    'nat',
    '-A POSTROUTING',
    '-A KUBE-SERVICES -d 10.0.0.0/8 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.1.1.1:80',
  );
  assert.is(diff(bare, wide).same, false);
  const wideDrop = withLines(
    wide,
    'filter',
    '-A FORWARD',
    '-A KUBE-FORWARD -m conntrack --ctstate NEW -m conntrack --ctstate DNAT -j DROP',
  );
  assert.is(diff(wide, wideDrop).same, false);
  // the DNAT itself translates nothing: the same routing as without it (once a false "now also reaches")
  assert.equal(diff(BASE, identity), { errors: [], same: true, notes: diff(BASE, BASE).notes });
  // measured: the kernel drops the datagram (the DNAT left the tuple, so no DNAT status)
  assert.is(diff(identity, dropUndnated).same, false);
  // and a drop of DNATed packets drops none of them (no service DNATs to 10.64.9.9:5000)
  const dropDnated = dropUndnated.replace('-m conntrack ! --ctstate DNAT', '-m conntrack --ctstate DNAT');
  assert.is(diff(identity, dropDnated).same, true);
});

test("other software's rules between kube-proxy's jumps in a builtin chain are noted", () => {
  const hooked = compileIptables(ir, { hooks: true });
  const between = withLines(hooked, 'filter', '-A FORWARD', '-A FORWARD -p tcp -j DROP');
  const r = diff(hooked, between);
  assert.ok(
    r.notes.some((n) => n.includes("other software's rules lie between kube-proxy's jumps in filter/FORWARD (1)")),
    r.notes.join('\n'),
  );
  assert.not.ok(diff(hooked, hooked).notes.some((n) => n.includes('lie between')));
});

test("rules kube-proxy's proof does not read are noted: after its last jump, and other tables' builtin chains", () => {
  const hooked = compileIptables(ir, { hooks: true });
  // Flannel's masquerade after KUBE-POSTROUTING; a raw NOTRACK and a mangle MARK (measured: each
  // changed the outcome of kube-proxy's rules while the proof held)
  const after = hooked.replace(
    /(-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING\n)/,
    '$1-A POSTROUTING -s 10.64.0.0/16 -j MASQUERADE\n',
  );
  assert.ok(after.includes('-j MASQUERADE\n'), 'the rule went in');
  const r1 = diff(hooked, after);
  // three rules of one ruleset are three ignored items (diff's two sides name one item once)
  const three = after.replace(
    '-j MASQUERADE\n',
    '-j MASQUERADE\n-A POSTROUTING -d 10.0.0.1/32 -j ACCEPT\n-A POSTROUTING -d 10.0.0.2/32 -j ACCEPT\n',
  );
  const ignored = diffArtifacts({
    old: { text: after, file: '<old>' },
    new: { text: three, file: '<new>' },
    backend: 'iptables',
    family: 'ipv4',
  }).runs[0]!.report!.ignored.filter((i) => i.name === 'nat/POSTROUTING');
  assert.equal(
    ignored.map((i) => i.origin?.line),
    [...new Set(ignored.map((i) => i.origin?.line))],
    'no line twice',
  );
  assert.is(ignored.length, 3);
  assert.ok(
    r1.notes.some((n) => n.includes("rules come after kube-proxy's last jump in nat/POSTROUTING (1)")),
    r1.notes.join('\n'),
  );
  const others = `*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j CT --notrack\nCOMMIT\n*mangle\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-KUBELET-CANARY - [0:0]\n-A PREROUTING -j MARK --set-xmark 0x4000/0x4000\n-A OUTPUT -j MARK --set-xmark 0x4000/0x4000\nCOMMIT\n${hooked}`;
  const r2 = diff(hooked, others);
  assert.equal(r2.errors, []);
  assert.ok(r2.notes.some((n) => n.startsWith('table raw has rules in its builtin chains (PREROUTING 1)')));
  assert.ok(
    r2.notes.some((n) => n.startsWith('table mangle has rules in its builtin chains (PREROUTING 1, OUTPUT 1)')),
  );
  // every spelling restore takes counts (measured: each loads)
  const spelled = `*raw\n:PREROUTING ACCEPT [0:0]\n--append\tPREROUTING -j NOTRACK\n-I OUTPUT 1 -j NOTRACK\nCOMMIT\n${hooked}`;
  assert.ok(
    diff(hooked, spelled).notes.some((n) =>
      n.startsWith('table raw has rules in its builtin chains (PREROUTING 1, OUTPUT 1)'),
    ),
  );
  // rules in a builtin chain kube-proxy does not jump from
  const snat = hooked
    .replace('*nat\n', '*nat\n:INPUT ACCEPT [0:0]\n')
    .replace(/(\*nat\n[\s\S]*?)(COMMIT)/, '$1-A INPUT -s 10.64.0.0/16 -j SNAT --to-source 10.0.0.9\n$2');
  assert.ok(
    diff(hooked, snat).notes.some((n) =>
      n.startsWith("other software's rules are in nat/INPUT (1), where kube-proxy does not jump"),
    ),
    diff(hooked, snat).notes.join('\n'),
  );
  // an empty one (kubelet's canary chain alone) is listed, not noted
  const canary = `*mangle\n:KUBE-KUBELET-CANARY - [0:0]\nCOMMIT\n${hooked}`;
  assert.not.ok(diff(hooked, canary).notes.some((n) => n.startsWith('table mangle')));
});

test('IPv6: a packet arriving from a node address is forwarded (no martian check), so rules for it count', () => {
  const v6 = lower(model, { node: 'node-a' }).programs.find((p) => p.family === 'ipv6')!;
  const text = compileIptables(v6, { hooks: true });
  const node = v6.nodeIPs.find((ip) => ip.includes(':'))!;
  const dropped = withLines(text, 'filter', '-A KUBE-FORWARD', `-A KUBE-FORWARD -s ${node}/128 -j DROP`);
  // with the model: the node's addresses are known, so the class is one of arriving node sources
  const r = verifyArtifacts({
    iptables: { text: dropped, file: '<iptables>' },
    model: { model, node: 'node-a' },
    family: 'ipv6',
  });
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  // measured: the kernel forwards such a packet, and the DROP takes it
  assert.is(r.runs[0]!.report!.equivalent, false);
  assert.is(r.runs[0]!.report!.counterexamples[0]!.witness.src, node);
});

test('a listing that lacks a table, or names one iptables does not have, is refused', () => {
  // iptables-nft-save's line for a nat table holding a rule iptables cannot show (measured: the
  // kernel ran the rules this text lacks)
  const unlisted = `# Generated by iptables-nft-save v1.8.9\n# Table \`nat' is incompatible, use 'nft' tool.\n${BASE.replace(/\*nat\n[\s\S]*?COMMIT\n/, '')}`;
  assert.ok(diff(BASE, unlisted).errors.some((e) => e.startsWith('this listing does not hold all of table nat')));
  // and one whose nat table has base chains it cannot show (another table's nat chain at -150):
  // the block follows, without them
  const partial = `# Generated by iptables-nft-save v1.8.9\n# Table \`nat' contains incompatible base-chains, use 'nft' tool to list them.\n${BASE}`;
  assert.ok(
    diff(BASE, partial).errors.some((e) => e.includes('could not show some of its base chains')),
    diff(BASE, partial).errors.join('\n'),
  );
  // legacy tables beside: a note, their rules run too
  const legacy = `# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n${BASE}`;
  assert.ok(diff(BASE, legacy).notes.some((n) => n.startsWith('iptables-nft-save warned that iptables-legacy tables')));
  const foo = `*foo\n:X - [0:0]\nCOMMIT\n${BASE}`;
  assert.ok(diff(BASE, foo).errors.includes("there is no table 'foo' (iptables-restore refuses it)"));
});

test('--seconds past 4294967 is refused: the kernel multiplies by HZ in 32 bits and the window wraps', () => {
  const aff = BASE.replace(/--rcheck --seconds 600/, '--rcheck --seconds 4294968');
  assert.ok(aff !== BASE, 'the output has an affinity check');
  assert.ok(diff(BASE, aff).errors.some((e) => e.includes("the kernel's window wraps around")));
  assert.equal(diff(BASE, BASE.replace(/--rcheck --seconds 600/, '--rcheck --seconds 4294967')).errors, []);
});

test.run();
