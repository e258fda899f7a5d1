// Text from artifacts (rule lines, chain names) reaches the terminal only with control characters
// made visible: a planted ESC or CR in a ruleset must not retitle or rewrite the user's terminal.
export { escapeControls as escapeForTerminal } from '../common/diagnostics.ts';
