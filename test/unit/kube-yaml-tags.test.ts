// Explicit YAML tags, as go-yaml v2 (sigs.k8s.io/yaml, which kubectl and the API server use) reads
// them: `!!str 8080` is the string "8080" and `!!str false` the string "false", which the API
// server refuses for an integer or boolean field (as it refuses "8080" quoted); a tagged string
// where a string goes is that string, even a YAML 1.1 boolean word (`!!str yes`). The tag must
// not be dropped by reading the scalar's text as if it were plain.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codesOf, docs, imp, slice, svc } from './kube-helpers.ts';

const epSlice = (ready: string, port: string) =>
  slice(`addressType: IPv4
endpoints:
- addresses: [10.64.0.1]
  conditions:
    ready: ${ready}
ports:
- name: http
  port: ${port}`);

const web = (port: string, name = 'http') =>
  svc(`  clusterIP: 10.32.0.5
  ports:
  - name: ${name}
    port: ${port}`);

test('!!str on an integer field is a string: refused, as "80" quoted is', () => {
  const quoted = imp(web('"80"'));
  const tagged = imp(web('!!str 80'));
  assert.ok(codesOf(quoted.diagnostics).includes('wrong-type'));
  assert.equal(codesOf(tagged.diagnostics), codesOf(quoted.diagnostics));
  const local = imp(web('!foo 80'));
  assert.ok(codesOf(local.diagnostics).includes('wrong-type'), JSON.stringify(local.diagnostics));
  const slicePort = imp(docs(web('80'), epSlice('true', '!!str 8080')));
  assert.ok(codesOf(slicePort.diagnostics).includes('wrong-type'), JSON.stringify(slicePort.diagnostics));
});

test('!!str on a boolean field is a string: refused, not read as the boolean', () => {
  for (const word of ['false', 'true', 'yes']) {
    const r = imp(docs(web('80'), epSlice(`!!str ${word}`, '8080')));
    assert.ok(codesOf(r.diagnostics).includes('wrong-type'), `${word}: ${JSON.stringify(r.diagnostics)}`);
  }
});

test('!!str yes where a string goes is the string yes (go-yaml: no boolean)', () => {
  const r = imp(web('80', '!!str yes'));
  assert.equal(
    codesOf(r.diagnostics).filter((c) => c === 'wrong-type'),
    [],
  );
  assert.is(r.model!.services[0]!.ports[0]!.name, 'yes');
});

test('other explicit tags keep go-yaml readings: !!int 0120 is octal 80, !!bool true', () => {
  const r = imp(docs(web('!!int 0120'), epSlice('!!bool true', '8080')));
  assert.equal(
    codesOf(r.diagnostics).filter((c) => c === 'wrong-type'),
    [],
  );
  assert.is(r.model!.services[0]!.ports[0]!.port, 80);
});

test('a plain scalar go-yaml reads as a number is no string: 0b1, 1_000, +0x1f (YAML 1.2 strings)', () => {
  for (const word of ['0b1', '1_0', '+0x1f', '-0b1']) {
    const r = imp(
      svc(`  clusterIP: 10.32.0.5
  ports:
  - name: ${word}
    port: 80
  - name: other
    port: 81`),
    );
    assert.ok(codesOf(r.diagnostics).includes('wrong-type'), `${word}: ${JSON.stringify(r.diagnostics)}`);
  }
  // quoted, or not of number syntax: strings
  for (const word of ['"0b1"', '0b2x', 'b0', 'http-1']) {
    const r = imp(web('80', word));
    assert.equal(
      codesOf(r.diagnostics).filter((c) => c === 'wrong-type'),
      [],
      word,
    );
  }
});

test.run();
