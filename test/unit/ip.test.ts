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

test('sloppy reading takes any number of leading zeros (Go ParseIPSloppy, ParseCIDRSloppy), strict none', () => {
  assert.is(ok(parseIPSloppy('172.30.0.0041')), '172.30.0.41');
  assert.is(ok(parseIPSloppy('::ffff:1.2.3.0004')), '1.2.3.4');
  assert.not.ok(parseIPSloppy('1.2.3.0000256').ok, 'still at most 255');
  const cidr = (t: string) => {
    const r = parseCIDRSloppy(t);
    return r.ok ? `${r.value.family} ${r.value.text} ${r.value.first}-${r.value.last}` : `refused: ${r.reason}`;
  };
  assert.is(cidr('203.0.113.0000/0025'), 'ipv4 203.0.113.0/25 3405803776-3405803903');
  assert.is(
    cidr('2001:db8::/0032'),
    `ipv6 2001:db8::/32 ${0x20010db8n << 96n}-${(0x20010db8n << 96n) | ((1n << 96n) - 1n)}`,
  );
  assert.not.ok(parseCIDRStrict('10.0.0.0/0024').ok);
  assert.not.ok(parseIPStrict('10.0.0.0001').ok);
});

test('a sloppy IPv4-mapped CIDR has a 128-bit prefix: IPv4 at /96 and longer, IPv6 shorter (kube-proxy)', () => {
  const cidr = (t: string) => {
    const r = parseCIDRSloppy(t);
    return r.ok ? `${r.value.family} ${r.value.text} ${r.value.first}-${r.value.last}` : `refused: ${r.reason}`;
  };
  assert.is(cidr('::ffff:10.0.0.0/104'), `ipv4 10.0.0.0/8 ${10 << 24}-${(11 << 24) - 1}`);
  assert.is(cidr('::ffff:10.1.2.3/120'), `ipv4 10.1.2.0/24 ${0x0a010200}-${0x0a0102ff}`);
  assert.is(cidr('::ffff:10.1.2.3/128'), `ipv4 10.1.2.3/32 ${0x0a010203}-${0x0a010203}`);
  // the mask clears the ffff: an IPv6 network
  assert.is(cidr('::ffff:10.0.0.0/8'), `ipv6 ::/8 0-${(1n << 120n) - 1n}`);
  assert.is(
    cidr('::ffff:10.0.0.0/88'),
    `ipv6 ::ff00:0:0/88 ${0xff00n << 32n}-${(0xff00n << 32n) | ((1n << 40n) - 1n)}`,
  );
  assert.is(cidr('::ffff:10.0.0.0/129'), 'refused: prefix length 129 is larger than 128');
  assert.not.ok(parseCIDRStrict('::ffff:10.0.0.0/104').ok, 'strict: no mapped addresses');
});

test('containment and host:port', () => {
  assert.ok(cidrContains(cidrOf('10.0.0.0/8'), ipOf('10.180.0.1')));
  assert.not.ok(cidrContains(cidrOf('10.0.0.0/8'), ipOf('11.0.0.1')));
  assert.not.ok(cidrContains(cidrOf('10.0.0.0/8'), ipOf('fd00::1')));
  assert.is(joinHostPort('10.0.0.1', 80), '10.0.0.1:80');
  assert.is(joinHostPort('fd00::1', 80), '[fd00::1]:80');
});

test.run();
