// The comment `ksvc import` puts at the top of the .ksvc file it prints: which services of the input
// are not in the file, and why (kube-proxy writes nothing for them). Without it a reviewer cannot
// tell "kube-proxy ignores this service" from "ksvc lost it".
import type { SkippedService } from './index.ts';
import type { SkipReason } from './service.ts';

/** Names listed per reason; the rest are counted (a cluster may have thousands of headless services). */
export const NAMES_PER_REASON = 10;
const WIDTH = 100;

/** Why kube-proxy writes nothing for a service, as the comment's heading of a group. */
const skipReasonText = (r: SkipReason): string =>
  r === 'headless' ? 'headless (no cluster IP)' : r === 'external-name' ? 'type ExternalName' : `label ${r.label}`;

/**
 * Comment lines (each ending in a newline) naming the skipped services by reason, in input order;
 * '' when there are none. Names are valid DNS labels (the reader skips only objects
 * whose metadata is valid), so nothing here can end the comment early.
 */
export function notImportedComment(skipped: readonly SkippedService[]): string {
  if (skipped.length === 0) return '';
  const byReason = new Map<string, string[]>();
  for (const s of skipped) {
    const key = skipReasonText(s.reason);
    const names = byReason.get(key);
    const name = `${s.namespace}/${s.name}`;
    if (names) names.push(name);
    else byReason.set(key, [name]);
  }
  const lines = ['# Not imported: kube-proxy writes no rules for these services.'];
  for (const [reason, names] of byReason) {
    const shown = names.slice(0, NAMES_PER_REASON);
    const more = names.length - shown.length;
    const items = more > 0 ? [...shown, `and ${more} more`] : shown;
    lines.push(...wrapped(`#   ${reason}, ${names.length}: `, items));
  }
  return `${lines.join('\n')}\n`;
}

/** `head` then the items comma-separated, continued on `#     ` lines at WIDTH columns. */
function wrapped(head: string, items: readonly string[]): string[] {
  const lines: string[] = [];
  let line = head;
  let first = true;
  for (const [i, item] of items.entries()) {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (!first && line.length + 1 + piece.length > WIDTH) {
      lines.push(line);
      line = `#     ${piece}`;
    } else {
      line += first ? piece : ` ${piece}`;
    }
    first = false;
  }
  lines.push(line);
  return lines;
}
