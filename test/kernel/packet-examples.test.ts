// Real packets for every bundled example: each .ksvc in examples/ is compiled for each of its
// nodes (IPv4 program), rendered by both backends, loaded into twin node namespaces, and probed
// from every source class (see matrix.ts). The backends must agree with each other and with the IR.
// Root only; skips loudly otherwise.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSourceFile } from '../../common/source.ts';
import { loadKsvc } from '../../compiler/front.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { iptablesBackend, nftablesBackend } from './load.ts';
import { formatReport, runDifferential } from './matrix.ts';
import { kernelTestsEnabled } from './netns.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples');

if (kernelTestsEnabled('packet examples')) {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.ksvc')).sort();
  test('examples exist', () => assert.ok(files.length >= 3, `only ${files.length} .ksvc examples`));
  for (const file of files) {
    const source = makeSourceFile(`examples/${file}`, readFileSync(join(EXAMPLES, file), 'utf8'));
    const front = loadKsvc(source);
    const nodes = front.model?.nodes.map((n) => n.name) ?? [];
    test(`${file} loads`, () => assert.ok(front.model, front.diagnostics.map((d) => d.message).join('\n')));
    for (const node of nodes.length > 0 ? nodes : [undefined]) {
      test(`packets: ${file}${node ? ` for ${node}` : ''}`, async () => {
        const lowered = lowerModel(front.model!, { node, family: 'ipv4', file: source.path });
        assert.equal(lowered.diagnostics.filter((d) => d.severity === 'error'), []);
        const ir = lowered.programs[0]!;
        const backends = [iptablesBackend(ir), nftablesBackend(ir)];
        const r = await runDifferential(ir, backends, { tag: 'ex' });
        const detail = () => `\n${formatReport(r, backends)}`;
        assert.ok(r.outcomes.length > 0, 'no cells probed');
        assert.equal(r.disagreements, [], `backends disagree:\n${r.disagreements.join('\n')}${detail()}`);
        assert.equal(r.irMismatches, [], `backend vs IR:\n${r.irMismatches.join('\n')}${detail()}`);
      });
    }
  }
}

test.run();
