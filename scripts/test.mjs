// npm test: the type check, Biome, the build (dist/, what bin/ksvc.cjs and the package's exports
// load), then every uvu test file under test/, then one closing line
// "N passed, N failed, N skipped" with the reasons for any skip printed just above it.
// Fails when anything failed, when no test ran at all, and in CI (CI=true) when any test was
// skipped: CI runs as root with the tools, so every kernel test must run there.
// Usage: node scripts/test.mjs [dir-under-test] [file-regex]
// KSVC_TEST_CHECKS=0 leaves out the whole-tree checks (test/unit/test-runner.test.ts runs this
// script on small fixtures that way).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? 'test';
const pattern = process.argv[3] ?? '\\.test\\.ts$';
const inCI = process.env.CI === 'true';

let passed = 0;
let failed = 0;

// Each whole-tree check counts as one test: the type check, Biome's formatter + linter
// (`npm run format` applies what it asks for), and the build.
const checks = [
  ['type check', [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root]],
  ['format and lint', [path.join(root, 'node_modules/@biomejs/biome/bin/biome'), 'ci', '--colors=off', root]],
  ['build', [path.join(root, 'scripts/build.mjs')]],
];
for (const [name, argv] of process.env.KSVC_TEST_CHECKS === '0' ? [] : checks) {
  const run = spawnSync(process.execPath, argv, { cwd: root, stdio: 'inherit' });
  if (run.status === 0) {
    console.log(`${name}: ok`);
    passed++;
  } else {
    console.log(`${name}: FAILED`);
    failed++;
  }
}

// Skipped tests write their reason here (test/support/skips.ts), and the tests' temporary files
// go under it (TMPDIR): removed with it when the run ends, also when it is stopped. Traversable
// and a sticky tmp/, as /tmp is: some tests run commands as nobody.
const scratch = mkdtempSync(path.join(tmpdir(), 'ksvc-test-'));
chmodSync(scratch, 0o711);
const skipReport = path.join(scratch, 'skips.tsv');
const scratchTmp = path.join(scratch, 'tmp');
mkdirSync(scratchTmp);
chmodSync(scratchTmp, 0o1777);
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'node_modules/uvu/bin.js'), dir, pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: {
    ...(process.stdout.isTTY ? process.env : { ...process.env, NO_COLOR: '1' }),
    KSVC_SKIP_REPORT: skipReport,
    TMPDIR: scratchTmp,
  },
});
// A signal that stops the run stops the tests too (they would go on making namespaces), and the
// run ends by it once they have ended and the scratch directory is gone.
let stoppedBy = null;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stoppedBy = signal;
    child.kill(signal);
  });
}
let out = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
});
child.on('close', (code) => {
  if (stoppedBy !== null) {
    rmSync(scratch, { recursive: true, force: true });
    console.log(`stopped by ${stoppedBy}`);
    process.removeAllListeners(stoppedBy);
    process.kill(process.pid, stoppedBy);
    return;
  }
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
  failed += Math.max(0, total - ok);
  if (total === 0) {
    console.log('no tests ran: that is a failure');
    failed++;
  }
  if (code !== 0 && failed === 0) failed++; // uvu crashed outside a test
  const reasons = existsSync(skipReport)
    ? [...new Set(readFileSync(skipReport, 'utf8').split('\n').filter(Boolean))].map((l) => l.split('\t'))
    : [];
  rmSync(scratch, { recursive: true, force: true });
  if (skipped > 0 || reasons.length > 0) {
    const byReason = new Map();
    for (const [scope, reason] of reasons) byReason.set(reason, [...(byReason.get(reason) ?? []), scope]);
    for (const [reason, scopes] of byReason) console.log(`skipped: ${scopes.join(', ')}: ${reason}`);
    if (reasons.length === 0) console.log(`skipped: ${skipped} test(s) gave no reason`);
    if (inCI) {
      console.log(`CI: ${skipped} test(s) skipped — in CI every test must run (root, iptables, nft): a failure`);
      failed++;
    }
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = failed > 0 ? 1 : 0;
});
