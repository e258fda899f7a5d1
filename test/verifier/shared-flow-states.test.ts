// The evaluator shares flow states between classes: a step that meets the state it met last gives
// the state it gave then (verifier/engine/shared-steps.ts). A DNAT without a port takes the class's
// destination port, so the state it gives depends on the class as well as on the state it meets:
// one DNAT rule reached from two ports must give two states, not the first class's to both.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { verifyArtifacts } from '../../api/verify.ts';

const Shared = suite('shared flow states');

const source = `node n1 {
  address 172.16.0.10
  podCIDR 10.244.0.0/24
}

service default/two {
  a: ClusterIP 10.96.0.1:80/tcp -> endpoints:80
  b: ClusterIP 10.96.0.1:81/tcp -> endpoints:81
  endpoints 10.244.0.5 on n1
}
`;
const model = check(parse(source, { file: 'two.ksvc' })).model!;
const compiled = compileIptables(lower(model, { node: 'n1', family: 'ipv4' }).programs[0]!);

/** The chain a rule with `comment` jumps to. */
function jumpTarget(text: string, comment: string): string {
  const line = text.split('\n').find((l) => l.includes(comment) && l.includes(' -j KUBE-SEP-'));
  assert.ok(line, comment);
  return /-j (KUBE-SEP-\w+)/.exec(line)![1]!;
}

/**
 * The report of `text` against the model, every shard evaluated (the shards of ports 80 and 81
 * have one shape: one would be counted by the other's), after no errors.
 */
function reportOf(text: string, file: string) {
  const r = verifyArtifacts({ iptables: { text, file }, model: { model, node: 'n1' }, family: 'ipv4', shapes: false });
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return r.runs[0]!.report!;
}

const dports = (report: ReturnType<typeof reportOf>) => report.counterexamples.map((c) => c.witness.dport).join(', ');

Shared('one DNAT without a port, reached from ports 80 and 81, keeps each port', () => {
  const sepA = jumpTarget(compiled, '"default/two:a -> 10.244.0.5:80"');
  const sepB = jumpTarget(compiled, '"default/two:b -> 10.244.0.5:81"');
  // port b's service chain jumps to port a's endpoint chain, whose DNAT keeps the packet's port:
  // what the model says for both ports, through one rule
  const edited = compiled
    .replace('--to-destination 10.244.0.5:80', '--to-destination 10.244.0.5')
    .replace(`"default/two:b -> 10.244.0.5:81" -j ${sepB}`, `"default/two:b -> 10.244.0.5:81" -j ${sepA}`);
  assert.not.ok(edited.includes('10.244.0.5:80\n'), 'the DNAT edit applies');
  assert.ok(edited.includes(`"default/two:b -> 10.244.0.5:81" -j ${sepA}`), 'the jump edit applies');
  const report = reportOf(edited, 'edited');
  assert.ok(report.equivalent, `differences at ${dports(report)}`);

  // and the same rule giving port 80 to both (a DNAT with the port kept) is a difference at 81
  const wrong = edited.replace('--to-destination 10.244.0.5\n', '--to-destination 10.244.0.5:80\n');
  assert.is.not(wrong, edited);
  const bad = reportOf(wrong, 'wrong');
  assert.not.ok(bad.equivalent);
  assert.ok(bad.counterexamples.every((c) => c.witness.dport === 81));
});

Shared('a DNAT without a port met from the same state by ports 80 and 81 keeps each port', () => {
  const sepA = jumpTarget(compiled, '"default/two:a -> 10.244.0.5:80"');
  const sepB = jumpTarget(compiled, '"default/two:b -> 10.244.0.5:81"');
  // as above, and each service chain first sends the sources of 192.168.0.0/16 to the endpoint
  // chain (a jump that never returns: the same as the rule after it). Those classes are evaluated
  // first (the inside of a split first) and reach the DNAT with the start state, as the last class
  // of the other port did (the endpoint's own address, marked for hairpin, comes first otherwise):
  // the state the DNAT kept from that class must not be given to this one
  let edited = compiled
    .replace('--to-destination 10.244.0.5:80', '--to-destination 10.244.0.5')
    .replace(`"default/two:b -> 10.244.0.5:81" -j ${sepB}`, `"default/two:b -> 10.244.0.5:81" -j ${sepA}`);
  for (const c of ['a -> 10.244.0.5:80', 'b -> 10.244.0.5:81']) {
    const line = edited.split('\n').find((l) => l.includes(`"default/two:${c}" -j ${sepA}`))!;
    assert.ok(line, c);
    edited = edited.replace(line, `${line.replace(' -j ', ' -s 192.168.0.0/16 -j ')}\n${line}`);
  }
  assert.is(edited.split('\n').filter((l) => l.includes('-s 192.168.0.0/16')).length, 2, 'the edits apply');
  const report = reportOf(edited, 'edited');
  assert.ok(report.equivalent, `differences at ${dports(report)}`);
});

Shared.run();
