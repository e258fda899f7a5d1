// An AST (or any plain data) without its `span` fields (nor a block's `brace`, the span of its
// '{'), for comparing shapes across parses. The
// written digits of number literals (`text` next to a numeric `value`) go too: tests compare values,
// and the digits are tested where they matter (messages, the formatter).
export const stripSpans = (o: unknown): unknown =>
  Array.isArray(o)
    ? o.map(stripSpans)
    : o !== null && typeof o === 'object'
      ? Object.fromEntries(
          Object.entries(o)
            .filter(
              ([k]) =>
                k !== 'span' &&
                k !== 'brace' &&
                !(k === 'text' && typeof (o as { value?: unknown }).value === 'number'),
            )
            .map(([k, v]) => [k, stripSpans(v)]),
        )
      : o;
