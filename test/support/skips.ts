// Honest skip counts. A test that cannot run here (no root, no iptables) is still registered, as a
// skipped test (uvu counts it under "Skipped"), and its reason is appended to the file named by
// KSVC_SKIP_REPORT, which scripts/test.mjs reads to print the reasons above its closing line
// "N passed, N failed, N skipped" (and, in CI, to fail the run when anything was skipped).
import { appendFileSync } from 'node:fs';
import type { Test } from 'uvu';

const recorded = new Set<string>();

/** Note once per scope why its tests are skipped. */
export function recordSkip(scope: string, reason: string): void {
  const key = `${scope}\t${reason}`;
  if (recorded.has(key)) return;
  recorded.add(key);
  const report = process.env.KSVC_SKIP_REPORT;
  if (report) appendFileSync(report, `${key.replace(/\n/g, ' ')}\n`);
}

/**
 * `test` itself when `reason` is null; otherwise a stand-in that registers every test as skipped
 * (hooks still run, so set-up and clean-up stay paired) and records the reason.
 */
export function testUnless(test: Test, scope: string, reason: string | null): Test {
  if (reason === null) return test;
  recordSkip(scope, reason);
  const skip = ((name: string, handler: Parameters<Test>[1]) => test.skip(name, handler)) as Test;
  return Object.assign(skip, {
    only: skip,
    skip: test.skip,
    before: test.before,
    after: test.after,
    run: test.run,
  });
}
