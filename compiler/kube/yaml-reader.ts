// Typed, located access to YAML/JSON Kubernetes objects. The yaml package (2.9) keeps a source
// range on every node; each value read here carries its file, span and field path
// ("items[2].spec.ports[1].protocol"), so every diagnostic points at the exact YAML node.
// Reading is forgiving in one way only: a field that is absent or null is "unset", as the
// Kubernetes API treats it. Wrong types are reported and read as unset. A file's objects are found
// by read-objects.ts.
import { isAlias, isMap, isScalar, isSeq, type YAMLMap, type Node as YNode } from 'yaml';
import type { Diagnostic } from '../../common/diagnostics.ts';
import { closestKeyword } from '../../common/did-you-mean.ts';
import { type SourceFile, SourceSpan, type Span, spanOf } from '../../common/source.ts';
import { kubeCodes } from './codes.ts';
import type { ErrorBudget } from './error-budget.ts';
import { goYamlBool, hasGoYamlNumberSyntax } from './go-yaml-scalars.ts';

/** Where a value is: file, span of the value, field path inside the top-level object. */
export interface Loc {
  file: string;
  span: Span | null;
  path: string;
}

/** The reading context of one source file: where diagnostics go. */
export interface ReadCtx {
  source: SourceFile;
  diags: Diagnostic[];
  /** the file's error budget: reading stops when it is spent (error-budget.ts) */
  budget: ErrorBudget;
}

/** A YAML value with its location. `keySpan` is the span of the key that named it (for "missing" errors). */
export interface Val {
  node: YNode;
  loc: Loc;
  keySpan: Span | null;
  ctx: ReadCtx;
}

/**
 * Where a value is, without the value: what a diagnostic needs. Reads kept past their object keep
 * this instead of the Val, so the object's nodes can go as soon as it is read.
 */
export type Located = Pick<Val, 'loc' | 'keySpan' | 'ctx'>;

export const located = (v: Val): Located => ({ loc: v.loc, keySpan: v.keySpan, ctx: v.ctx });

/** A mapping value. */
export interface MapVal extends Val {
  node: YAMLMap;
}

/**
 * A node's span, its positions computed when read (common/source.ts SourceSpan): every field read
 * makes two, for a value's and its key's diagnostics, and nearly none is ever read — computing
 * line and column eagerly was a fifth of importing 10,000 services.
 */
export const nodeSpan = (ctx: ReadCtx, node: YNode | null | undefined): Span | null => {
  const r = node?.range;
  return r ? new SourceSpan(ctx.source, r[0], r[1]) : null;
};

export const childPath = (path: string, key: string): string => {
  const k = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `['${key}']`;
  if (path === '') return k.startsWith('[') ? k : k;
  return k.startsWith('[') ? `${path}${k}` : `${path}.${k}`;
};

export const itemPath = (path: string, i: number): string => `${path}[${i}]`;

/** The diagnostic location of a value (file, span, path). */
export const where = (v: Located, hint?: string): { file: string; span: Span | null; path: string; hint?: string } =>
  hint === undefined ? { ...v.loc } : { ...v.loc, hint };

/** Describe a node for "found ..." messages. */
export function describe(node: YNode): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return 'an alias (not supported)';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') return `a string ("${v.length > 40 ? `${v.slice(0, 40)}…` : v}")`;
    if (typeof v === 'number') return `a number (${node.source ?? v})`;
    if (typeof v === 'boolean') return `a boolean (${v})`;
    if (v === null) return 'null';
  }
  return 'a value of another type';
}

export const isNullNode = (node: YNode | null | undefined): boolean =>
  node == null || (isScalar(node) && node.value === null);

/** The field `key` of a mapping; undefined when absent or null (the API's "unset"). */
export function field(m: MapVal, key: string): Val | undefined {
  for (const pair of m.node.items) {
    const k = pair.key as YNode | null;
    if (!isScalar(k) || String(k.value) !== key) continue;
    const value = pair.value as YNode | null;
    if (isNullNode(value)) return undefined;
    return {
      node: value!,
      loc: { file: m.loc.file, span: nodeSpan(m.ctx, value), path: childPath(m.loc.path, key) },
      keySpan: nodeSpan(m.ctx, k),
      ctx: m.ctx,
    };
  }
  return undefined;
}

export function wrongType(v: Val, fieldName: string, want: string): undefined {
  v.ctx.diags.push(kubeCodes['wrong-type'](where(v), fieldName, want, describe(v.node)));
  return undefined;
}

export const lastSegment = (path: string): string => {
  const m = /(?:\.|^)([^.[]+)$|\['([^']+)'\]$|(\[\d+\])$/.exec(path);
  return m ? (m[1] ?? m[2] ?? path) : path;
};

/** Report a missing required field `key` of `m`, at the mapping's key (or its start). */
export function missing(m: MapVal, key: string): undefined {
  const span = m.keySpan ?? m.loc.span;
  const point = span ? { start: span.start, end: span.end } : null;
  m.ctx.diags.push(
    kubeCodes['missing-field'](
      { file: m.loc.file, span: point, path: childPath(m.loc.path, key) },
      childPath(m.loc.path, key),
    ),
  );
  return undefined;
}

export function asMap(v: Val | undefined): MapVal | undefined {
  if (!v) return undefined;
  if (isMap(v.node)) return v as MapVal;
  return wrongType(v, lastSegment(v.loc.path), 'a mapping');
}

export function asSeq(v: Val | undefined): Val[] | undefined {
  if (!v) return undefined;
  if (!isSeq(v.node)) return wrongType(v, lastSegment(v.loc.path), 'a list');
  const out: Val[] = [];
  v.node.items.forEach((item, i) => {
    const node = item as YNode | null;
    const loc = { file: v.loc.file, span: nodeSpan(v.ctx, node), path: itemPath(v.loc.path, i) };
    // A null list item is kept as an empty scalar so the caller reports the type.
    if (node == null) return;
    out.push({ node, loc, keySpan: loc.span, ctx: v.ctx });
  });
  return out;
}

export function asString(v: Val | undefined): string | undefined {
  if (!v) return undefined;
  if (isScalar(v.node) && typeof v.node.value === 'string') {
    if (goYamlBoolText(v) !== undefined) return yaml11Bool(v, 'a string');
    const plain = plainText(v);
    if (plain !== undefined && hasGoYamlNumberSyntax(plain)) {
      // `0b1`, `1_000`, `+0x1f`: strings to YAML 1.2, numbers to go-yaml v2 (the API refuses them)
      v.ctx.diags.push(
        kubeCodes['wrong-type'](
          where(
            v,
            `Kubernetes reads YAML 1.1, where unquoted ${plain} is a number; quote it ("${plain}") to mean the string`,
          ),
          lastSegment(v.loc.path),
          'a string',
          `the number ${plain}`,
        ),
      );
      return undefined;
    }
    return v.node.value;
  }
  return wrongType(v, lastSegment(v.loc.path), 'a string');
}

// Tags go-yaml v2 resolves a plain scalar's text by (resolve.go resolvableTag, less !!str); any
// other tag (`!!str`, a local `!foo`) leaves the text a string.
const GO_YAML_RESOLVED_TAGS = new Set(['int', 'float', 'bool', 'timestamp'].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * The text of a plain (unquoted) YAML scalar, as written; undefined for anything else. A scalar
 * tagged `!!str` (or a local tag such as `!foo`) is a string to go-yaml v2 (and so to Kubernetes), whatever its text: `!!str 8080`
 * is "8080" and `!!str false` is "false", not an integer or a boolean; the yaml package's value
 * (the string) is then the reading.
 */
export function plainText(v: Val): string | undefined {
  const n = v.node;
  if (!isScalar(n) || n.type !== 'PLAIN' || !n.range) return undefined;
  if (n.tag !== undefined && !GO_YAML_RESOLVED_TAGS.has(n.tag)) return undefined;
  return v.ctx.source.text.slice(n.range[0], n.range[1]);
}

/** A plain scalar Kubernetes reads as a boolean though YAML 1.2 reads a string (`on`, `yes`, `n`). */
export const goYamlBoolText = (v: Val): string | undefined => {
  const plain = plainText(v);
  return plain !== undefined && goYamlBool(plain) !== undefined ? plain : undefined;
};

/** The error for such a scalar where a string is wanted: the API server would refuse a boolean. */
export function yaml11Bool(v: Val, want: string): undefined {
  const text = goYamlBoolText(v)!;
  v.ctx.diags.push(
    kubeCodes['wrong-type'](
      where(
        v,
        `Kubernetes reads YAML 1.1, where unquoted ${text} is a boolean; quote it ("${text}") to mean the string`,
      ),
      lastSegment(v.loc.path),
      want,
      `the boolean ${text}`,
    ),
  );
  return undefined;
}

// Shorthands: read field `key` of `m` with a type.
export const getMap = (m: MapVal, key: string): MapVal | undefined => asMap(field(m, key));
export const getSeq = (m: MapVal, key: string): Val[] | undefined => asSeq(field(m, key));
export const getString = (m: MapVal, key: string): string | undefined => asString(field(m, key));

/** Read an enum-valued string field; reports unsupported values. */
export function readEnum<T extends string>(m: MapVal, key: string, allowed: readonly T[]): T | undefined {
  const v = field(m, key);
  const s = asString(v);
  if (s === undefined || !v) return undefined;
  if ((allowed as readonly string[]).includes(s)) return s as T;
  const hint = closestKeyword(s, allowed);
  m.ctx.diags.push(
    kubeCodes['unsupported-value'](where(v, hint ? `did you mean '${hint}'?` : undefined), key, s, allowed.join(', ')),
  );
  return undefined;
}

/** A value written as the empty string (`""`), told apart without reporting anything. */
export const isEmptyString = (v: Val): boolean => isScalar(v.node) && v.node.value === '';

/**
 * An enum the API server defaults when it is unset or empty: SetDefaults_Service runs before
 * validation, so `type: ""` is a ClusterIP service and `protocol: ""` is TCP. The default then;
 * otherwise readEnum.
 */
export function readEnumOr<T extends string>(m: MapVal, key: string, allowed: readonly T[], dflt: T): T | undefined {
  const v = field(m, key);
  return !v || isEmptyString(v) ? dflt : readEnum(m, key, allowed);
}

/** A list of strings: each item with its location; wrong-typed items are reported and dropped. */
export function getStringList(m: MapVal, key: string): { value: string; at: Val }[] {
  const items = getSeq(m, key) ?? [];
  const out: { value: string; at: Val }[] = [];
  for (const it of items) {
    const s = asString(it);
    if (s !== undefined) out.push({ value: s, at: it });
  }
  return out;
}

/** A test for "an error was reported since this call" (cheap: looks only at new diagnostics). */
export function errorsSince(diags: readonly Diagnostic[]): () => boolean {
  const start = diags.length;
  return () => {
    for (let i = start; i < diags.length; i++) if (diags[i]!.severity === 'error') return true;
    return false;
  };
}

/** Warn about keys of `m` that are not in `known` (typos such as `prots:`). */
export function checkKnownFields(m: MapVal, known: ReadonlySet<string>, whereName: string): void {
  for (const pair of m.node.items) {
    const k = pair.key as YNode | null;
    if (!isScalar(k)) continue;
    const key = String(k.value);
    if (known.has(key)) continue;
    if (key === '<<' && k.type === 'PLAIN') {
      m.ctx.diags.push(kubeCodes['yaml-merge-key']({ file: m.loc.file, span: nodeSpan(m.ctx, k), path: m.loc.path }));
      continue;
    }
    m.ctx.diags.push(
      kubeCodes['unknown-field'](
        { file: m.loc.file, span: nodeSpan(m.ctx, k), path: childPath(m.loc.path, key) },
        key,
        whereName,
      ),
    );
  }
}

/** A span covering just the start of a value (its first line), for object-level diagnostics. */
export function firstLine(v: Located): Span | null {
  const s = v.loc.span;
  if (!s) return null;
  const src = v.ctx.source;
  const lineEnd = src.lineStarts[s.start.line] !== undefined ? src.lineStarts[s.start.line]! - 1 : src.text.length;
  return spanOf(src, s.start.offset, Math.min(s.end.offset, Math.max(s.start.offset, lineEnd)));
}
