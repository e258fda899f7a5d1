// The same command list in nft's own syntax (`nft -f`), for review (`ksvc compile --format text`).
// It prints exactly the JSON subset document.ts writes (schema/ksvc-nft.schema.json); anything else
// is an error here.
/** A parsed JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

type Obj = { [key: string]: Json };

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const only = (o: Obj): [string, Json] => {
  const entries = Object.entries(o);
  if (entries.length !== 1) throw new Error(`nft text: expected one key, got ${Object.keys(o).join(',')}`);
  return entries[0]!;
};
const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
const quote = (s: string): string => `"${s}"`;

/** meta/ct values (marks, random bits, status) print in hex; ports and addresses as themselves. */
function isBitField(e: Json): boolean {
  if (!isObj(e)) return false;
  if ('meta' in e || 'ct' in e) return true;
  const inner = e['&'] ?? e['|'] ?? e['^'];
  return Array.isArray(inner) && isBitField(inner[0]!);
}

function expr(e: Json, ctx: { ifname?: boolean } = {}): string {
  if (typeof e === 'number') return String(e);
  if (typeof e === 'string') return ctx.ifname ? quote(e) : e;
  if (Array.isArray(e)) return e.map((x) => expr(x, ctx)).join(',');
  if (!isObj(e)) throw new Error(`nft text: unsupported expression ${JSON.stringify(e)}`);
  const [k, v] = only(e);
  const o = v as Obj;
  switch (k) {
    case 'payload':
      return `${o.protocol} ${o.field}`;
    case 'meta':
      return `meta ${o.key}`;
    case 'ct':
      return `ct ${o.key}`;
    case 'fib':
      return `fib ${(o.flags as string[]).join(' . ')} ${o.result}`;
    case 'concat':
      return (v as Json[]).map((x) => expr(x)).join(' . ');
    case 'prefix':
      return `${o.addr}/${o.len}`;
    case 'elem':
      return `${expr(o.val!)} comment ${quote(String(o.comment))}`;
    case 'map':
      return `${expr(o.key!)} map ${expr(o.data!)}`;
    case '&':
    case '|':
    case '^': {
      const [l, r] = v as Json[];
      return `${expr(l!)} ${k} ${typeof r === 'number' && isBitField(l!) ? hex(r) : expr(r!)}`;
    }
    default:
      throw new Error(`nft text: unsupported expression ${k}`);
  }
}

function stmt(s: Json): string {
  if (!isObj(s)) throw new Error(`nft text: unsupported statement ${JSON.stringify(s)}`);
  const [k, v] = only(s);
  const o = v as Obj;
  switch (k) {
    case 'match': {
      const left = o.left!;
      const ifname = isObj(left) && isObj(left.meta ?? null) && (left.meta as Obj).key === 'iifname';
      const binop = isObj(left) && ('&' in left || '|' in left || '^' in left);
      const right =
        typeof o.right === 'number' && binop && o.right !== 0 && o.op !== '<'
          ? hex(o.right)
          : expr(o.right!, { ifname });
      const op = o.op === 'in' || (o.op === '==' && !binop) ? '' : `${o.op} `;
      return `${expr(left)} ${op}${right}`;
    }
    case 'vmap':
      return `${expr(o.key!)} vmap ${expr(o.data!)}`;
    case 'mangle':
      return `${expr(o.key!)} set ${expr(o.value!)}`;
    case 'dnat': {
      const addr = typeof o.addr === 'string' ? (o.addr.includes(':') ? `[${o.addr}]` : o.addr) : expr(o.addr!);
      return `dnat to ${addr}:${o.port}`;
    }
    case 'masquerade':
      return v === null ? 'masquerade' : `masquerade ${o.flags}`;
    case 'set':
      return `${o.op} ${o.set} { ${expr(o.elem!)} }`;
    case 'jump':
    case 'goto':
      return `${k} ${o.target}`;
    case 'accept':
    case 'drop':
    case 'return':
    case 'reject':
      return k;
    default:
      throw new Error(`nft text: unsupported statement ${k}`);
  }
}

function element(e: Json): string {
  if (!Array.isArray(e)) return expr(e);
  const value = e[1]!;
  return `${expr(e[0]!)} : ${isObj(value) ? stmt(value) : expr(value)}`;
}

function command(c: Obj): string {
  const [verb, body] = only(c);
  if (verb === 'metainfo') return '';
  const [kind, v] = only(body as Obj);
  const o = v as Obj;
  const where = `${o.family} ${kind === 'table' ? o.name : `${o.table}`}`;
  switch (kind) {
    case 'table':
      return `${verb} table ${where}`;
    case 'chain':
      if (o.type === undefined) return `${verb} chain ${where} ${o.name}`;
      return `${verb} chain ${where} ${o.name} { type ${o.type} hook ${o.hook} priority ${o.prio} ; policy ${o.policy} ; }`;
    case 'set':
    case 'map': {
      const type = Array.isArray(o.type) ? o.type.join(' . ') : String(o.type);
      const parts = [`type ${type}${kind === 'map' ? ` : ${o.map}` : ''} ;`];
      if (o.flags) parts.push(`flags ${(o.flags as string[]).join(',')} ;`);
      if (o.timeout !== undefined) parts.push(`timeout ${o.timeout}s ;`);
      return `${verb} ${kind} ${where} ${o.name} { ${parts.join(' ')} }`;
    }
    case 'element':
      return `${verb} element ${where} ${o.name} { ${(o.elem as Json[]).map(element).join(', ')} }`;
    case 'rule': {
      const body = (o.expr as Json[]).map(stmt).join(' ');
      const comment = o.comment === undefined ? '' : ` comment ${quote(String(o.comment))}`;
      return `${verb} rule ${where} ${o.chain} ${body}${comment}`;
    }
    default:
      throw new Error(`nft text: unsupported object ${kind}`);
  }
}

export function commandsToText(cmds: Json[]): string {
  const lines: string[] = [];
  for (const c of cmds) {
    const line = command(c as Obj);
    if (line !== '') lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
