// The subcommand table (dispatch order = help order).

import { checkCommand } from './check.ts';
import type { Command } from './command.ts';
import { compileCommand } from './compile.ts';
import { fmtCommand } from './fmt.ts';
import { importCommand } from './import.ts';

export const commands: readonly Command[] = [checkCommand, fmtCommand, compileCommand, importCommand];
