// Validates a document against ksvc-nft.schema.json with ajv (draft 2020-12, strict mode).
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

export const SCHEMA_PATH = new URL('./ksvc-nft.schema.json', import.meta.url);

let compiled: ValidateFunction | null = null;

function validator(): ValidateFunction {
  if (compiled === null) {
    const schema: unknown = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    const ajv = new Ajv2020({ strict: true, allErrors: false });
    compiled = ajv.compile(schema as object);
  }
  return compiled as ValidateFunction;
}

/** null when the document is valid, else ajv's errors ("path: message" lines). */
export function schemaErrors(doc: unknown): string[] | null {
  const validate = validator();
  if (validate(doc)) return null;
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}
