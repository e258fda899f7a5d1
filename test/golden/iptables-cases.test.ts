// iptables goldens: every case of test/golden/iptables/cases.ts renders byte for byte to
// <case>.restore (kube-proxy's restore input) and <case>.save (what iptables-save prints back).
// UPDATE_GOLDEN=1 rewrites the files instead — read every rewritten golden before committing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildRules, renderIptables, renderRestore, renderSave } from '../../backends/iptables/index.ts';
import { makeSourceFile } from '../../common/source.ts';
import { modelToAst } from '../../compiler/kube/to-ast.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { formatFile } from '../../grammar/format.ts';
import { expectGolden, updatingGoldens } from '../support/golden.ts';
import { CASES, caseOptions } from './iptables/cases.ts';

const dir = new URL('./iptables/', import.meta.url);

for (const c of CASES) {
  test(`${c.name}: ${c.about}`, () => {
    const model = c.model();
    const r = lowerModel(model, caseOptions(c, model));
    assert.equal(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.is(r.programs.length, 1, 'a golden case compiles to one family');
    const ir = r.programs[0]!;
    const restore = renderIptables(ir, { format: 'restore' });
    expectGolden(new URL(`${c.name}.restore`, dir), restore);
    if (c.save !== false) expectGolden(new URL(`${c.name}.save`, dir), renderIptables(ir, { format: 'save' }));
    // The streaming renderers and the rule list as data spell the same text.
    assert.is(renderRestore(buildRules(ir)), restore);
    assert.is(renderSave(buildRules(ir, { hooks: true })), renderIptables(ir, { format: 'save', hooks: true }));
    // Determinism: a second run gives the same bytes.
    assert.is(
      renderIptables(lowerModel(c.model(), caseOptions(c, model)).programs[0]!, { format: 'restore' }),
      restore,
    );
  });

  if (c.noKsvc === undefined) {
    // The .ksvc twin: written once from the model (ksvc import's printer), then an input in its
    // own right: compiling it through the front end must give the reviewed restore golden.
    test(`${c.name}.ksvc compiles to ${c.name}.restore`, () => {
      const url = new URL(`${c.name}.ksvc`, dir);
      // Written only when updating goldens: a missing twin is a failure, not a silent new golden.
      if (updatingGoldens) {
        const ast = modelToAst(c.model());
        assert.equal(ast.diagnostics, []);
        writeFileSync(url, `# iptables golden case '${c.name}': ${c.about}\n${formatFile(ast.file)}`);
      }
      assert.ok(existsSync(url), `${c.name}.ksvc is missing (run with UPDATE_GOLDEN=1, then read it)`);
      const front = loadKsvc(makeSourceFile(`test/golden/iptables/${c.name}.ksvc`, readFileSync(url, 'utf8')));
      assert.ok(front.model, front.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n'));
      const model = front.model!;
      const r = lowerModel(model, caseOptions(c, model));
      assert.equal(
        r.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      const got = renderIptables(r.programs[0]!, { format: 'restore' });
      const want = readFileSync(new URL(`${c.name}.restore`, dir), 'utf8');
      assert.fixture(got, want, `${c.name}.ksvc`);
    });
  }
}

test.run();
