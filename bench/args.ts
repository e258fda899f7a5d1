// The command line of a bench script: node:util parseArgs, with a bad option a usage error (exit 2)
// that names it, never a stack trace (as the campaign scripts' scripts/campaign-args.ts).
import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * A bench script's command line: `config` as parseArgs takes it, and `numbers`, its whole-number
 * options with their defaults (`--name N`, each declared here), read into `numbers`.
 */
export function benchArgs<T extends ParseArgsConfig, K extends string = never>(
  script: string,
  config: T,
  numbers: Readonly<Record<K, number>> = {} as Record<K, number>,
): ReturnType<typeof parseArgs<T>> & { numbers: Record<K, number> } {
  const options = { ...config.options };
  for (const name of Object.keys(numbers)) options[name] = { type: 'string' };
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs({ ...config, options }) as ReturnType<typeof parseArgs<T>>;
  } catch (e) {
    return usage(script, (e as Error).message);
  }
  const read = readWholeNumbers(parsed.values as Record<string, unknown>, numbers);
  return 'numbers' in read ? { ...parsed, numbers: read.numbers } : usage(script, read.error);
}

function usage(script: string, message: string): never {
  console.error(`${script}: ${message}`);
  process.exit(2);
}

/**
 * Whole-number options (`--name N`, `defaults[name]` when absent) read from parsed `values`; the
 * first that is not a whole number (a word, a fraction, a negative) gives its usage error instead.
 */
export function readWholeNumbers<K extends string>(
  values: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<K, number>>,
): { numbers: Record<K, number> } | { error: string } {
  const numbers: Record<K, number> = { ...defaults };
  for (const name of Object.keys(defaults) as K[]) {
    const given = values[name];
    if (given === undefined) continue;
    const n = typeof given === 'string' && /^\d+$/.test(given) ? Number(given) : Number.NaN;
    if (!Number.isSafeInteger(n)) return { error: `--${name} takes a whole number, not '${String(given)}'` };
    numbers[name] = n;
  }
  return { numbers };
}
