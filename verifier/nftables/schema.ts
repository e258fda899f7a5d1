// The verifier's own JSON Schema (schema.json, draft 2020-12, ajv 8 strict) and the mapping of
// ajv's errors to diagnostics. The envelope is checked once for the whole document; objects of the
// tables the verifier reads are checked one by one against their $defs, so a foreign table
// (iptables-nft's xt statements, firewalld's inet table) never fails the document. The validators
// are ajv's code for the schema, compiled ahead of time (schema-validators.generated.js, written by
// scripts/nft-validators.ts): compiling it on first use took a third of verifying a small file.
import type { ErrorObject } from 'ajv';
import type { DiagnosticSink } from './diagnostics.ts';
import { isPlainElementObject } from './fast-element.ts';
import { isPlainRule } from './fast-rule.ts';
import { child } from './pointer.ts';
// Imported, not read at run time, so the bundle (dist/) carries it (Node >= 20.10 reads `with`).
import schemaDocument from './schema.json' with { type: 'json' };
import {
  chain,
  chainRef,
  element,
  envelope,
  expression,
  item,
  map,
  rule,
  set,
  setRef,
  statement,
  table,
  tableRef,
} from './schema-validators.generated.js';

/** The generated validator of each object shape checked in scope (by $defs name). */
const SHAPE_VALIDATORS = {
  item,
  table,
  tableRef,
  chain,
  chainRef,
  rule,
  set,
  map,
  setRef,
  element,
  statement,
  expression,
} as const;

/** The object shapes checked in scope ($defs names): one generated validator each. */
export type ObjectShape = keyof typeof SHAPE_VALIDATORS;

type Kind = 'nft-unknown-statement' | 'nft-unknown-expression' | 'nft-unknown-command';

/**
 * The definitions whose closed property list names a statement, an expression, a command, by their
 * JSON: an error's schema object (ajv's verbose errors) is the generated module's copy of one.
 */
let kinds: Map<string, Kind> | null = null;
function kindOf(parentSchema: unknown): Kind | undefined {
  const defs = schemaDocument.$defs as Record<string, unknown>;
  kinds ??= new Map([
    [JSON.stringify(defs.statement), 'nft-unknown-statement'],
    [JSON.stringify(defs.expressionObject), 'nft-unknown-expression'],
    [JSON.stringify(defs.item), 'nft-unknown-command'],
  ]);
  return kinds.get(JSON.stringify(parentSchema));
}

/** The JSON Schema itself (for documentation and tests). */
export const verifierSchema = (): unknown => structuredClone(schemaDocument);

/** Check the document's envelope; false (with a diagnostic) when it fails. */
export function checkEnvelope(doc: unknown, sink: DiagnosticSink): boolean {
  if (envelope(doc)) return true;
  reportSchemaError(envelope.errors ?? [], '', sink);
  return false;
}

/**
 * How many levels of arrays and objects may nest inside an item. nft's documents and listings nest
 * at most 14; ajv's validators recurse once per level with large frames, and would run out of
 * stack near 1,000 levels.
 */
export const MAX_NESTING = 64;

/**
 * Whether `value` (an item at `pointer`) nests at most MAX_NESTING levels deep; else reported at
 * the first value past the bound. Checked once per item, before any of it is validated.
 */
export function checkNesting(value: unknown, pointer: string, sink: DiagnosticSink): boolean {
  const deep = nestedBeyond(value, MAX_NESTING);
  if (deep === null) return true;
  const at = deep.reduce<string>((p, token) => child(p, token), pointer);
  sink.report('nft-schema', at, `a value nested more than ${MAX_NESTING} levels deep`);
  return false;
}

/** Check one object in scope against its shape; `pointer` is where the object sits in the document. */
export function checkShape(shape: ObjectShape, value: unknown, pointer: string, sink: DiagnosticSink): boolean {
  // Element lists in the plain form are accepted without the generated validator (fast-element.ts).
  if (shape === 'element' && isPlainElementObject(value)) return true;
  // Rules in the forms ksvc writes likewise (fast-rule.ts).
  if (shape === 'rule' && isPlainRule(value)) return true;
  const v = SHAPE_VALIDATORS[shape];
  if (v(value)) return true;
  reportSchemaError(v.errors ?? [], pointer, sink);
  return false;
}

/**
 * The path to the first array or object below `value` that is more than `levels` levels deep, or
 * null. Recursion bounded by `levels`, and nothing allocated on the way when the value is fine.
 */
function nestedBeyond(value: unknown, levels: number): (string | number)[] | null {
  if (typeof value !== 'object' || value === null) return null;
  if (levels === 0) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const path = nestedBeyond(value[i], levels - 1);
      if (path !== null) return [i, ...path];
    }
    return null;
  }
  for (const key in value) {
    const path = nestedBeyond((value as Record<string, unknown>)[key], levels - 1);
    if (path !== null) return [key, ...path];
  }
  return null;
}

/** The most telling of ajv's errors (allErrors is off: the first failure and its if/anyOf wrappers). */
function pick(errors: readonly ErrorObject[]): ErrorObject | undefined {
  return errors.find((e) => e.keyword !== 'if') ?? errors[0];
}

function reportSchemaError(errors: readonly ErrorObject[], base: string, sink: DiagnosticSink): void {
  const e = pick(errors);
  if (!e) {
    sink.report('nft-schema', base, 'invalid');
    return;
  }
  const pointer = base + e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? String((e.params as { additionalProperty: string }).additionalProperty)
      : null;
  const kind = extra !== null ? kindOf(e.parentSchema) : undefined;
  if (kind !== undefined) {
    sink.report(kind, pointer, extra!);
    return;
  }
  const where = pointer === '' ? 'the document' : pointer;
  const what = extra !== null ? `property '${extra}' is not allowed here` : (e.message ?? 'invalid');
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
  sink.report(
    'nft-schema',
    pointer,
    `${where}: ${what}${allowed ? ` (${allowed.map((a) => JSON.stringify(a)).join(', ')})` : ''}`,
  );
}
