// ksvc as a library, used the way another project uses it: a separate folder with its own
// package.json and node_modules/ksvc (a link to this checkout), importing 'ksvc' through the
// package's "exports" — the built dist/index.mjs and the declarations in dist/types. The results
// must be the bytes the sources give, the declarations must type-check a consumer (and reject a
// wrong use), and nothing but the entry may be imported.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as api from '../../api/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const consumer = mkdtempSync(path.join(tmpdir(), 'ksvc-consumer-'));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return t;
}

/** dist/ as `npm ci` leaves it, rebuilt when a source file is newer (npm test builds it first). */
function ensureBuilt(): void {
  const outputs = ['dist/index.mjs', 'dist/types/api/index.d.ts'].map((f) => path.join(root, f));
  const built = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const sources = Math.max(
    ...['api', 'common', 'grammar', 'compiler', 'backends'].map((d) => newest(path.join(root, d))),
  );
  if (built >= sources) return;
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, `npm run build failed:\n${r.stdout}${r.stderr}`);
}

const node = (...args: string[]) =>
  spawnSync(process.execPath, args, { cwd: consumer, encoding: 'utf8', timeout: 120_000 });

test.before(() => {
  ensureBuilt();
  writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'ksvc-consumer', private: true, type: 'module' }),
  );
  mkdirSync(path.join(consumer, 'node_modules'));
  symlinkSync(root, path.join(consumer, 'node_modules/ksvc'), 'dir');
});

const KSVC = readFileSync(path.join(root, 'examples/seed-local.ksvc'), 'utf8');
const YAML = readFileSync(path.join(root, 'examples/seed-local.yaml'), 'utf8');
const NODE = 'ecs-matrix-k8s-cluster-3';

test("import { parse, check, lower, compileIptables, compileNftables } from 'ksvc': the sources' bytes", () => {
  writeFileSync(
    path.join(consumer, 'use.mjs'),
    `import { readFileSync } from 'node:fs';
import { parse, check, lower, compileIptables, compileIptablesChunks, compileNftables, readKubernetes, printKsvc } from 'ksvc';
const [ksvcText, yamlText] = [readFileSync(${JSON.stringify(path.join(root, 'examples/seed-local.ksvc'))}, 'utf8'), readFileSync(${JSON.stringify(path.join(root, 'examples/seed-local.yaml'))}, 'utf8')];
const parsed = parse(ksvcText, { file: 'seed-local.ksvc' });
const checked = check(parsed);
const lowered = lower(checked.model, { node: ${JSON.stringify(NODE)} });
const bad = check(parse('service a/b {\\n  http: ClusterIP 10.0.0.300:80/tcp -> endpoints\\n}\\n', { file: 'bad.ksvc' }));
const read = readKubernetes([{ file: 'seed-local.yaml', text: yamlText }], { clusterCIDRs: ['10.64.1.0/24'] });
process.stdout.write(JSON.stringify({
  iptables: compileIptables(lowered.programs[0]),
  chunks: [...compileIptablesChunks(lowered.programs[0])].join(''),
  nftables: compileNftables(lowered.programs),
  bad: bad.diagnostics.map((d) => [d.code, d.file, d.span.start.line, d.span.start.column]),
  printed: printKsvc(read.model).text,
}));
`,
  );
  const r = node('use.mjs');
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  const lowered = api.lower(api.check(api.parse(KSVC, { file: 'seed-local.ksvc' })).model!, { node: NODE });
  assert.is(got.iptables, api.compileIptables(lowered.programs[0]!));
  assert.is(got.chunks, got.iptables);
  assert.is(got.nftables, api.compileNftables(lowered.programs));
  assert.equal(got.bad, [['invalid-address', 'bad.ksvc', 2, 19]]);
  const read = api.readKubernetes([{ file: 'seed-local.yaml', text: YAML }], { clusterCIDRs: ['10.64.1.0/24'] });
  assert.is(got.printed, api.printKsvc(read.model!).text);
  assert.ok(got.iptables.startsWith('*filter\n'));
});

test('the declarations type-check a TypeScript consumer and reject a wrong use', () => {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        types: [],
      },
      files: ['good.ts'],
    }),
  );
  writeFileSync(
    path.join(consumer, 'good.ts'),
    `import { type ClusterModel, type Diagnostic, type IRProgram, check, compileIptables, compileNftables, lower, parse } from 'ksvc';
const checked = check(parse('node n1 {\\n  address 192.168.0.1\\n}\\n', { file: 'a.ksvc' }));
const model: ClusterModel | null = checked.model;
const diagnostics: readonly Diagnostic[] = checked.diagnostics;
if (model !== null) {
  const programs: IRProgram[] = lower(model, { node: 'n1' }).programs;
  const text: string = compileIptables(programs[0]!, { format: 'save', hooks: true }) + compileNftables(programs, { format: 'text' });
  console.log(text, diagnostics.length);
}
`,
  );
  const good = node(tsc, '-p', '.', '--pretty', 'false');
  assert.is(good.status, 0, good.stdout + good.stderr);
  writeFileSync(
    path.join(consumer, 'good.ts'),
    `import { compileIptables, parse } from 'ksvc';
const n: number = compileIptables(parse('').ast);
console.log(n);
`,
  );
  const bad = node(tsc, '-p', '.', '--pretty', 'false');
  assert.is.not(bad.status, 0);
  assert.match(bad.stdout + bad.stderr, /good\.ts\(2,\d+\): error TS2\d+/, bad.stdout + bad.stderr);
});

test('only the entry is exported: a deep import is refused', () => {
  const r = node('--input-type=module', '-e', "import('ksvc/cli/main.ts').catch((e) => console.log(e.code))");
  assert.is(r.stdout.trim(), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});

test.after(() => rmSync(consumer, { recursive: true, force: true }));
test.run();
