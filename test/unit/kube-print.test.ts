// compiler/kube/print-ksvc.ts: the library prints a model as .ksvc and reads the text back itself,
// so every caller (not only `ksvc import`) gets a file that means the same cluster, or a diagnostic.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IPText } from '../../common/ip.ts';
import { makeSourceFile } from '../../common/source.ts';
import { comparableModel, printKsvc } from '../../compiler/kube/print-ksvc.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { imp } from './kube-helpers.ts';

test('an imported example prints, and the printed text reads back as the same model', () => {
  const yaml = readFileSync(new URL('../../examples/seed-local.yaml', import.meta.url), 'utf8');
  const model = imp(yaml, { clusterCIDRs: ['10.64.1.0/24'] }).model!;
  const printed = printKsvc(model);
  assert.equal(printed.diagnostics, []);
  assert.ok(printed.text?.startsWith('cluster {'), printed.text ?? '');
  const back = loadKsvc(makeSourceFile('imported.ksvc', printed.text!));
  assert.is(comparableModel(back.model!), comparableModel(model));
});

test('a model whose text would not read back is an error diagnostic, never a file', () => {
  // Built by hand (no front end accepts it): an external IP equal to the service's own cluster IP.
  const model = imp(readFileSync(new URL('../../examples/seed-local.yaml', import.meta.url), 'utf8')).model!;
  const svc = model.services[0]!;
  const broken: ClusterModel = {
    ...model,
    services: [{ ...svc, type: 'NodePort', externalIPs: [svc.clusterIPs[0]! as IPText] }],
  };
  const printed = printKsvc(broken, 'out.ksvc');
  assert.is(printed.text, null);
  assert.equal(
    printed.diagnostics.map((d) => [d.code, d.severity, d.file]),
    [['internal-read-back-error', 'error', 'out.ksvc']],
  );
  assert.match(printed.diagnostics[0]!.message, /frontend-in-use/);
});

test.run();
