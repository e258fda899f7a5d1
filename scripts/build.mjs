// Build dist/ (runs on `npm ci` / `npm install` as the `prepare` script, and before `npm test`):
//   dist/ksvc.mjs     the CLI entry (bin/ksvc.cjs runs it when it is newer than every source file)
//   dist/usage.txt    `ksvc --help`, which bin/ksvc.cjs prints without loading the CLI
//   dist/index.mjs    the library entry (package.json "exports" ".")
//   dist/chunks/      code shared by both, split so that a command loads only what it needs:
//                     `ksvc --version` loads the entry alone, `ksvc check` the front end, ...
//   dist/types/       TypeScript declarations of the library (tsc --emitDeclarationOnly; TS 7 has
//                     no JavaScript API, so no d.ts bundler runs on it: the files mirror the sources)
// Dependencies are bundled in: loading chevrotain from node_modules (hundreds of ES modules of
// lodash-es) took ~0.4 s per run; from one chunk it takes a few milliseconds.
// Usage: node scripts/build.mjs [--no-types]
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

await build({
  entryPoints: { ksvc: path.join(root, 'cli/main.ts'), index: path.join(root, 'api/index.ts') },
  outdir: dist,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // yaml is CommonJS: give its require() of node builtins a real require in every chunk.
  banner: {
    js: "import { createRequire as __ksvcRequire } from 'node:module'; const require = __ksvcRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});

const usage = spawnSync(process.execPath, [path.join(dist, 'ksvc.mjs'), '--help'], { encoding: 'utf8' });
if (usage.status === 0) writeFileSync(path.join(dist, 'usage.txt'), usage.stdout);
else {
  console.error(`build: dist/ksvc.mjs --help failed: ${usage.stderr}`);
  process.exitCode = 1;
}

if (!process.argv.includes('--no-types')) {
  const tsc = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.api.json')],
    { cwd: root, stdio: 'inherit' },
  );
  if (tsc.status !== 0) {
    console.error('build: the declaration files (tsc -p tsconfig.api.json) failed');
    process.exitCode = 1;
  }
}
