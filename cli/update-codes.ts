// What `ksvc compile FILE --since OLD` reports when it writes no update: data like every other
// finding, so `--output json` and `--output github` carry it (the file is FILE, no position).
import { defineCodes } from '../common/diagnostics.ts';

export const { codes: updateCodes, table: updateCodeTable } = defineCodes({
  /** The backend cannot express the change as an update (iptables: a chain a hook still jumps to). */
  'update-refused': {
    severity: 'error',
    message: (since: string, why: string) => `no update from ${since} is written: ${why}`,
  },
  /** `--prove`: the update, applied to OLD's ruleset, does not route every packet as FILE's. */
  'update-not-proven': {
    severity: 'error',
    message: (since: string, difference: string) =>
      `the update from ${since} is not proven, nothing written: ${difference}`,
  },
});
