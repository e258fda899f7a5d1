import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  cidrContains,
  cidrOf,
  ipOf,
  joinHostPort,
  parseCIDRSloppy,
  parseCIDRStrict,
  parseIPSloppy,
  parseIPStrict,
} from '../../common/ip.ts';

const ok = (r: ReturnType<typeof parseIPStrict>) => (r.ok ? r.value.text : `ERR:${r.reason}`);

test('strict IPv4 accepts canonical dotted decimal', () => {
  assert.is(ok(parseIPStrict('10.32.0.10')), '10.32.0.10');
  assert.is(ok(parseIPStrict('0.0.0.0')), '0.0.0.0');
  assert.is(ok(parseIPStrict('255.255.255.255')), '255.255.255.255');
});

test('strict IPv4 rejects short forms, octal-looking zeros and overflow', () => {
  for (const bad of ['10.1', '010.0.0.1', '300.1.1.1', '1.2.3.4.5', '1..2.3', '', ' 1.2.3.4', '0x1.2.3.4']) {
    assert.not.ok(parseIPStrict(bad).ok, bad);
  }
  const r = parseIPStrict('010.0.0.1');
  assert.ok(!r.ok && r.suggestion === '10.0.0.1');
});

test('sloppy IPv4 reads leading zeros as decimal, like Go ParseIPSloppy', () => {
  assert.is(ok(parseIPSloppy('10.180.00.001')), '10.180.0.1');
  assert.is(ok(parseIPSloppy('172.30.0.041')), '172.30.0.41');
});

test('IPv6 is normalised to RFC 5952', () => {
  assert.is(ok(parseIPStrict('FD00:0:0:0:0:0:0:1')), 'fd00::1');
  assert.is(ok(parseIPStrict('fd00:10:180::1')), 'fd00:10:180::1');
  assert.is(ok(parseIPStrict('::1')), '::1');
  assert.is(ok(parseIPStrict('::')), '::');
  assert.is(ok(parseIPStrict('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
  assert.is(ok(parseIPStrict('2001:0:0:1:0:0:0:1')), '2001:0:0:1::1');
  assert.is(ok(parseIPStrict('1:0:1:0:1:0:1:0')), '1:0:1:0:1:0:1:0');
  for (const bad of ['fd00:::1', '1:2:3:4:5:6:7:8:9', 'g::1', '1::2::3', '12345::1']) {
    assert.not.ok(parseIPStrict(bad).ok, bad);
  }
  assert.not.ok(parseIPStrict('::ffff:1.2.3.4').ok, 'v4-mapped refused');
  assert.is(ok(parseIPSloppy('::ffff:1.2.3.4')), '1.2.3.4');
});

test('strict CIDR refuses host bits and suggests the network', () => {
  const r = parseCIDRStrict('10.64.1.5/24');
  assert.ok(!r.ok && r.suggestion === '10.64.1.0/24');
  const good = parseCIDRStrict('10.64.1.0/24');
  assert.ok(good.ok && good.value.text === '10.64.1.0/24');
  assert.not.ok(parseCIDRStrict('10.0.0.0/33').ok);
  assert.not.ok(parseCIDRStrict('10.0.0.0').ok);
  const v6 = parseCIDRStrict('fd00:10::/64');
  assert.ok(v6.ok && v6.value.text === 'fd00:10::/64');
});

test('sloppy CIDR masks host bits and leading zeros, like kube-proxy', () => {
  const r = parseCIDRSloppy('203.0.113.000/025');
  assert.ok(r.ok && r.value.text === '203.0.113.0/25');
});

test('containment and host:port', () => {
  assert.ok(cidrContains(cidrOf('10.0.0.0/8'), ipOf('10.180.0.1')));
  assert.not.ok(cidrContains(cidrOf('10.0.0.0/8'), ipOf('11.0.0.1')));
  assert.not.ok(cidrContains(cidrOf('10.0.0.0/8'), ipOf('fd00::1')));
  assert.is(joinHostPort('10.0.0.1', 80), '10.0.0.1:80');
  assert.is(joinHostPort('fd00::1', 80), '[fd00::1]:80');
});

test.run();
