// The command line of a bench script: node:util parseArgs, with a bad option a usage error (exit 2)
// that names it, never a stack trace (as the campaign scripts' scripts/campaign-args.ts).
import { type ParseArgsConfig, parseArgs } from 'node:util';

export function benchArgs<T extends ParseArgsConfig>(script: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    console.error(`${script}: ${(e as Error).message}`);
    process.exit(2);
  }
}
