// lo's broadcast address 127.255.255.255 is not a local address (the local routing table says
// `broadcast`: addrtype and fib do not count it LOCAL). A NodePort dispatch written as a test of
// 127.0.0.0/8 instead of addrtype LOCAL serves it where ksvc's nft rules do not: a difference a
// review session measured in the kernel, which verify reported equivalent while it took the whole
// block to be local.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { verifyArtifacts } from '../../api/verify.ts';

const MODEL = `cluster {
  masq from outside 10.64.0.0/16
}

node node-a {
  address 192.168.10.11
}

service shop/web {
  http: NodePort 10.32.0.20:80/tcp nodePort 30080 -> endpoints:8080
  endpoints 10.64.1.5 on node-a
}
`;

test('a NodePort dispatch by 127.0.0.0/8 instead of LOCAL differs at 127.255.255.255', () => {
  const model = load(MODEL).model!;
  const [program] = lower(model, { node: 'node-a', family: 'ipv4' }).programs;
  const ipt = compileIptables(program!);
  const line = ipt.split('\n').find((l) => l.includes('--dst-type LOCAL -j KUBE-NODEPORTS'))!;
  const edited = ipt.replace(
    line,
    [
      line.replace('-m addrtype --dst-type LOCAL', '-d 127.0.0.0/8'),
      line.replace('-m addrtype --dst-type LOCAL', '-d 192.168.10.11/32'),
    ].join('\n'),
  );
  const r = verifyArtifacts({
    family: 'ipv4',
    iptables: { text: edited, file: 'edited.iptables' },
    nftables: { text: compileNftables([program!]), file: 'ksvc.nft.json' },
    model: { model, node: 'node-a' },
  });
  const report = r.runs[0]!.report!;
  assert.not.ok(report.equivalent);
  assert.ok(
    report.counterexamples.some((cx) => cx.witness.dst === '127.255.255.255'),
    report.counterexamples.map((cx) => cx.witness.dst).join(' '),
  );
});

test.run();
