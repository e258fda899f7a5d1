// The compressed store behind the readers' rule origins (verifier/model/text-store.ts): every slice
// of a sealed store is the source's slice, whatever its characters and wherever chunks end, and a
// stored origin reads, and prints as JSON, like a plain one.
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newTextStore, storedOrigin } from '../../verifier/model/text-store.ts';

const CHUNK = 1 << 18;

/** About 2.3 MB of rule-like lines, with a few characters past Latin-1 (and a lone surrogate) in one chunk. */
function source(): string {
  const lines: string[] = [];
  for (let i = 0, length = 0; length < 9 * CHUNK; i++) {
    const line = `-A KUBE-SEP-${i} -m comment --comment "ns/svc-${i}:http" -m tcp -p tcp -j DNAT --to-destination 10.0.${i % 256}.${i % 250}:8080`;
    lines.push(line);
    length += line.length + 1;
  }
  const text = lines.join('\n');
  const at = 3 * CHUNK - 2; // a wide run across a chunk's end
  return `${text.slice(0, at)}é→\ud800😀${text.slice(at)}`;
}

test('every slice of a sealed store is the source slice (chunk ends, wide and lone-surrogate text)', () => {
  const text = source();
  const store = newTextStore('iptables', 'rules', text);
  const before = store.slice(100, 200);
  store.seal();
  assert.is(store.slice(100, 200), before);
  const edges = [
    0,
    1,
    CHUNK - 1,
    CHUNK,
    CHUNK + 1,
    3 * CHUNK - 3,
    3 * CHUNK,
    3 * CHUNK + 4,
    text.length - 1,
    text.length,
  ];
  for (const a of edges)
    for (const b of edges) if (a <= b) assert.is(store.slice(a, b), text.slice(a, b), `${a}..${b}`);
  fc.assert(
    fc.property(fc.nat(text.length), fc.nat(3 * CHUNK), (start, length) => {
      const end = Math.min(text.length, start + length);
      return store.slice(start, end) === text.slice(start, end);
    }),
    { numRuns: 300 },
  );
});

test('a stored origin reads and prints as JSON like a plain one, before and after sealing', () => {
  const text = `${'x'.repeat(2 << 20)}\n-A KUBE-A -j ACCEPT\n`;
  const start = text.indexOf('-A');
  const end = text.indexOf('\n', start);
  const store = newTextStore('iptables', 'rules', text);
  const lined = storedOrigin(store, start, end, { line: 2 });
  const pointed = storedOrigin(newTextStore('nftables', 'doc.json', text), start, end, {
    jsonPath: '/nftables/3/add/rule',
  });
  const plainLined = { backend: 'iptables', file: 'rules', line: 2, text: '-A KUBE-A -j ACCEPT' };
  const plainPointed = {
    backend: 'nftables',
    file: 'doc.json',
    jsonPath: '/nftables/3/add/rule',
    text: '-A KUBE-A -j ACCEPT',
  };
  for (const sealed of [false, true]) {
    if (sealed) store.seal();
    assert.is(JSON.stringify(lined), JSON.stringify(plainLined));
    assert.is(JSON.stringify(pointed), JSON.stringify(plainPointed));
    assert.equal({ backend: lined.backend, file: lined.file, line: lined.line, text: lined.text }, plainLined);
    assert.is(lined.jsonPath, undefined);
    assert.is(pointed.line, undefined);
  }
});

test('a small text is kept as it is (sealing it changes nothing)', () => {
  const store = newTextStore('iptables', 'rules', '*nat\n-A KUBE-A -j ACCEPT\nCOMMIT\n');
  store.seal();
  assert.is(store.slice(5, 24), '-A KUBE-A -j ACCEPT');
});

test.run();
