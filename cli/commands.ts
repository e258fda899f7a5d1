// The subcommand table (dispatch order = help order).
import type { Command } from './command.ts';
import { checkCommand } from './check.ts';
import { fmtCommand } from './fmt.ts';
import { compileCommand } from './compile.ts';
import { importCommand } from './import.ts';

export const commands: readonly Command[] = [checkCommand, fmtCommand, compileCommand, importCommand];
