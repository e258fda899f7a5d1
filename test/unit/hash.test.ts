import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { base32Sha256, joinFlat } from '../../common/hash.ts';

// An independent, deliberately naive base32 (bit string) over node:crypto's SHA-256.
const reference = (s: string, chars: number): string => {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of createHash('sha256').update(s, 'utf8').digest()) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) out += A[parseInt(bits.slice(i, i + 5), 2)];
  return out.slice(0, chars);
};

test('base32Sha256 equals base32(sha256) for every padding case (0..260 bytes, 1-5 blocks)', () => {
  for (let n = 0; n <= 260; n++) {
    const s = Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7 + n) % 94))).join('');
    assert.is(base32Sha256(s, 16), reference(s, 16), `length ${n}`);
    assert.is(base32Sha256(s, 8), reference(s, 8), `length ${n}`);
  }
});

test('base32Sha256 for kube-proxy-shaped inputs and every prefix length', () => {
  for (let i = 0; i < 300; i++) {
    const s = `ns${i}/svc-${i * 7}:port${i % 13}${['tcp', 'udp', 'sctp'][i % 3]}10.${i % 256}.0.${(i * 3) % 256}:${i + 1}`;
    const chars = 1 + (i % 16);
    assert.is(base32Sha256(s, chars), reference(s, chars), s);
  }
});

test('non-ASCII input takes the node:crypto path with the same result', () => {
  for (const s of ['é', 'ns/ünïcode:p80tcp', '日本/svc:p', 'ns/caf\u00e9/tcp/p']) {
    assert.is(base32Sha256(s, 16), reference(s, 16), s);
  }
});

test('the JS path does not leak state between calls (long, then short, then long)', () => {
  const long = 'x'.repeat(200);
  const first = base32Sha256(long, 16);
  base32Sha256('a', 16);
  assert.is(base32Sha256(long, 16), first);
  assert.is(base32Sha256('a', 16), reference('a', 16));
});

test('a prefix comes first, on both paths; joinFlat is concatenation, whatever the characters', () => {
  for (const s of ['ns/svc:p80tcp10.0.0.1:80', 'ns/ünïcode:p80tcp', '']) {
    assert.is(base32Sha256(s, 16, 'KUBE-SEP-'), `KUBE-SEP-${reference(s, 16)}`, s);
    assert.is(base32Sha256(s, 8, ''), reference(s, 8), s);
  }
  for (const [a, b] of [
    ['KUBE-SVC-', 'ABCDEFGHIJKLMNOP'],
    ['', 'x'],
    ['y', ''],
    ['日本', '🙂/é'],
  ]) {
    assert.is(joinFlat(a!, b!), a! + b!);
  }
});

test.run();
