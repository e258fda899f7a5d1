// The signals that end a command, caught while a temporary output file exists (output-file.ts) so
// that the file is removed before the command ends by that signal.
import { constants as osConstants } from 'node:os';

/**
 * Signals that end a command (Ctrl-C, `kill`, a closed terminal). While a temporary file exists
 * each is caught, so that the file is removed before the command ends by that signal: its default
 * action would end the process at once and leave `.ksvc-….tmp` behind (SIGKILL still does).
 */
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type EndingSignal = (typeof ENDING_SIGNALS)[number];

export interface SignalWatch {
  caught(): EndingSignal | null;
  stop(): void;
}

export function watchEndingSignals(): SignalWatch {
  let caught: EndingSignal | null = null;
  const on = (signal: EndingSignal) => {
    caught ??= signal;
  };
  for (const s of ENDING_SIGNALS) process.on(s, on);
  return {
    caught: () => caught,
    stop: () => {
      for (const s of ENDING_SIGNALS) process.off(s, on);
    },
  };
}

/**
 * End the process by `signal` as its default action would (the exit status a shell reads as
 * interrupted): with no listener left its disposition is the default again.
 */
export function endBy(signal: EndingSignal): never {
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  process.exit(128 + osConstants.signals[signal]); // if the signal did not end it
}

/**
 * A signal is handled by Node's event loop only: the chunks are rendered and written synchronously,
 * so the loop is let run between them: every TURN_MS, not after each 64 KiB chunk (a thousand turns
 * on a 60 MB ruleset).
 */
export const TURN_MS = 25;
export const signalsHandled = () => new Promise<void>((resolve) => setImmediate(resolve));
