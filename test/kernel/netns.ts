// Real-netfilter test support: throw-away network namespaces (made by cli/netns.ts, which `verify
// --kernel` uses too). Every namespace has a unique name and is deleted in `finally`, so a failing
// test never leaves one behind; a run that ends otherwise (Ctrl-C, a CI timeout, SIGKILL, an
// uncaught exception) dies at once and cli/netns.ts's watchdog deletes what it held. Nothing here
// touches the host's own ruleset. Outside root (or without the tools) kernel tests skip loudly.
import { type Test, test } from 'uvu';
import { type CommandResult, createNetns, missingTool, type Netns, runCommand } from '../../cli/netns.ts';
import { testUnless } from '../support/skips.ts';

export type RunResult = CommandResult;

/** Run a command with optional stdin; never throws for a non-zero exit. */
export const run = (cmd: string, args: string[], input?: string, timeoutMs = 120_000): RunResult =>
  runCommand(cmd, args, input, timeoutMs);

/** Why kernel tests cannot run here, or null when they can. */
export function kernelSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  const missing = missingTool([
    'ip',
    'iptables-restore',
    'iptables-save',
    'ip6tables-restore',
    'nft',
    'nfacct',
    'conntrack',
  ]);
  if (missing !== null) return `'${missing}' is not installed`;
  const probe = `ksvc-probe-${process.pid}`;
  const add = run('ip', ['netns', 'add', probe]);
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  run('ip', ['netns', 'del', probe]);
  return null;
}

let skipReasonCache: string | null | undefined;

/**
 * uvu's `test` when kernel tests can run here. Otherwise prints one loud line (once per tier) and
 * returns a stand-in that registers every test of the tier as skipped, with the reason recorded for
 * the closing line of `npm test` (test/support/skips.ts). In CI (CI=true) `npm test` fails when any
 * test was skipped: the kernel tier must run there.
 */
export function kernelTests(tier: string): Test {
  if (skipReasonCache === undefined) skipReasonCache = kernelSkipReason();
  if (skipReasonCache !== null) console.warn(`\n!!! SKIPPING kernel tests (${tier}): ${skipReasonCache} !!!\n`);
  return testUnless(test, `kernel tests (${tier})`, skipReasonCache);
}

export type { Netns } from '../../cli/netns.ts';

/** Create a namespace (cli/netns.ts: unique, deleted on a signal or exit too), run `body`, delete it whatever happens. */
export async function withNetns<T>(purpose: string, body: (ns: Netns) => Promise<T> | T): Promise<T> {
  const ns = createNetns(purpose);
  try {
    return await body(ns);
  } finally {
    ns.remove();
  }
}

/** Create the nfacct objects kube-proxy's rules reference (they must exist before a load). */
export { addKubeProxyCounters as createKubeProxyNfacct } from '../../cli/kernel-listing.ts';
