// PLACEHOLDER — replaced by the real `ksvc fmt` implementation.
import type { Command } from './command.ts';
import { EXIT_USAGE } from './io.ts';

export const fmtCommand: Command = {
  name: 'fmt',
  summary: '(not implemented yet)',
  help: 'ksvc fmt: not implemented yet\n',
  run(_argv, io) {
    io.stderr('ksvc fmt: not implemented yet\n');
    return EXIT_USAGE;
  },
};
