// The engine on hand-written rulesets: equivalence of differently structured programs, exact
// counterexamples for small differences, coverage of the whole packet space.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { explain } from '../../verifier/explain.ts';
import type { NetfilterProgram } from '../../verifier/model/program.ts';
import { type ArtifactInput, verify } from '../../verifier/verify.ts';
import { D, iptables, nftables, T3, VIP } from './kube-shaped.ts';

const art = (p: NetfilterProgram): ArtifactInput => ({ backend: p.backend, program: p, canonicalList: (n) => n });

const Engine = suite('verifier engine');

Engine('two differently structured programs with the same behaviour are equivalent', () => {
  const r = verify({ family: 'ipv4', ir: null, artifacts: [art(iptables()), art(nftables())] });
  assert.equal(r.counterexamples, []);
  assert.ok(r.equivalent);
  assert.ok(r.stats.classes > 5, `classes: ${r.stats.classes}`);
  // the classes partition the universe exactly
  assert.equal(r.stats.packets.num * r.stats.universe.den, r.stats.universe.num * r.stats.packets.den);
});

Engine('a threshold off by one unit is a counterexample with exact distributions', () => {
  const r = verify({ family: 'ipv4', ir: null, artifacts: [art(iptables({ t3: T3 + 1n })), art(nftables())] });
  assert.not.ok(r.equivalent);
  const cx = r.counterexamples[0]!;
  assert.is(cx.comparison, 'iptables=nftables');
  assert.is(cx.witness.dst, VIP);
  assert.is(cx.witness.dport, 80);
  assert.is(cx.witness.protocol, 'tcp');
  const ipt = cx.distributions.iptables!;
  const first = ipt.find((l) => l.outcome.includes('10.0.1.1:8080'))!;
  assert.is(first.p.num * D, (T3 + 1n) * first.p.den);
  assert.ok(cx.traces.iptables!.length >= 3, 'a trace per endpoint');
});

Engine('a widened masquerade CIDR is caught, and the region names the sources that differ', () => {
  const r = verify({ family: 'ipv4', ir: null, artifacts: [art(iptables({ cidr: '10.0.0.0/15' })), art(nftables())] });
  assert.not.ok(r.equivalent);
  const cx = r.counterexamples[0]!;
  assert.ok(
    cx.region.some((l) => l.startsWith('source: 10.1.0.0/16')),
    cx.region.join('\n'),
  );
});

Engine('swapped endpoints of a uniform split are a difference only in kernel probabilities', () => {
  const r = verify({ family: 'ipv4', ir: null, artifacts: [art(iptables({ swap: true })), art(nftables())] });
  // 1/3 is quantised: the first rule's share differs from the second's by a few units in 2^31
  assert.not.ok(r.equivalent);
});

Engine('explain shows each endpoint with its kernel probability and the rules on its path', () => {
  const e = explain({
    family: 'ipv4',
    ir: null,
    artifacts: [art(iptables())],
    packet: {
      path: 'arriving',
      src: '203.0.113.7' as never,
      dst: VIP as never,
      protocol: 'tcp',
      sport: 40000,
      dport: 80,
      inInterface: 'eth0',
      mark: 0,
      ct: { state: 'new', dnat: false },
      affinityAges: {},
    },
  });
  const r = e.results.iptables!;
  assert.is(r.length, 3);
  for (const o of r) assert.match(o.outcome, /^accept dnat 10\.0\.1\.\d:8080 masquerade-fully-random mark 0x0$/);
  const chains = r[0]!.paths[0]!.map((t) => t.chain);
  assert.ok(chains.includes('KUBE-SVC') && chains.includes('KUBE-POSTROUTING'), chains.join(' '));
});

Engine.run();
