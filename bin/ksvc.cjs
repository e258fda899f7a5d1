#!/usr/bin/env node
// The `ksvc` command. Runs the bundle dist/ksvc.mjs (built by `npm ci` through the `prepare`
// script) when it is newer than every source file, else the TypeScript sources through tsx — so
// an edited checkout never runs stale code.
//
// CommonJS on purpose: Node starts an ES module entry ~7 ms slower, and `ksvc --version` and
// `ksvc --help` are answered here before anything else loads, within ~1 ms of Node's own start
// (docs/benchmarks.md). The version comes from package.json; the overview is dist/usage.txt, which
// the build writes from cli/main.ts and cli/commands.ts (the only sources it depends on) and which
// is used only while it is newer than both. Writes go straight to the descriptor: process.stdout
// builds a stream, a few milliseconds.
'use strict';
const { lstatSync, readdirSync, readFileSync, statSync, writeSync } = require('node:fs');
const { dirname } = require('node:path');

const root = dirname(__dirname);
const bundle = `${root}/dist/ksvc.mjs`;
const SOURCE_DIRS = ['api', 'common', 'grammar', 'compiler', 'backends', 'verifier', 'cli'];

const mtime = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;

/** The overview, when dist/usage.txt is newer than the two sources it is written from. */
function builtUsage() {
  const built = mtime(`${root}/dist/usage.txt`);
  const fresh = built !== undefined && ['main', 'commands'].every((f) => (mtime(`${root}/cli/${f}.ts`) ?? 0) <= built);
  return fresh ? readFileSync(`${root}/dist/usage.txt`) : undefined;
}

/**
 * Writes an early answer; false when standard output would block (nothing was written: the answer
 * is shorter than a pipe's atomic write), so that the CLI answers instead. A reader that went away
 * ends the command as it ends `cat`: killed by SIGPIPE, which Node ignores until it is re-armed.
 */
function wroteAnswer(text) {
  try {
    writeSync(1, text);
    return true;
  } catch (e) {
    if (e.code === 'EAGAIN') return false;
    if (e.code !== 'EPIPE') {
      process.stderr.write(`ksvc: cannot write to standard output: ${e.message}\n`);
      process.exit(2);
    }
    process.on('SIGPIPE', () => {});
    process.removeAllListeners('SIGPIPE');
    process.kill(process.pid, 'SIGPIPE');
    process.exit(141); // if the signal did not end the process
  }
}

/** Answers `--version` and `--help` without loading the CLI; false for every other command. */
function answeredEarly(arg) {
  if (arg === '--version' || arg === '-V') {
    return wroteAnswer(`ksvc ${JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version}\n`);
  }
  const usage = arg === '--help' || arg === '-h' || arg === 'help' ? builtUsage() : undefined;
  return usage !== undefined && wroteAnswer(usage);
}

/** The newest modification time of a .ts, .js or .json file under `dir` (0 when there is none). */
function newestSource(dir) {
  // lstat, and a link followed only for a source file: a link back up is never walked into.
  // (Dirent objects, path.join and a regex per entry cost four times this.)
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const full = `${dir}/${name}`;
    const st = lstatSync(full);
    if (st.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (name.endsWith('.ts') || name.endsWith('.json') || name.endsWith('.js')) {
      newest = Math.max(newest, (st.isSymbolicLink() ? statSync(full) : st).mtimeMs);
    }
  }
  return newest;
}

function bundleIsFresh() {
  const built = mtime(bundle);
  if (built === undefined) return false;
  return SOURCE_DIRS.every((d) => {
    const dir = `${root}/${d}`;
    return !statSync(dir, { throwIfNoEntry: false }) || newestSource(dir) <= built;
  });
}

// `verify` makes millions of short-lived objects beside a live heap of several hundred MB. With a
// young generation larger than V8's default (16 MiB per half) more of them die before a scavenge
// copies them: 128 MiB took a fifth less time than 16 at 10,000 services; 64 took the same time
// as 128 and peaked 80-400 MiB lower, and 32 the same again, 60-90 MiB lower than 64 (where every
// service has affinity, 32 measured from 5 % faster to 16 % slower: docs/benchmarks.md). Its peak
// memory is V8's allowance for heap growth over that live heap, not live data: a growth factor of
// 1.35 (V8 allows up to 4) takes a quarter off the peak at no measured cost in time (1.5 measured
// 70-230 MiB higher at 10,000 services, docs/benchmarks.md), and --expose-gc
// lets verify collect once when its check starts (verifier/verify.ts: the readers' models are
// garbage by then). V8 reads flags when the process starts, so verify re-runs itself once with
// them (the child sees them and goes on). `diff` runs the same engine on two rulesets: the same.
// So does `explain`: it reads and prepares both rulesets as verify does, so its peak is verify's
// (at 10,000 services 1.11-1.18 GiB against 1.40-1.58 with V8's defaults, for about a fifth more
// time: docs/benchmarks.md, thirty-ninth session).
const YOUNG = '--max-semi-space-size=';
const GROWTH = '--heap-growing-percent=';
const given = (flag) => [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes(flag));

/** The signals that end a command: passed on to the child, which then ends as it would (netns cleanup). */
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs verify (or diff, explain) in a child with the flags above, and ends as the child ends. A
 * signal sent to this process alone (`kill PID`, a supervisor's terminate) is passed on: the child would
 * otherwise go on loading rulesets into namespaces after the command seemed to have ended. When
 * the child cannot start (no process slots), verify runs here, with the default size.
 */
function verifyInChild() {
  // required here only: node:child_process loads node:net and the streams, which --version never needs
  const { spawn } = require('node:child_process');
  const flags = [`${YOUNG}32`, ...(given(GROWTH) ? [] : [`${GROWTH}35`]), '--expose-gc'];
  const child = spawn(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, KSVC_ENGINE_PARENT: String(process.pid) },
  });
  let started = false;
  const passOn = (signal) => {
    if (started && child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const stopPassing = () => {
    for (const s of ENDING_SIGNALS) process.off(s, passOn);
  };
  for (const s of ENDING_SIGNALS) process.on(s, passOn);
  child.on('spawn', () => {
    started = true;
  });
  child.on('error', () => {
    if (started) return; // a signal that could not be passed on: the child's exit still comes
    stopPassing();
    runCommand();
  });
  child.on('exit', (code, signal) => {
    stopPassing();
    if (signal) {
      // die of the child's signal; Node ignores SIGPIPE (`verify … | head`), so its listener is
      // added and removed to restore the default action, and 128 + its number is the exit
      // code if the process still runs (never 1: "not equivalent")
      if (signal === 'SIGPIPE') {
        process.on('SIGPIPE', () => {});
        process.removeAllListeners('SIGPIPE');
      }
      process.kill(process.pid, signal);
      process.exit(128 + (require('node:os').constants.signals[signal] ?? 0));
    }
    process.exit(code ?? 1);
  });
}

function runCommand() {
  const { pathToFileURL } = require('node:url');
  // (The engine child of verifyInChild learns its parent from KSVC_ENGINE_PARENT in cli/main.ts.)
  // The CLI runs itself when loaded as the program; a link may have any name (cli/main.ts).
  globalThis[Symbol.for('ksvc.launched')] = true;
  if (bundleIsFresh()) return import(pathToFileURL(bundle).href);
  return import('tsx/esm/api').then(({ register }) => {
    register();
    return import(pathToFileURL(`${root}/cli/main.ts`).href);
  });
}

const command = process.argv[2];
const engineCommand = command === 'verify' || command === 'diff' || command === 'explain';
if (!answeredEarly(command)) {
  if (engineCommand && !given(YOUNG)) verifyInChild();
  else runCommand();
}
