// PLACEHOLDER — replaced by the real `ksvc compile` implementation.
import type { Command } from './command.ts';
import { EXIT_USAGE } from './io.ts';

export const compileCommand: Command = {
  name: 'compile',
  summary: '(not implemented yet)',
  help: 'ksvc compile: not implemented yet\n',
  run(_argv, io) {
    io.stderr('ksvc compile: not implemented yet\n');
    return EXIT_USAGE;
  },
};
