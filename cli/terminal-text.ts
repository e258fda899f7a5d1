// Text from artifacts (rule lines, chain names) reaches the terminal only with control characters
// made visible: a planted ESC or CR in a ruleset must not retitle or rewrite the user's terminal.
import { escapeControls } from '../common/diagnostics.ts';

export { escapeControls as escapeForTerminal };

/**
 * A message of several lines (a file name, a flag the user typed, an error's words inside): each
 * line escaped, the line breaks kept.
 */
export const escapeLines = (message: string): string => message.split('\n').map(escapeControls).join('\n');
