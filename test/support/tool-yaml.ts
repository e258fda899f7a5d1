// Tool-style YAML at random, for the fast YAML path's tests (kube-yaml-fast, kube-list-stream):
// values of every kind (strings that look like numbers, keywords or YAML syntax), written the way
// tools write them — compact or indented sequences, plain or quoted strings, literal blocks — so
// that the fast path must read every text `emitDocuments` gives (but flow sequences in sequences,
// which it declines), and random edits of them.
import fc from 'fast-check';

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
/** Strings a tool writes plain or quoted: words, addresses, numbers and keywords as text, odd spellings. */
const text = fc.oneof(
  word,
  fc.constantFrom('10.0.0.1', 'fd00::1', 'TCP', 'true', 'True', 'null', '~', '', '123', '0x1F', '0o17', '1e3', '.inf'),
  fc.constantFrom(
    '-1',
    '.5',
    '1.50',
    'a: b',
    'a #b',
    'a#b',
    'x:',
    "it's",
    'say "hi"',
    'a\\b',
    'http://x:80/p',
    ' lead',
    'trail ',
  ),
  fc.stringMatching(/^[ -~]{0,12}$/),
);
const keyText = fc.oneof(
  word,
  fc.constantFrom(
    'app.kubernetes.io/name',
    'kubernetes.io/service-name',
    'a b',
    '1',
    'true',
    '"q"',
    'f:metadata',
    '.',
    '/x',
    'a:',
  ),
);
export const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer({ min: -5, max: 70000 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(keyText, tie('v'), { maxKeys: 5 }),
  ),
})).v;

/** How one emitter writes: compact sequences (kubectl) or indented ones, and how it quotes. */
export interface Style {
  compact: boolean;
  quote: 'double' | 'single' | 'plain-when-safe';
  literal: boolean;
}

const SAFE_PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./: -]*[A-Za-z0-9_./-]$|^[A-Za-z0-9_./]$/;

function scalarText(v: string | number | boolean | null, s: Style): string {
  if (typeof v !== 'string') return String(v);
  const plainOk =
    SAFE_PLAIN.test(v) &&
    !v.includes(': ') &&
    !v.includes(' #') &&
    !/^(?:true|false|null|~|[-+]?[0-9.]|0x|0o)/i.test(v);
  if (s.quote === 'plain-when-safe' && plainOk) return v;
  if (s.quote === 'single' && /^[ -~]*$/.test(v)) return `'${v.replaceAll("'", "''")}'`;
  return JSON.stringify(v);
}

function keyOf(k: string, s: Style): string {
  const plain = /^[A-Za-z./][A-Za-z0-9_./-]*(?::[A-Za-z0-9_./-]+)*$/.test(k) && !['true', 'null'].includes(k);
  return plain ? k : scalarText(k, { ...s, quote: 'double' });
}

/** `v` written as the value of a mapping key or a sequence entry at indentation `indent`. */
function emit(v: Value, indent: string, s: Style): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return ' []\n';
    const itemIndent = s.compact ? indent : `${indent}  `;
    return `\n${v.map((x) => `${itemIndent}-${emitItem(x, `${itemIndent}  `, s)}`).join('')}`;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) return ' {}\n';
    return `\n${keys.map((k) => `${indent}  ${keyOf(k, s)}:${emit(v[k]!, `${indent}  `, s)}`).join('')}`;
  }
  // a literal line starting with `#` reads as a comment line to the fast path, which declines it
  if (typeof v === 'string' && s.literal && /^[!-"$-~][ -~]*$/.test(v) && !v.endsWith(' ')) {
    return ` |-\n${indent}  ${v}\n`;
  }
  return ` ${scalarText(v, s)}\n`;
}

/** A sequence entry: a mapping starts on the dash's line. */
function emitItem(v: Value, indent: string, s: Style): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
    const keys = Object.keys(v);
    return keys
      .map((k, i) => `${i === 0 ? ' ' : indent}${keyOf(k, s)}:${emit(v[k]!, indent, s)}`)
      .join('')
      .replace(/^ /, ' ');
  }
  if (Array.isArray(v) && v.length > 0) return ` ${JSON.stringify(v)}\n`; // nested inline: declined
  return emit(v, indent, { ...s, literal: false });
}

export const document = fc.dictionary(keyText, value, { minKeys: 1, maxKeys: 6 });
export const style = fc.record({
  compact: fc.boolean(),
  quote: fc.constantFrom('double', 'single', 'plain-when-safe') as fc.Arbitrary<Style['quote']>,
  literal: fc.boolean(),
});

export function emitDocuments(docs: { [k: string]: Value }[], s: Style): string {
  return docs
    .map((d) =>
      Object.keys(d)
        .map((k) => `${keyOf(k, s)}:${emit(d[k]!, '', s)}`)
        .join(''),
    )
    .join('---\n');
}

/** What the edit properties insert: YAML's syntax characters, line breaks, indentation. */
export const EDIT_CHARS = ['\n', ' ', ':', '-', '#', '"', "'", '|', '{', '}', '[', ']', 'a', '1', '\\', '---\n', '  '];
