// The shape of a subcommand: one file per subcommand under cli/, registered in cli/commands.ts.
import type { CliIO } from './io.ts';

export interface Command {
  name: string;
  /** One line for `ksvc --help`. */
  summary: string;
  /** Full text for `ksvc NAME --help`. */
  help: string;
  /** Returns the exit code (cli/io.ts EXIT_*). Must not throw for any user input. */
  run(argv: string[], io: CliIO): Promise<number> | number;
}
