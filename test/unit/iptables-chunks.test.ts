// The chunked iptables renderers (what `ksvc compile` streams to a file): the pieces, joined, are
// byte for byte the reviewed goldens and the text of the rule list as data (an independent
// spelling, backends/iptables renderRestore/renderSave); every piece ends on a whole line; a large
// input really comes in many pieces, and the nat rules are handed over while they are built.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptablesChunks, lower } from '../../api/index.ts';
import { load } from '../../api/ksvc.ts';
import { buildRules, renderRestore, renderSave } from '../../backends/iptables/index.ts';
import { generateKsvc } from '../../bench/generate.ts';
import { CASES, caseOptions } from '../golden/iptables/cases.ts';

const golden = (name: string) => readFileSync(new URL(`../golden/iptables/${name}`, import.meta.url), 'utf8');

function pieces(chunks: Iterable<string>): string[] {
  const list = [...chunks];
  for (const c of list) assert.ok(c.endsWith('\n'), 'every piece ends with a newline');
  return list;
}

for (const c of CASES) {
  test(`${c.name}: chunks join to the goldens and to the rule list's text`, () => {
    const model = c.model();
    const ir = lower(model, caseOptions(c, model)).programs[0]!;
    const restore = pieces(compileIptablesChunks(ir, { format: 'restore' })).join('');
    assert.is(restore, golden(`${c.name}.restore`));
    assert.is(restore, renderRestore(buildRules(ir)));
    if (c.save !== false)
      assert.is(pieces(compileIptablesChunks(ir, { format: 'save' })).join(''), golden(`${c.name}.save`));
    assert.is(
      pieces(compileIptablesChunks(ir, { format: 'restore', hooks: true })).join(''),
      renderRestore(buildRules(ir, { hooks: true })),
    );
    assert.is(
      pieces(compileIptablesChunks(ir, { format: 'save', hooks: true })).join(''),
      renderSave(buildRules(ir, { hooks: true })),
    );
  });
}

test('a generated cluster of 500 services: many pieces, the same bytes as the rule list', () => {
  const loaded = load(generateKsvc({ services: 500, endpointsPerService: 4, nodes: 1 }), { file: 'gen.ksvc' });
  assert.ok(loaded.model, loaded.diagnostics.map((d) => d.message).join('\n'));
  const ir = lower(loaded.model!).programs[0]!;
  const restore = pieces(compileIptablesChunks(ir));
  assert.ok(restore.length > 4, `${restore.length} pieces`);
  assert.is(restore.join(''), renderRestore(buildRules(ir)));
  const save = pieces(compileIptablesChunks(ir, { format: 'save' }));
  assert.ok(save.length > 4);
  assert.is(save.join(''), renderSave(buildRules(ir)));
});

test('the nat rules stream: their first pieces come before the last service port is built', () => {
  const loaded = load(generateKsvc({ services: 300, endpointsPerService: 4, nodes: 1 }), { file: 'gen.ksvc' });
  const ir = lower(loaded.model!).programs[0]!;
  // Count the passes over the service ports and how far the current one has gone: the chain list
  // needs one pass before the nat table starts, the nat rules a second one.
  const ports = [...ir.servicePorts];
  let passes = 0;
  let reached = 0;
  const watched = Object.assign([...ports], {
    *[Symbol.iterator]() {
      passes++;
      for (reached = 0; reached < ports.length; reached++) yield ports[reached]!;
    },
  });
  const stream = compileIptablesChunks({ ...ir, servicePorts: watched });
  let seen = '';
  for (const piece of stream) {
    seen += piece;
    if (seen.includes('\n-A KUBE-SEP-')) break;
  }
  assert.is(passes, 2, 'in the second pass');
  assert.ok(reached < ports.length - 1, `nat rules written after ${reached + 1} of ${ports.length} service ports`);
  assert.ok(seen.includes(':KUBE-SEP-'), 'after the chain list');
});

test.run();
