#!/usr/bin/env node
// The `ksvc` command. Runs the bundle dist/ksvc.mjs (built by `npm ci` through the `prepare`
// script) when it is newer than every source file, else the TypeScript sources through tsx — so
// an edited checkout never runs stale code.
//
// This check runs before every command, `ksvc --version` included: it reads directory names and
// stats each entry (lstat; a link is followed only for a source file), a few milliseconds for ~200
// files. (Dirent objects, path.join and a regex per entry cost four times that.)
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const bundle = `${root}/dist/ksvc.mjs`;
const SOURCE_DIRS = ['api', 'common', 'grammar', 'compiler', 'backends', 'verifier', 'cli'];

/** The newest modification time of a .ts or .json file under `dir` (0 when there is none). */
function newestSource(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const full = `${dir}/${name}`;
    const st = lstatSync(full);
    if (st.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (name.endsWith('.ts') || name.endsWith('.json')) {
      newest = Math.max(newest, (st.isSymbolicLink() ? statSync(full) : st).mtimeMs);
    }
  }
  return newest;
}

function bundleIsFresh() {
  const built = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return false;
  return SOURCE_DIRS.every((d) => {
    const dir = `${root}/${d}`;
    return !statSync(dir, { throwIfNoEntry: false }) || newestSource(dir) <= built;
  });
}

// `verify` makes millions of short-lived objects beside a live heap of several hundred MB. With a
// young generation of 64 MiB per half (V8's default is 16) most of them die before a scavenge
// copies them: a fifth less time at 10,000 services (128 MiB took the same time and peaked 80-400
// MiB higher). Its peak memory is V8's allowance for heap growth over that live heap, not live
// data: a growth factor of 1.5 (V8 allows up to 4) takes a fifth off the peak at no measured cost
// in time, and --expose-gc lets verify collect once when its check starts (verifier/verify.ts: the
// readers' models are garbage by then; docs/benchmarks.md). V8 reads flags when the process
// starts, so verify re-runs itself once with them (the child sees them and goes on).
const YOUNG = '--max-semi-space-size=';
const GROWTH = '--heap-growing-percent=';
const given = (flag) => [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes(flag));
if (process.argv[2] === 'verify' && !given(YOUNG)) {
  // loaded here only: node:child_process loads node:net and the streams, which --version never needs
  const { spawnSync } = await import('node:child_process');
  const flags = [`${YOUNG}64`, ...(given(GROWTH) ? [] : [`${GROWTH}50`]), '--expose-gc'];
  const child = spawnSync(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  if (child.error === undefined) {
    if (child.signal) process.kill(process.pid, child.signal);
    process.exit(child.status ?? 1);
  }
  // the child could not start (no process slots): verify in this process, with the default size
}

if (bundleIsFresh()) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
