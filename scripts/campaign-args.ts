// The command line every campaign script shares (npm run fuzz:…): a seed range, sometimes which
// artifact and family, and for kernel campaigns root with the tools. A bad value is a usage error
// (exit 2) that names the option, never a stack trace.
import { parseArgs } from 'node:util';
import { kernelSkipReason } from '../test/kernel/netns.ts';

type Choice<T extends string> = { values: readonly T[]; default: T };

/** Stop with a usage error. */
function usage(script: string, message: string): never {
  console.error(`${script}: ${message}`);
  process.exit(2);
}

/**
 * `--from N --count N` (whole numbers), each of `choices` as `--key value` (one of its values),
 * and `numbers` as `--key N` (whole numbers, with their defaults).
 */
export function campaignArgs<C extends Record<string, Choice<string>>>(
  script: string,
  opts: { count: number; choices?: C; numbers?: Record<string, number> },
): { from: number; count: number; numbers: Record<string, number> } & { [K in keyof C]: C[K]['values'][number] } {
  const choices = (opts.choices ?? {}) as C;
  const numbers = { from: 0, count: opts.count, ...(opts.numbers ?? {}) };
  const options: Record<string, { type: 'string'; default: string }> = {};
  for (const [name, n] of Object.entries(numbers)) options[name] = { type: 'string', default: String(n) };
  for (const [key, c] of Object.entries(choices)) options[key] = { type: 'string', default: c.default };
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ options }).values as Record<string, string | undefined>;
  } catch (e) {
    usage(script, (e as Error).message);
  }
  const out: Record<string, unknown> = {};
  const parsed: Record<string, number> = {};
  for (const name of Object.keys(numbers)) {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 0) usage(script, `--${name} takes a whole number, not '${values[name]}'`);
    parsed[name] = n;
  }
  for (const [key, c] of Object.entries(choices)) {
    const v = values[key]!;
    if (!c.values.includes(v)) usage(script, `--${key} must be ${c.values.join(', ')}, not '${v}'`);
    out[key] = v;
  }
  return { ...out, from: parsed.from!, count: parsed.count!, numbers: parsed } as never;
}

/** Stop with a usage error unless kernel campaigns can run here (root, the tools). */
export function requireKernel(script: string): void {
  const skip = kernelSkipReason();
  if (skip !== null) usage(script, `cannot run: ${skip}`);
}

export const ARTIFACT = <T extends string>(values: readonly T[], fallback: T): Choice<T> => ({
  values,
  default: fallback,
});
export const FAMILY: Choice<'first' | 'ipv6'> = { values: ['first', 'ipv6'], default: 'first' };

/**
 * One case of a campaign, or null when the case itself threw (the model, the edit, the packets or
 * the harness: not a finding about what the campaign checks). That is still a problem: counted in
 * `tally` and printed with the label that names its seed, and the campaign goes on.
 */
export async function caseOrProblem<T>(
  label: string,
  tally: { problems: number },
  run: () => T | Promise<T>,
): Promise<T | null> {
  try {
    return await run();
  } catch (e) {
    tally.problems++;
    console.log(`${label}: the case threw: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}
