// A quick accept for rule objects in the forms ksvc writes (42,000 rules at 10,000 services):
// the statements and expressions below with their exact keys, anything else left to the schema's
// generated validator, which decides and words the errors. ajv's code allocates an options object
// and an instance path per nested value (about 0.2 s of CPU and its garbage at that size).
// Whatever this accepts the schema accepts (test/verifier/nft-fast-rule.test.ts holds it to the
// generated validators on random values).
import { isCount, isLeaf, isName, isTarget, keysWithin, onlyKey } from './fast-element.ts';
import { isObject } from './values.ts';

type Obj = Record<string, unknown>;

const RULE_KEYS = ['family', 'table', 'chain', 'handle', 'index', 'comment', 'expr'] as const;

/** A subset of the schema's `rule`. */
export function isPlainRule(v: unknown): boolean {
  if (!isObject(v) || !keysWithin(v, RULE_KEYS)) return false;
  if ((v.family !== 'ip' && v.family !== 'ip6') || !isName(v.table) || !isName(v.chain)) return false;
  if (v.handle !== undefined && !isCount(v.handle)) return false;
  if (v.index !== undefined && !isCount(v.index)) return false;
  if (v.comment !== undefined && !(typeof v.comment === 'string' && v.comment.length <= 256)) return false;
  return Array.isArray(v.expr) && v.expr.every(isPlainStatement);
}

const MATCH_OPS = ['==', '!=', '<', '>', '<=', '>=', 'in', '!'];
const VERDICTS = ['accept', 'drop', 'return', 'continue'];

/** `{k: v}` bodies with exactly the keys `required` (and optionally `optional`), each checked. */
function hasKeys(o: unknown, required: readonly string[], optional: readonly string[] = []): o is Obj {
  if (!isObject(o)) return false;
  for (const k of required) if (!(k in o) || o[k] === undefined) return false;
  for (const k in o) if (!required.includes(k) && !optional.includes(k)) return false;
  return true;
}

function isPlainStatement(v: unknown): boolean {
  if (!isObject(v)) return false;
  const key = onlyKey(v);
  const b = key === null ? undefined : v[key];
  switch (key) {
    case 'accept':
    case 'drop':
    case 'return':
    case 'continue':
    case 'counter':
    case 'masquerade':
      return b === null;
    case 'jump':
    case 'goto':
      return isTarget(b);
    case 'match':
      return (
        hasKeys(b, ['op', 'left', 'right']) && MATCH_OPS.includes(b.op as string) && isExpr(b.left) && isExpr(b.right)
      );
    case 'mangle':
      return hasKeys(b, ['key', 'value']) && isExpr(b.key) && isExpr(b.value);
    case 'vmap':
      return isMapExpr(b);
    case 'set':
      return (
        hasKeys(b, ['op', 'elem', 'set']) &&
        (b.op === 'add' || b.op === 'update') &&
        isExpr(b.elem) &&
        typeof b.set === 'string' &&
        b.set.startsWith('@')
      );
    case 'dnat':
      return (
        hasKeys(b, ['addr'], ['family', 'port']) &&
        isExpr(b.addr) &&
        (b.family === undefined || b.family === 'ip' || b.family === 'ip6') &&
        (b.port === undefined || isExpr(b.port))
      );
    default:
      return false;
  }
}

const isMapExpr = (v: unknown): boolean => hasKeys(v, ['key', 'data']) && isExpr(v.key) && isExpr(v.data);

const PROTOCOLS = ['ip', 'ip6', 'tcp', 'udp', 'sctp', 'th'];
const FIELDS = ['saddr', 'daddr', 'protocol', 'nexthdr', 'sport', 'dport'];
const META_KEYS = ['l4proto', 'mark', 'iifname', 'oifname', 'random', 'nftrace'];
const ADDRESS_BITS = 128;
const U32 = 4294967295;

const isIntIn = (v: unknown, min: number, max: number): boolean =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

const isExprList = (v: unknown, min: number): boolean => Array.isArray(v) && v.length >= min && v.every(isExpr);

/** A subset of the schema's `expression`. */
function isExpr(v: unknown): boolean {
  if (isLeaf(v)) return true;
  if (Array.isArray(v)) return v.every(isExpr);
  if (!isObject(v)) return false;
  const key = onlyKey(v);
  const b = key === null ? undefined : v[key];
  switch (key) {
    case 'payload':
      return (
        hasKeys(b, ['protocol', 'field']) &&
        PROTOCOLS.includes(b.protocol as string) &&
        FIELDS.includes(b.field as string)
      );
    case 'meta':
      return hasKeys(b, ['key']) && META_KEYS.includes(b.key as string);
    case 'ct':
      return hasKeys(b, ['key']) && (b.key === 'state' || b.key === 'status');
    case 'fib':
      return (
        hasKeys(b, ['result', 'flags']) &&
        b.result === 'type' &&
        (Array.isArray(b.flags) ? b.flags.length === 1 && isAddrFlag(b.flags[0]) : isAddrFlag(b.flags))
      );
    case 'numgen':
      return (
        hasKeys(b, ['mode', 'mod'], ['offset']) &&
        b.mode === 'random' &&
        isIntIn(b.mod, 1, U32) &&
        (b.offset === undefined || isIntIn(b.offset, 0, U32))
      );
    case 'concat':
      return isExprList(b, 1);
    case 'prefix':
      return hasKeys(b, ['addr', 'len']) && isExpr(b.addr) && isIntIn(b.len, 0, ADDRESS_BITS);
    case 'range':
      return isExprList(b, 2) && (b as unknown[]).length === 2;
    case 'set':
      return isExpr(b);
    case 'map':
      return isMapExpr(b);
    case '&':
    case '|':
    case '^':
      return isExprList(b, 2);
    case 'jump':
    case 'goto':
      return isTarget(b);
    default:
      return key !== null && VERDICTS.includes(key) && b === null;
  }
}

const isAddrFlag = (v: unknown): boolean => v === 'saddr' || v === 'daddr';
