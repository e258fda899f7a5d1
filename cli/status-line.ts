// A transient status line on standard error, for commands that run long (verify at 10,000
// services: about a minute). Only where io.statusLine says stderr is a terminal: a pipe, a file or
// a CI log never receives it. The line is redrawn in place (carriage return, erase line) at most
// every `everyMs`, except when its stage changes, and erased before the command prints anything.
import type { CliIO } from './io.ts';

export interface StatusLine {
  /** show `text` (`stage` names what it is about: a new stage is shown at once) */
  show(stage: string, text: string): void;
  /** erase the line, if one is shown */
  clear(): void;
}

const ERASE = '\r\x1b[2K';

export const NO_STATUS_LINE: StatusLine = { show: () => {}, clear: () => {} };

export function statusLine(io: CliIO, now: () => number = Date.now, everyMs = 200): StatusLine {
  if (!io.statusLine) return NO_STATUS_LINE;
  let shown = false;
  let lastStage = '';
  let lastAt = Number.NEGATIVE_INFINITY;
  return {
    show(stage, text) {
      const t = now();
      if (stage === lastStage && t - lastAt < everyMs) return;
      lastStage = stage;
      lastAt = t;
      io.stderr(`${ERASE}${text}`);
      shown = true;
    },
    clear() {
      if (!shown) return;
      io.stderr(ERASE);
      shown = false;
    },
  };
}
