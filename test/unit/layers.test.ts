// Imports point down: text -> AST -> model. The front end's layers, lowest first:
//   common/                 shared vocabulary and utilities (imports nothing else)
//   grammar/                .ksvc text <-> AST
//   compiler/model.ts, compiler/shared-rules/   the model, and the rules both front ends run
//   compiler/check/         AST -> model            (may not import compiler/kube)
//   compiler/kube/          Kubernetes objects -> model, and model -> .ksvc (may not import
//                           compiler/check; it reads printed text back only through load-ksvc.ts)
//   compiler/load-ksvc.ts   the .ksvc front end's entry (parse + check)
// Neither front end imports lowering or the IR.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function files(dir: string): string[] {
  const full = path.join(root, dir);
  if (!statSync(full).isDirectory()) return [dir];
  return readdirSync(full).flatMap((name) => files(path.join(dir, name)));
}

/** The repository-relative paths a file imports (relative specifiers only). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)[^'"]*from\s+'(\.{1,2}\/[^']+)'/gm)) {
    out.push(
      path
        .relative(root, path.resolve(path.dirname(path.join(root, file)), m[1]!))
        .split(path.sep)
        .join('/'),
    );
  }
  return out;
}

const RULES: { layer: string; mayImport: RegExp }[] = [
  { layer: 'common', mayImport: /^common\// },
  { layer: 'grammar', mayImport: /^(common|grammar)\// },
  { layer: 'compiler/shared-rules', mayImport: /^(common|compiler\/shared-rules)\// },
  { layer: 'compiler/model.ts', mayImport: /^common\// },
  {
    layer: 'compiler/check',
    mayImport: /^(common\/|grammar\/|compiler\/check\/|compiler\/shared-rules\/|compiler\/model\.ts$)/,
  },
  {
    layer: 'compiler/kube',
    mayImport:
      /^(common\/|grammar\/(ast|format)\.ts$|compiler\/kube\/|compiler\/shared-rules\/|compiler\/model\.ts$|compiler\/load-ksvc\.ts$)/,
  },
  {
    layer: 'compiler/load-ksvc.ts',
    mayImport: /^(common\/|grammar\/|compiler\/check\/index\.ts$|compiler\/model\.ts$)/,
  },
];

for (const { layer, mayImport } of RULES) {
  test(`${layer} imports only what lies below it`, () => {
    const wrong: string[] = [];
    for (const file of files(layer).filter((f) => f.endsWith('.ts'))) {
      for (const target of importsOf(file)) if (!mayImport.test(target)) wrong.push(`${file} -> ${target}`);
    }
    assert.equal(wrong, []);
  });
}

test.run();
