// compiler/kube/print-ksvc.ts: the library prints a model as .ksvc and reads the text back itself,
// so every caller (not only `ksvc import`) gets a file that means the same cluster, or a diagnostic.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readKubernetes } from '../../api/kubernetes.ts';
import type { IPText } from '../../common/ip.ts';
import { makeSourceFile } from '../../common/source.ts';
import { NAMES_PER_REASON } from '../../compiler/kube/not-imported.ts';
import { comparableModel, printKsvc } from '../../compiler/kube/print-ksvc.ts';
import { loadKsvc } from '../../compiler/load-ksvc.ts';
import type { ClusterModel } from '../../compiler/model.ts';
import { formatFile } from '../../grammar/format.ts';
import { parseKsvc } from '../../grammar/parse-ksvc.ts';
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

const example = (name: string) => readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

/** The text `ksvc fmt` gives (the printed file must already be in the canonical layout). */
const formatted = (text: string) => formatFile(parseKsvc(makeSourceFile('x.ksvc', text)).file);

test('the services kube-proxy writes nothing for are named, by reason, in a comment at the top', () => {
  const read = readKubernetes([{ file: 'shop.yaml', text: example('shop-dual-stack.yaml') }], {
    clusterCIDRs: ['10.64.0.0/16', 'fd00:64::/48'],
  });
  assert.equal(read.skipped, [
    { namespace: 'shop', name: 'storefront-pods', reason: 'headless' },
    { namespace: 'shop', name: 'payments', reason: 'external-name' },
  ]);
  const text = printKsvc(read.model!, 'shop.ksvc', read.skipped).text!;
  assert.ok(
    text.startsWith(`# Not imported: kube-proxy writes no rules for these services.
#   headless (no cluster IP), 1: shop/storefront-pods
#   type ExternalName, 1: shop/payments

cluster {
`),
    text,
  );
  assert.is(formatted(text), text);
  const hidden = readKubernetes([{ file: 'topology.yaml', text: example('topology.yaml') }]);
  assert.equal(
    hidden.skipped.map((s) => s.reason),
    [{ label: 'service.kubernetes.io/service-proxy-name' }],
  );
  // nothing skipped, no comment
  assert.ok(printKsvc(imp(example('seed-local.yaml')).model!).text!.startsWith('node '));
});

test('a cluster of skipped services only: the comment alone, ending as a formatted file ends', () => {
  const only = `apiVersion: v1
kind: Service
metadata: { name: db, namespace: data }
spec: { clusterIP: None, ports: [{ port: 5432 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ext, namespace: data }
spec: { type: ExternalName, externalName: db.example.com }
`;
  const read = readKubernetes([{ file: 'only.yaml', text: only }]);
  const text = printKsvc(read.model!, 'only.ksvc', read.skipped).text!;
  assert.is(
    text,
    `# Not imported: kube-proxy writes no rules for these services.
#   headless (no cluster IP), 1: data/db
#   type ExternalName, 1: data/ext
`,
  );
  assert.is(formatted(text), text);
});

test('a long list of skipped services names the first ones and counts the rest, in lines that fit', () => {
  const headless = Array.from(
    { length: NAMES_PER_REASON + 3 },
    (_, i) => `---
apiVersion: v1
kind: Service
metadata: { name: stateful-set-number-${i}, namespace: databases }
spec: { clusterIP: None, ports: [{ port: 5432 }] }
`,
  ).join('');
  const read = readKubernetes([{ file: 'h.yaml', text: `${headless}---\n${example('seed-local.yaml')}` }]);
  assert.is(read.skipped.length, NAMES_PER_REASON + 3);
  const text = printKsvc(read.model!, 'h.ksvc', read.skipped).text!;
  const comment = text.slice(0, text.indexOf('\n\n')).split('\n');
  assert.ok(
    comment[1]!.startsWith(`#   headless (no cluster IP), ${NAMES_PER_REASON + 3}: databases/stateful-set-number-0,`),
  );
  assert.ok(comment.at(-1)!.endsWith('databases/stateful-set-number-9, and 3 more'), comment.join('\n'));
  assert.ok(comment.slice(2).every((l) => l.startsWith('#     ')));
  assert.ok(comment.every((l) => l.length <= 100));
  assert.not.match(text, /stateful-set-number-10/);
  assert.is(formatted(text), text);
});

test.run();
