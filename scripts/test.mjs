// npm test: the type check, then every uvu test file under test/, then one closing line
// "N passed, N failed". Fails when anything failed or when no test ran at all.
// Usage: node scripts/test.mjs [dir-under-test] [file-regex]
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? 'test';
const pattern = process.argv[3] ?? '\\.test\\.ts$';

let passed = 0;
let failed = 0;

// Each whole-tree check counts as one test: the type check, and Biome's formatter + linter
// (`npm run format` applies what it asks for).
const checks = [
  ['type check', [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root]],
  ['format and lint', [path.join(root, 'node_modules/@biomejs/biome/bin/biome'), 'ci', '--colors=off', root]],
];
for (const [name, argv] of checks) {
  const run = spawnSync(process.execPath, argv, { cwd: root, stdio: 'inherit' });
  if (run.status === 0) {
    console.log(`${name}: ok`);
    passed++;
  } else {
    console.log(`${name}: FAILED`);
    failed++;
  }
}

const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'node_modules/uvu/bin.js'), dir, pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: process.stdout.isTTY ? process.env : { ...process.env, NO_COLOR: '1' },
});
let out = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
});
child.on('close', (code) => {
  // eslint-disable-next-line no-control-regex
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => {
    const m = plain.match(new RegExp(`${label}:\\s+(\\d+)`));
    return m ? Number(m[1]) : 0;
  };
  const total = num('Total');
  const ok = num('Passed');
  const skipped = num('Skipped');
  passed += ok;
  failed += Math.max(0, total - ok - skipped);
  if (total === 0) {
    console.log('no tests ran: that is a failure');
    failed++;
  }
  if (code !== 0 && failed === 0) failed++; // uvu crashed outside a test
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
});
