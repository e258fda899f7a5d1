// The migration check on kube-proxy's own rules: what changes for packets when a node's kube-proxy
// moves from iptables mode to nftables mode. The nft side is kube-proxy's nftables-mode ruleset for
// the services of its TestOverallNFTablesRules (kube-proxy-nftables/overall.nft, as `nft -j list
// ruleset` prints it: overall.json); the iptables side is ksvc's output for the same services
// (overall.ksvc), which is kube-proxy's iptables mode byte for byte. The verifier must read
// kube-proxy's nft layout as it reads ksvc's, agree with it wherever the two modes agree, and find
// each of the modes' by-design differences, each with a witness that shows it (README.md there).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { type Counterexample, explainPacket, verifyArtifacts } from '../../api/verify.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { packet as irPacket } from '../support/ir-fixtures.ts';
import { ksvc, write } from '../unit/verify-cli-support.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kube-proxy-nftables');
const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
const NODE = 'test-node';

const model = check(parse(read('overall.ksvc'), { file: 'overall.ksvc' })).model!;
const ir = lower(model, { node: NODE, family: 'ipv4' }).programs[0]!;
const nft = { text: read('overall.json'), file: 'overall.json' };
const iptables = { text: compileIptables(ir), file: 'iptables' };

/** Every counterexample of one comparison (the findings are grouped by how they differ). */
function differences(input: Parameters<typeof verifyArtifacts>[0]): Counterexample[] {
  const result = verifyArtifacts({ ...input, family: 'ipv4', maxFindings: 100 });
  assert.equal(
    result.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const report = result.runs[0]!.report!;
  assert.not.ok(report.equivalent, 'the two modes differ');
  return report.counterexamples;
}

/** The outcome keys of one evaluator for a packet, on kube-proxy's nft rules and the IR. */
function outcomes(p: Packet): Record<'ir' | 'iptables' | 'nftables', string[]> {
  const { explanation, diagnostics } = explainPacket({
    packet: p,
    family: 'ipv4',
    model: { model, node: NODE },
    iptables,
    nftables: nft,
  });
  assert.equal(diagnostics, []);
  assert.is(explanation!.cases.length, 1, 'the packet decides every question');
  const of = (name: string) => (explanation!.results[name] ?? []).map((o) => o.outcome).sort();
  return { ir: of('ir'), iptables: of('iptables'), nftables: of('nftables') };
}

/** A new TCP connection arriving on eth0 (ir-fixtures' packet), from 203.0.113.2 unless given. */
type PacketFields = Parameters<typeof irPacket>[0];
const packet = (f: PacketFields): Packet => irPacket({ src: '203.0.113.2', ...f });

test("kube-proxy's nftables-mode ruleset reads without a diagnostic", () => {
  const r = readNftables(nft.text, { file: nft.file });
  assert.equal(r.diagnostics, []);
  assert.is(r.programs.length, 1);
  // the helper chain is reached through the no-endpoint maps' verdicts, so nothing is left unread
  assert.equal(
    r.programs[0]!.ignored.map((i) => i.name),
    [],
  );
});

test('where the modes agree: every service frontend gets the same outcome in both and in the IR', () => {
  const frontends: PacketFields[] = [
    { dst: '172.30.0.41' }, // svc1 ClusterIP, from outside the cluster: masqueraded
    { src: '10.0.0.2', dst: '172.30.0.41' }, // from a pod
    { dst: '172.30.0.44' }, // svc4: two endpoints, 1/2 each
    { dst: '192.168.99.33' }, // svc4's external IP
    { dst: '192.168.0.2', dport: 3003 }, // svc3's NodePort
    { src: '203.0.113.2', dst: '5.6.7.8' }, // svc5's load balancer, inside its source range
    { src: '203.0.113.130', dst: '5.6.7.8' }, // outside it: dropped
    { dst: '172.30.0.46' }, // svc6 has no endpoints: rejected
    { dst: '1.2.3.4' }, // svc2 (Local) has no local endpoint: dropped
  ];
  for (const f of frontends) {
    const o = outcomes(packet(f));
    assert.equal(o.nftables, o.iptables, `${f.src ?? ''} -> ${f.dst}:${f.dport ?? 80}`);
    assert.equal(o.ir, o.iptables, `${f.src ?? ''} -> ${f.dst}:${f.dport ?? 80} (IR)`);
  }
});

/** Whether some counterexample's witness is this kind of packet and the two sides do these. */
function found(
  cxs: readonly Counterexample[],
  sides: readonly [string, string],
  match: (w: Packet) => boolean,
  expect: readonly [string, string],
): boolean {
  return cxs.some((c) => {
    if (!match(c.witness)) return false;
    const [a, b] = sides.map((s) => (c.distributions[s] ?? []).map((l) => l.outcome.split(' ')[0]).join(','));
    return a === expect[0] && b === expect[1];
  });
}

const inServiceCIDR = (ip: string) => ip.startsWith('172.30.');
const CLUSTER_IPS = new Set(['172.30.0.41', '172.30.0.42', '172.30.0.43', '172.30.0.44', '172.30.0.45', '172.30.0.46']);

for (const [name, input, sides] of [
  [
    'iptables mode against nftables mode (kernel level, exactly)',
    { iptables, nftables: nft },
    ['iptables', 'nftables'],
  ],
  ['the IR (iptables mode) against nftables mode', { model: { model, node: NODE }, nftables: nft }, ['ir', 'nftables']],
] as const) {
  test(`${name}: each by-design difference is found, with a witness that shows it`, () => {
    const cxs = differences(input);
    const all = (w: Packet) => w.mark === 0;
    // a ClusterIP on a port no service uses: passed on by iptables, rejected by nftables (cluster-ips-check)
    assert.ok(
      found(cxs, sides, (w) => all(w) && CLUSTER_IPS.has(w.dst) && w.dport !== 80, ['accept', 'reject']),
      'invalid ClusterIP port',
    );
    // an unallocated address of the service CIDR: passed on by iptables, dropped by nftables
    assert.ok(
      found(cxs, sides, (w) => all(w) && inServiceCIDR(w.dst) && !CLUSTER_IPS.has(w.dst), ['accept', 'drop']),
      'unallocated service address',
    );
    // svc2's NodePort (Local policy, no local endpoint) on a local address outside
    // --nodeport-addresses: dropped by iptables (any LOCAL address), reaches the node in nftables
    assert.ok(
      found(cxs, sides, (w) => all(w) && w.dport === 3001 && w.dst !== '192.168.0.2', ['drop', 'accept']),
      'NodePort outside the NodePort addresses',
    );
    // a packet arriving with the masquerade bit already set, to a service without endpoints:
    // iptables' KUBE-FORWARD accepts it before the reject; nftables rejects it
    assert.ok(
      found(cxs, sides, (w) => w.mark === 0x4000 && w.dst === '172.30.0.46' && w.dport === 80, ['accept', 'reject']),
      'pre-marked packet to a service without endpoints',
    );
    // a packet generated on the node from a source that is not the node's (a raw socket,
    // IP_FREEBIND) to svc2's load balancer or external IP (Local policy, no local endpoint): not
    // sent to the service by KUBE-EXT (its LOCAL-source rule does not hold), and iptables mode
    // hooks KUBE-EXTERNAL-SERVICES' drop from INPUT and FORWARD only: passed on; nftables mode's
    // service-endpoints-check runs in output too: dropped (the region of another accept/drop
    // difference, so read from the regions)
    const svc2External = (w: Packet) => w.path === 'local' && ['1.2.3.4', '192.168.99.22'].includes(w.dst);
    const svc2Local = (r: string[]) => r.includes('path: local') && r.includes('destination: 1.2.3.4, 192.168.99.22');
    // a forwarded packet in conntrack state invalid: iptables' KUBE-FORWARD drops it, no nftables
    // rule does (shown as a further region of other differences, so read from the regions)
    const regions = cxs.flatMap((c) => [c.region, ...c.moreRegions]);
    assert.ok(
      regions.some((r) => r.includes('conntrack: invalid')),
      'invalid conntrack state',
    );
    assert.ok(
      regions.some(svc2Local),
      'a non-local source on the local path to a Local service without local endpoints',
    );
    // nothing else differs: every difference is one of these, in every region it covers
    for (const c of cxs) {
      const w = c.witness;
      const known =
        inServiceCIDR(w.dst) ||
        (w.dport === 3001 && w.dst !== '192.168.0.2') ||
        (w.mark === 0x4000 && w.dport === 80) ||
        (svc2External(w) && w.dport === 80);
      assert.ok(known, `an unexpected difference: ${JSON.stringify(w)}`);
    }
    for (const r of regions) {
      const known = r.some(
        (l) =>
          l === 'conntrack: invalid' ||
          l === 'mark: 0x4000' ||
          l === 'destination port: 3001' ||
          /^destination: 172\.30\./.test(l),
      );
      assert.ok(known || svc2Local(r), `an unexpected region: ${r.join('; ')}`);
    }
  });
}

test('the command a platform team runs: a node before and after the move, exit 1 with the rules', async () => {
  const before = write('iptables-mode.txt', iptables.text);
  const out = await ksvc('verify', '--iptables', before, '--nft', path.join(dir, 'overall.json'));
  assert.is(out.code, 1, out.stderr);
  assert.match(out.stdout, '✗ iptables ≡ nftables');
  // the nftables side of a difference names kube-proxy's own rule
  assert.match(out.stdout, 'add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject');
  assert.match(out.stdout, '-A KUBE-EXTERNAL-SERVICES');
  assert.not.match(out.stdout, /more distinct difference/);
  // past --max-counterexamples the other differences are counted and said to be there
  const one = await ksvc(
    'verify',
    '--iptables',
    before,
    '--nft',
    path.join(dir, 'overall.json'),
    '--max-counterexamples',
    '1',
  );
  assert.is(one.code, 1, one.stderr);
  assert.is(one.stdout.match(/^DIFFERENT /gm)?.length, 1);
  const more = /^ {2}… (\d+) more distinct differences? found, not shown \(--max-counterexamples\)$/m.exec(one.stdout);
  assert.ok(more, one.stdout);
  assert.is(Number(more![1]) + 1, out.stdout.match(/^DIFFERENT /gm)!.length);
});

test.run();
