// kube-proxy's own nftables-mode ruleset in the kernel (test/verifier/kube-proxy-nftables/: the
// rules of its TestOverallNFTablesRules, for the services of overall.ksvc). The migration check
// (test/verifier/kube-proxy-nftables.test.ts) reads the listing committed there; here the rules are
// loaded as kube-proxy writes them (`nft -f`), and
// - the kernel's listing must read to the program the committed one reads to (the fixture is what
//   nft prints for those rules);
// - every frontend probed from every source must get from the kernel what the verifier's reading
//   of the listing says (the plain interpreter of the reader's program): the reader's meaning of
//   kube-proxy's layout — its verdict maps, numgen vmaps, fib and ct tests, affinity sets — held to
//   the kernel, as for ksvc's own output;
// - the migration check in the kernel: kube-proxy's iptables mode (ksvc's iptables output for the
//   same services, with its builtin-chain jumps) and its nftables mode, side by side, disagree on
//   exactly the by-design differences the verifier finds, and nowhere else (every difference but
//   the one only pre-marked packets meet: probes carry no mark).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { readNftables } from '../../verifier/nftables/index.ts';
import { withoutOrigins } from '../verifier/nft-support.ts';
import { probeReading } from './edit-packets.ts';
import { iptablesBackend, nftFile, nftTextBackend } from './load.ts';
import { runDifferential } from './matrix.ts';
import { kernelTests, withNetns } from './netns.ts';

const test = kernelTests("kube-proxy's nftables mode");

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../verifier/kube-proxy-nftables');
const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
const rules = read('overall.nft');
const model = check(parse(read('overall.ksvc'), { file: 'overall.ksvc' })).model!;
const ir = lower(model, { node: 'test-node', family: 'ipv4' }).programs[0]!;

test('loaded as kube-proxy writes it, the kernel lists what the committed listing holds', async () => {
  const listed = await withNetns('kp-nft', (ns) => {
    nftFile(ns, ['-f'], rules);
    const list = ns.exec('nft', ['-j', 'list', 'ruleset']);
    assert.is(list.status, 0, list.stderr);
    return list.stdout;
  });
  const fromKernel = readNftables(listed, { file: 'nft -j list ruleset' });
  const committed = readNftables(read('overall.json'), { file: 'overall.json' });
  assert.equal(fromKernel.diagnostics, []);
  assert.equal(committed.diagnostics, []);
  assert.is(withoutOrigins(fromKernel.programs), withoutOrigins(committed.programs));
});

test('every frontend from every source: the kernel does what the reading of the listing says', async () => {
  const program = readNftables(read('overall.json'), { file: 'overall.json' }).programs[0]!;
  const r = await probeReading(ir, program, nftTextBackend("kube-proxy's nftables mode", rules), 'kp');
  assert.equal(r.problems, [], r.report);
  // what it exercised: each of the six services' frontends from the client, pod and node sources
  assert.ok(r.probes >= 100, `${r.probes} probes`);
});

test('both modes side by side: the kernel shows the by-design differences and no other', async () => {
  const nftables = nftTextBackend('nftables', rules);
  // besides the frontends: an unallocated address of the service CIDR
  const unallocated = { label: '(unallocated) 172.30.0.1:80/tcp', proto: 'tcp' as const, ip: '172.30.0.1', port: 80 };
  const r = await runDifferential(ir, [iptablesBackend(ir), nftables], { tag: 'kpm', extraFrontends: [unallocated] });
  // iptables mode is the IR's meaning (ksvc's packet tests hold it so on every model)
  assert.equal(
    r.irMismatches.filter((m) => !m.startsWith('nftables: ')),
    [],
  );
  // each cell the modes disagree on: an unused port of a cluster IP (rejected by nftables mode,
  // forwarded by iptables mode), the unallocated address (dropped by nftables mode, forwarded by
  // iptables mode), or ns2/svc2's NodePort on a local address other than the --nodeport-addresses
  // one (dropped by iptables mode, delivered to the node by nftables mode)
  const unusedPort = /^\(unused port\) 172\.30\.0\.4[1-6]:\d+\/tcp /;
  const nodePortElsewhere = /^ns2\/svc2:p80 nodeport (?!192\.168\.0\.2:)[\d.]+:3001\/tcp /;
  const unallocatedCell = /^\(unallocated\) /;
  for (const d of r.disagreements) {
    assert.ok(
      unusedPort.test(d) || nodePortElsewhere.test(d) || unallocatedCell.test(d),
      `an unexpected difference in the kernel: ${d}`,
    );
  }
  assert.ok(r.disagreements.filter((d) => unallocatedCell.test(d)).length >= 3, 'the unallocated address');
  assert.ok(r.disagreements.filter((d) => unusedPort.test(d)).length >= 6, "every cluster IP's unused port");
  assert.ok(r.disagreements.filter((d) => nodePortElsewhere.test(d)).length >= 3, 'the NodePort elsewhere');
  assert.ok(r.probes >= 1000, `${r.probes} probes`);
});

test.run();
