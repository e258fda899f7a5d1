// PLACEHOLDER — replaced by the real `ksvc check` implementation.
import type { Command } from './command.ts';
import { EXIT_USAGE } from './io.ts';

export const checkCommand: Command = {
  name: 'check',
  summary: '(not implemented yet)',
  help: 'ksvc check: not implemented yet\n',
  run(_argv, io) {
    io.stderr('ksvc check: not implemented yet\n');
    return EXIT_USAGE;
  },
};
