// Shapes hold everything the evaluator reads: rulesets that differ only where a shard's shape
// once left a fact out get the same answer with shapes and without (--no-shapes). Each case was
// found by a review: two services written alike shared a shape though one read a fact the other
// did not — the loopback block and lo's broadcast address, an affinity write's key and list.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffArtifacts } from '../../api/diff.ts';
import { compileIptables } from '../../api/iptables.ts';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';

const TWO = `cluster {
  masq from outside 10.64.0.0/16
}

node n1 {
  address 172.16.1.35
}

service default/a {
  http: ClusterIP 10.32.0.10:80/tcp -> endpoints:8080
  endpoints 10.64.1.7
}

service default/b {
  http: ClusterIP 10.32.0.20:80/tcp -> endpoints:8080
  endpoints 10.64.2.7
}
`;
const BASE = compileIptables(lower(load(TWO, { file: 'two.ksvc' }).model!, { node: 'n1' }).programs[0]!, {
  hooks: true,
});

/** diff's answer with shapes and without: 'same', 'changed', or the first error's message. */
function answers(old: string, next: string): string[] {
  return [true, false].map((shapes) => {
    const r = diffArtifacts({
      old: { text: old, file: '<old>' },
      new: { text: next, file: '<new>' },
      backend: 'iptables',
      family: 'ipv4',
      shapes,
    });
    const error = r.diagnostics.find((d) => d.severity === 'error');
    if (error) return error.message.replace(/^.*?: /, '');
    return r.runs[0]!.report!.equivalent ? 'same' : 'changed';
  });
}

/** BASE with `replace` applied and `lines` added after the first line starting with `after`. */
function edited(text: string, after: string, lines: string[], replace: [string, string][] = []): string {
  let t = text;
  for (const [a, b] of replace) t = t.replaceAll(a, b);
  const all = t.split('\n');
  const at = all.findIndex((l) => l.startsWith(after));
  assert.ok(at >= 0, after);
  all.splice(at + 1, 0, ...lines);
  return all.join('\n');
}

test('a DNAT target in the loopback block is local without a model: its shard is not an ordinary one', () => {
  // b's endpoint is 127.0.0.1 (a's an ordinary address); a drop in INPUT of DNATed loopback packets
  const old = edited(
    BASE,
    '*filter',
    [],
    [
      ['10.64.1.7', '10.99.1.7'],
      ['10.64.2.7', '127.0.0.1'],
    ],
  ).replace(/^-A KUBE-FIREWALL .*127\.0\.0\.0\/8.*\n/m, '');
  const next = edited(old, '-A KUBE-FORWARD -m conntrack --ctstate INVALID', [
    '-A KUBE-NODEPORTS -i lo -p tcp -m tcp --dport 8080 -m conntrack --ctstate NEW -m conntrack --ctstate DNAT -j DROP',
  ]);
  assert.equal(answers(old, next), ['changed', 'changed']);
});

test("an affinity write keyed by the destination is the list's, keyed apart: refused after DNAT, shapes or not", () => {
  // in filter: both packets are DNATed by then
  const both = edited(BASE, '-A KUBE-FIREWALL', [
    '-A KUBE-SERVICES -d 10.64.1.7/32 -p tcp -m tcp --dport 8080 -m recent --set --name LIST-A',
    '-A KUBE-SERVICES -d 10.64.2.7/32 -p tcp -m tcp --dport 8080 -m recent --set --rdest --name LIST-B',
  ]);
  const [withShapes, without] = answers(both, both);
  assert.is(withShapes, without);
  assert.match(without!, /an affinity record of the destination written after DNAT changed it/);
});

test.run();
