// Text from artifacts (rule lines, chain names) reaches the terminal only with control characters
// made visible: a planted ESC or CR in a ruleset must not retitle or rewrite the user's terminal.
import { escapeControls } from '../common/diagnostics.ts';

export { escapeControls as escapeForTerminal };

/**
 * A message of several lines (a kernel tool's error output quoted in it; or a file name or a flag
 * the user typed that holds a line break): each line escaped, and every line after the first
 * marked as a continuation. A line of its own could pass for another message of ksvc's, or for a
 * GitHub workflow command (`::error file=…::`, which the runner reads on stderr too, after leading
 * spaces): `  | ` starts it instead.
 */
export const escapeLines = (message: string): string => message.split('\n').map(escapeControls).join('\n  | ');
