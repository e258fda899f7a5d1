// Counterexample witnesses people can read (issue 9 §4), on differences seeded by editing ksvc's
// own iptables output: the service's own address and port, TCP before UDP, a source from a range
// the rules name (a load-balancer source range, the pod CIDR) and never its network address, a
// node address for a NodePort, source port 40000 — and the same witnesses on every run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { type Counterexample, verifyArtifacts } from '../../api/verify.ts';
import { cidrContains, cidrOf, ipOf } from '../../common/ip.ts';
import { buildInterfaceAtoms, interfaceAtomOf, interfaceExample } from '../../verifier/engine/space.ts';

const Witness = suite('readable witnesses');

const MODEL = `cluster {
  masq from outside 10.64.0.0/16
}

node node-a {
  address 192.168.10.11
}

service apps/dns {
  dns:     ClusterIP 10.32.0.10:53/udp -> endpoints:53
  dns-tcp: ClusterIP 10.32.0.10:53/tcp -> endpoints:53
  endpoints 10.64.1.7 on node-a, 10.64.1.8 on node-a
}

service apps/web {
  http: LoadBalancer 10.32.0.20:80/tcp nodePort 30080 -> endpoints:8080
  loadBalancerIngress 203.0.113.10
  loadBalancerSourceRanges 198.51.100.0/24
  endpoints 10.64.1.1 on node-a, 10.64.1.2 on node-a
}
`;

const loaded = load(MODEL, { file: 'witness.ksvc' });
const model = loaded.model!;
const ir = lower(model, { node: 'node-a' }).programs[0]!;
const IPTABLES = compileIptables(ir);
const NFT = compileNftables([ir]);

/** Edit every line of the iptables text that has all of `has`. */
function edit(has: readonly string[], change: (line: string) => string | null): string {
  let n = 0;
  const out = IPTABLES.split('\n').flatMap((l) => {
    if (!has.every((h) => l.includes(h))) return [l];
    n++;
    const c = change(l);
    return c === null ? [] : [c];
  });
  assert.ok(n > 0, `no line has ${has.join(' ')}`);
  return out.join('\n');
}

function counterexamples(iptables: string): Counterexample[] {
  const r = verifyArtifacts({
    iptables: { text: iptables, file: '<edited>' },
    nftables: { text: NFT, file: '<nft>' },
    model: { model, node: 'node-a' },
  });
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const report = r.runs[0]!.report!;
  assert.not.ok(report.equivalent);
  return report.counterexamples.filter((c) => c.comparison === 'iptables=nftables');
}

const inCidr = (ip: string, cidr: string) => cidrContains(cidrOf(cidr), ipOf(ip));

Witness('a split of both DNS ports changed: TCP is shown, at the service address and port', () => {
  const mutated = edit(['apps/dns:dns', '--probability 0.5'], (l) => l.replace('0.5000000000', '0.6000000000'));
  const mutatedBoth = mutated
    .split('\n')
    .map((l) => (l.includes('apps/dns:dns-tcp') ? l.replace('0.5000000000', '0.6000000000') : l))
    .join('\n');
  const cx = counterexamples(mutatedBoth);
  assert.ok(cx.length >= 2, `${cx.length} counterexamples`);
  for (const c of cx) {
    const w = c.witness;
    assert.is(w.protocol, 'tcp', 'TCP before UDP: the udp classes differ the same way');
    assert.is(w.dst, '10.32.0.10');
    assert.is(w.dport, 53);
    assert.is(w.sport, 40000);
    assert.is(w.path, 'arriving');
    assert.is(w.ct.state, 'new');
  }
  // an external client: from the source range the rules name; a pod: from the pod CIDR, not its network address
  const external = cx.find((c) => !inCidr(c.witness.src, '10.64.0.0/16'));
  assert.ok(external, cx.map((c) => c.witness.src).join(' '));
  assert.is(external!.witness.src, '198.51.100.1');
  const pod = cx.find((c) => c.witness.src.startsWith('10.64.') && !['10.64.1.7', '10.64.1.8'].includes(c.witness.src));
  assert.ok(pod, cx.map((c) => c.witness.src).join(' '));
  assert.is(pod!.witness.src, '10.64.0.1');
});

Witness('a NodePort-only difference: the witness goes to the node address on the NodePort', () => {
  // the NodePort dispatch rule dropped: only traffic to a node address on 30080 changes
  const cx = counterexamples(edit(['-A KUBE-NODEPORTS', '--dport 30080'], () => null));
  assert.ok(cx.length >= 1);
  // the node's address; a localhost NodePort (its own outcome: masqueraded) from 127.0.0.1
  assert.ok(
    cx.some((c) => c.witness.dst === '192.168.10.11'),
    cx.map((c) => c.witness.dst).join(' '),
  );
  for (const c of cx) {
    assert.ok(['192.168.10.11', '127.0.0.1'].includes(c.witness.dst), c.witness.dst);
    assert.is(c.witness.dport, 30080);
    assert.is(c.witness.protocol, 'tcp');
    assert.not.ok(['0', '255'].includes(c.witness.src.split('.').at(-1)!), c.witness.src);
  }
});

Witness(
  "lo's broadcast address is not LOCAL: a NodePort dispatch on all of 127.0.0.0/8 differs there, only there",
  () => {
    // the kernel's local table types 127.255.255.255 `broadcast`: addrtype LOCAL does not hold for it
    const line = IPTABLES.split('\n').find((l) => l.includes('--dst-type LOCAL -j KUBE-NODEPORTS'))!;
    const wider = edit(['--dst-type LOCAL -j KUBE-NODEPORTS'], (l) =>
      [l.replace('-m addrtype --dst-type LOCAL', '-d 127.0.0.0/8'), l].join('\n'),
    );
    assert.ok(wider.includes(line));
    const cx = counterexamples(wider);
    assert.ok(cx.length >= 1);
    for (const c of cx) {
      assert.is(c.witness.dst, '127.255.255.255');
      assert.ok(c.region.includes('destination: 127.255.255.255'), c.region.join('\n'));
    }
  },
);

Witness('the same witnesses on every run', () => {
  const mutated = edit(['apps/web:http', '--probability 0.5'], (l) => l.replace('0.5000000000', '0.4000000000'));
  const a = counterexamples(mutated).map((c) => c.witness);
  const b = counterexamples(mutated).map((c) => c.witness);
  assert.ok(a.length >= 1);
  assert.equal(a, b);
  for (const w of a) assert.ok(['10.32.0.20', '203.0.113.10', '192.168.10.11'].includes(w.dst), w.dst);
});

Witness('an interface for "any other" is outside every prefix the rules name (eth+ covers ethx too)', () => {
  for (const prefixes of [['eth'], ['e'], ['eth', 'ens', 'enp', 'bond', 'if'], ['a', 'b', 'c', 'e', 'i']]) {
    const ifs = buildInterfaceAtoms(['lo'], prefixes);
    const other = ifs.atoms.findIndex((a) => a.kind === 'other');
    const name = interfaceExample(ifs, other)!;
    assert.is(interfaceAtomOf(ifs, name), other, `${prefixes.join(',')}: ${name}`);
  }
});

Witness.run();
