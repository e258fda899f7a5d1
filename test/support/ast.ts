// An AST (or any plain data) without its `span` fields, for comparing shapes across parses.
export const stripSpans = (o: unknown): unknown =>
  Array.isArray(o)
    ? o.map(stripSpans)
    : o !== null && typeof o === 'object'
      ? Object.fromEntries(
          Object.entries(o)
            .filter(([k]) => k !== 'span')
            .map(([k, v]) => [k, stripSpans(v)]),
        )
      : o;
