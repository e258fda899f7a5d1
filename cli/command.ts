// The shape of a subcommand: one file per subcommand under cli/, listed in cli/commands.ts. A
// command module imports only what its help and argument parsing need; the library (api/) is
// loaded inside run(), so `ksvc --help` and `ksvc NAME --help` load nothing heavy.
import type { CliIO } from './io.ts';

export interface Command {
  name: string;
  /** Full text for `ksvc NAME --help`. */
  help: string;
  /** Returns the exit code (cli/io.ts EXIT_*). Must not throw for any user input. */
  run(argv: string[], io: CliIO): Promise<number> | number;
}
