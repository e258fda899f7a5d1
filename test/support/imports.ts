// The repository's import graph, read from source text: every relative import, re-export and
// dynamic import of a .ts file, followed transitively. Used by the layering tests (the verifier
// must never reach backends/; the IR depends only on common/).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

// `import … from 'x'`, `import 'x'`, `export … from 'x'`, `import('x')`, `import type … from 'x'`
const SPECIFIER = /\b(?:import|export)\s*(?:type\s+)?(?:[^'"`;]*?\bfrom\s*)?\(?\s*['"]([^'"]+)['"]/g;

/** The relative specifiers a source text imports (packages and node: builtins are not followed). */
export function relativeImports(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1]!).filter((s) => s.startsWith('./') || s.startsWith('../'));
}

/** Every .ts file under `dir`, recursively (node_modules excluded). */
export function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFilesUnder(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

/**
 * Chains of imports, from a .ts file under `root/from` to a file under `root/forbidden`, e.g.
 * ["verifier/a.ts", "compiler/x.ts", "backends/y.ts"] (paths relative to `root`, one chain per
 * forbidden file reached, shortest first found). An import that resolves to no file is a chain
 * ending in "<missing> path" (an unreadable graph is not a clean one).
 */
export function importChains(root: string, from: string, forbidden: string): string[][] {
  const rootAbs = resolve(root);
  const forbiddenAbs = resolve(rootAbs, forbidden) + sep;
  const rel = (p: string) => relative(rootAbs, p);
  const chains: string[][] = [];
  const seen = new Set<string>();
  const queue: { file: string; chain: string[] }[] = tsFilesUnder(resolve(rootAbs, from)).map((file) => ({
    file,
    chain: [rel(file)],
  }));
  for (const q of queue) seen.add(q.file);
  while (queue.length > 0) {
    const { file, chain } = queue.shift()!;
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      if (target.startsWith(forbiddenAbs)) {
        chains.push([...chain, rel(target)]);
        continue;
      }
      if (!existsSync(target) || !statSync(target).isFile()) {
        chains.push([...chain, `<missing> ${rel(target)}`]);
        continue;
      }
      if (seen.has(target) || !target.endsWith('.ts')) continue;
      seen.add(target);
      queue.push({ file: target, chain: [...chain, rel(target)] });
    }
  }
  return chains;
}

/** Every file the .ts files under `root/from` reach, transitively (relative to `root`, sorted). */
export function reachableFiles(root: string, from: string): string[] {
  const rootAbs = resolve(root);
  const seen = new Set<string>(tsFilesUnder(resolve(rootAbs, from)));
  const queue = [...seen];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      if (seen.has(target) || !existsSync(target) || !target.endsWith('.ts')) continue;
      seen.add(target);
      queue.push(target);
    }
  }
  return [...seen].map((f) => relative(rootAbs, f)).sort();
}
