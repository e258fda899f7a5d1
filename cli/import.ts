// PLACEHOLDER — replaced by the real `ksvc import` implementation.
import type { Command } from './command.ts';
import { EXIT_USAGE } from './io.ts';

export const importCommand: Command = {
  name: 'import',
  summary: '(not implemented yet)',
  help: 'ksvc import: not implemented yet\n',
  run(_argv, io) {
    io.stderr('ksvc import: not implemented yet\n');
    return EXIT_USAGE;
  },
};
