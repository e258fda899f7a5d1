// What every check step shares: the file being checked and the list diagnostics go to.
import type { Diagnostic, RelatedLocation } from '../../common/diagnostics.ts';
import type { SourceFile, Span } from '../../common/source.ts';

export interface CheckContext {
  file: string;
  source: SourceFile;
  diagnostics: Diagnostic[];
  report(d: Diagnostic): void;
  /** How many diagnostics of this code were reported so far (to skip costly hints past the cap). */
  count(code: string): number;
  /** The `where` argument of a code factory, at a span of this file. */
  at(
    span: Span | null,
    extra?: { hint?: string; related?: RelatedLocation[] },
  ): {
    file: string;
    span: Span | null;
    hint?: string;
    related?: RelatedLocation[];
  };
  /** A related location in this file ("first declared here"). */
  related(message: string, span: Span | null): RelatedLocation;
}

export function makeContext(source: SourceFile): CheckContext {
  const diagnostics: Diagnostic[] = [];
  const counts = new Map<string, number>();
  const file = source.path;
  return {
    file,
    source,
    diagnostics,
    report: (d) => {
      diagnostics.push(d);
      counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
    },
    count: (code) => counts.get(code) ?? 0,
    at: (span, extra) => {
      const w: { file: string; span: Span | null; hint?: string; related?: RelatedLocation[] } = { file, span };
      if (extra?.hint !== undefined) w.hint = extra.hint;
      if (extra?.related !== undefined) w.related = extra.related;
      return w;
    },
    related: (message, span) => ({ message, file, span }),
  };
}
