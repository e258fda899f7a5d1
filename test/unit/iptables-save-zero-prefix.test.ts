// `--format save` prints what iptables-save prints once the restore text is loaded. A /0 address
// match is stored as no match at all and not printed; negated it is printed (measured with
// iptables-legacy 1.8.9: `-A FOO -s 0.0.0.0/0 -j ACCEPT` saves as `-A FOO -j ACCEPT`, `! -s
// 0.0.0.0/0` stays; iptables-nft 1.8.9 refuses to load the negated form, so the kernel round trip
// in test/kernel/iptables-load.test.ts cannot hold such a ruleset).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables, lowerText } from '../../api/index.ts';

const ksvc = `cluster {
  masq from outside 0.0.0.0/0
}

node a {
  address 172.16.1.35
}

service default/web {
  web: NodePort 10.32.0.227:8080/tcp nodePort 30080 -> endpoints:8080, externalTrafficPolicy local
  endpoints 10.44.0.1 on a
}
`;

test('a /0 detector: its plain matches are not printed by --format save, its negated ones are', () => {
  const ir = lowerText(ksvc, { node: 'a', family: 'ipv4' })!.programs![0]!;
  const restore = compileIptables(ir).split('\n');
  const save = compileIptables(ir, { format: 'save' }).split('\n');
  // the restore input has both forms (kube-proxy writes them)
  assert.ok(restore.some((l) => / -s 0\.0\.0\.0\/0 /.test(l) && !/! -s/.test(l)));
  assert.ok(restore.some((l) => /! -s 0\.0\.0\.0\/0 /.test(l)));
  assert.not.ok(
    save.some((l) => / -s 0\.0\.0\.0\/0 /.test(l) && !/! -s/.test(l)),
    'a plain /0 is stored as no match',
  );
  assert.ok(save.some((l) => /! -s 0\.0\.0\.0\/0 /.test(l)));
  // the pod-traffic rule of the eTP=Local NodePort keeps the rest of its line
  assert.ok(
    save.some((l) =>
      /^-A KUBE-EXT-\S+ -m comment --comment "pod traffic for default\/web:web external destinations" -j KUBE-SVC-/.test(
        l,
      ),
    ),
    save.filter((l) => l.includes('pod traffic')).join('\n'),
  );
});

test.run();
