// The iptables reader on dumps ksvc did not write: the seed capture (a real node's iptables-save
// with old spellings, kubelet's chains, canaries, other tables and other software) and
// kube-proxy's own expected restore inputs from its unit tests.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSUMED_HOOKS_NOTE, readIptables } from '../../verifier/iptables/index.ts';
import { codesAt, fixtureFiles } from './iptables-support.ts';

const test = suite('iptables reader: captured and kube-proxy dumps');
const fixture = (name: string): string => {
  const f = fixtureFiles().find((x) => x.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f.text;
};

/** What every seed dump leaves out: the same node furniture. */
const NODE_FURNITURE = [
  'table mangle',
  'chain filter/KUBE-KUBELET-CANARY',
  'chain filter/KUBE-PROXY-CANARY',
  'rule nat/PREROUTING',
  'rule nat/OUTPUT',
  'chain nat/CNI-HOSTPORT-DNAT',
  'chain nat/KUBE-KUBELET-CANARY',
  'chain nat/KUBE-PROXY-CANARY',
];

const SEEDS: { file: string; ignored: string[]; kept: string[] }[] = [
  {
    file: 'seed-clusterip.save',
    ignored: [...NODE_FURNITURE, 'chain nat/KUBE-MARK-DROP'],
    kept: ['nat/KUBE-SVC-TCOU7JCQXEZGVUNU', 'nat/KUBE-SEP-TYGHG4DTIAC24P3K', 'filter/KUBE-FIREWALL'],
  },
  {
    file: 'seed-nodeport.save-c',
    ignored: [...NODE_FURNITURE, 'chain nat/KUBE-MARK-DROP'],
    kept: ['nat/KUBE-NODEPORTS', 'nat/KUBE-SVC-YVE4DVDYZJRPV46I', 'nat/KUBE-SEP-CC3QGOI23D5U3CR7'],
  },
  {
    file: 'seed-local.save',
    ignored: [...NODE_FURNITURE, 'chain nat/KUBE-MARK-DROP'],
    kept: ['nat/KUBE-EXT-VTKRMSW4V2DPQX6X', 'nat/KUBE-SVL-VTKRMSW4V2DPQX6X', 'nat/KUBE-SEP-INRYTRHBMCVQPY6Q'],
  },
  {
    file: 'seed-local-no-local-endpoints.save',
    ignored: NODE_FURNITURE,
    kept: ['nat/KUBE-SVL-VTKRMSW4V2DPQX6X', 'nat/KUBE-MARK-DROP'],
  },
];

for (const seed of SEEDS) {
  test(`seed capture ${seed.file}: reads without a diagnostic; the node's other chains are listed as ignored`, () => {
    const r = readIptables(fixture(seed.file), { file: seed.file });
    assert.equal(codesAt(r.diagnostics), []);
    const p = r.program!;
    assert.equal(p.family, 'ipv4');
    // the dump has its own hooks (nothing assumed); Docker's jumps after kube-proxy's are noted
    assert.equal(
      p.notes.map((n) => n.slice(0, n.indexOf(':'))),
      [
        "other software's rules come after kube-proxy's last jump in nat/OUTPUT (1)",
        "other software's rules come after kube-proxy's last jump in nat/PREROUTING (1)",
      ],
    );
    assert.equal(p.ignored.map((i) => `${i.kind} ${i.name}`).sort(), [...seed.ignored].sort());
    for (const id of seed.kept) assert.ok(p.chains.has(id), `${seed.file}: ${id} is kept`);
    for (const i of p.ignored) assert.ok(i.origin?.line, `${i.name}: ignored items say where they are`);
    const cni = p.ignored.find((i) => i.kind === 'rule')!;
    assert.match(cni.reason, /other software's rule in a builtin chain .*CNI-HOSTPORT-DNAT/);
  });
}

test("seed capture: the old spellings mean what kube-proxy's current ones mean", () => {
  const p = readIptables(fixture('seed-clusterip.save'), { file: 'seed' }).program!;
  const masq = p.chains.get('nat/KUBE-MARK-MASQ')!.rules;
  assert.equal(masq[0]!.origin.text, '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000');
  assert.equal(masq[0]!.steps, [{ kind: 'mark', op: 'or', value: 0x4000 }]);
  const post = p.chains.get('nat/KUBE-POSTROUTING')!.rules;
  assert.equal(post[1]!.steps, [{ kind: 'mark', op: 'xor', value: 0x4000 }]);
  const firewall = p.chains.get('filter/KUBE-FIREWALL')!.rules;
  assert.equal(firewall[0]!.steps, [
    { kind: 'test', test: { kind: 'mark', mask: 0x8000, value: 0x8000 }, negate: false },
    { kind: 'verdict', verdict: { kind: 'drop' } },
  ]);
});

test('seed capture with counters (iptables-save -c): counters are read and change nothing', () => {
  const text = fixture('seed-nodeport.save-c');
  const plain = text.replace(/^\[\d+:\d+\] /gm, '');
  const a = readIptables(text, { file: 'c' }).program!;
  const b = readIptables(plain, { file: 'c' }).program!;
  const steps = (p: typeof a) => [...p.chains.values()].map((c) => c.rules.map((r) => r.steps));
  assert.equal(steps(a), steps(b));
  assert.equal(a.chains.get('nat/PREROUTING')!.rules[0]!.origin.text.slice(0, 10), '[67:4531] ');
});

const KUBE_PROXY_DUMPS = [
  'kube-proxy-sync-repeated-first.restore',
  'kube-proxy-sync-repeated-resync.restore',
  'kube-proxy-parse-data.restore',
];

for (const file of KUBE_PROXY_DUMPS) {
  test(`kube-proxy's expected dump ${file}: no hooks in it (a warning), reads with the hooks assumed`, () => {
    const bare = readIptables(fixture(file), { file });
    assert.equal(codesAt(bare.diagnostics), ['ipt-no-hooks@-']);
    assert.ok(bare.program!.ignored.every((i) => i.kind === 'chain'));
    const r = readIptables(fixture(file), { file, assumeHooks: true });
    assert.equal(codesAt(r.diagnostics), []);
    const p = r.program!;
    assert.equal(p.ignored, []);
    assert.ok(p.notes.includes(ASSUMED_HOOKS_NOTE));
    assert.ok(p.chains.get('nat/KUBE-SERVICES')!.rules.length >= 2);
  });
}

test("kube-proxy's full resync deletes stale chains with -X: they are gone from the program", () => {
  const p = readIptables(fixture('kube-proxy-sync-repeated-resync.restore'), { file: 'x', assumeHooks: true }).program!;
  assert.equal(p.chains.has('nat/KUBE-SVC-4SW47YFZTEDKD3PK'), false);
  assert.equal(p.chains.has('nat/KUBE-SEP-AYCN5HPXMIRJNJXU'), false);
  assert.ok(p.chains.has('nat/KUBE-SVC-X27LE4BHSL4DOUIK'));
});

test("kube-proxy's partial sync is not a closed ruleset: jumps to chains it does not declare", () => {
  const file = 'kube-proxy-sync-repeated-partial.restore';
  const r = readIptables(fixture(file), { file, assumeHooks: true });
  assert.equal(r.program, undefined);
  assert.equal(codesAt(r.diagnostics), ['ipt-undefined-chain@24:108', 'ipt-undefined-chain@25:108']);
  assert.match(r.diagnostics[0]!.message, /KUBE-SVC-XPGD46QRK7WJZT7O/);
});

test.run();
