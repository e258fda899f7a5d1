// A rule of the nft JSON, written back in nft's own syntax for people (traces, counterexamples):
// `add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips`. Written
// from the JSON the reader read (libnftables-json(5)), not by the backend that wrote it; only for
// display — the meaning of a rule is what statements.ts reads. A construct this does not know is
// shown as its compact JSON, so nothing is hidden.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: Json | undefined): v is { [k: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The one key of a single-key object (nft JSON's tagged unions), or null. */
function tagOf(v: Json | undefined): [string, Json] | null {
  if (!isObject(v)) return null;
  const keys = Object.keys(v);
  return keys.length === 1 ? [keys[0]!, v[keys[0]!]!] : null;
}

const PLAIN = /^[A-Za-z0-9_.:/@-]+$/;

interface Ctx {
  /** numbers are marks: written in hex as nft lists them */
  hex: boolean;
}

const mentionsMark = (v: Json): boolean => JSON.stringify(v).includes('{"key":"mark"}');

function verdictText(tag: string, body: Json): string | null {
  if (tag === 'accept' || tag === 'drop' || tag === 'return' || tag === 'continue') return tag;
  if ((tag === 'jump' || tag === 'goto') && isObject(body) && typeof body.target === 'string') {
    return `${tag} ${body.target}`;
  }
  return null;
}

function expr(v: Json, ctx: Ctx): string {
  if (typeof v === 'number') return ctx.hex ? `0x${v.toString(16)}` : `${v}`;
  if (typeof v === 'string') return PLAIN.test(v) ? v : JSON.stringify(v);
  // a list of values is an anonymous set
  if (Array.isArray(v)) return `{ ${v.map((x) => element(x, ctx)).join(', ')} }`;
  const t = tagOf(v);
  if (!t) return JSON.stringify(v);
  const [tag, body] = t;
  const verdict = verdictText(tag, body);
  if (verdict !== null) return verdict;
  if (isObject(body)) {
    switch (tag) {
      case 'payload':
        return `${body.protocol} ${body.field}`;
      case 'meta':
        return body.key === 'iifname' || body.key === 'oifname' ? `${body.key}` : `meta ${body.key}`;
      case 'ct':
        return `ct ${body.key}`;
      case 'fib':
        return `fib ${Array.isArray(body.flags) ? body.flags.join(' . ') : body.flags} ${body.result}`;
      case 'numgen':
        return `numgen ${body.mode} mod ${body.mod}${body.offset ? ` offset ${body.offset}` : ''}`;
      case 'prefix':
        return `${expr(body.addr!, ctx)}/${body.len}`;
      case 'map':
        return `${expr(body.key!, ctx)} map ${expr(body.data!, ctx)}`;
      case 'elem':
        return `${expr(body.val!, ctx)}${typeof body.timeout === 'number' ? ` timeout ${body.timeout}s` : ''}`;
    }
  }
  if (Array.isArray(body)) {
    switch (tag) {
      case 'concat':
        return body.map((x) => expr(x, ctx)).join(' . ');
      case 'range':
        return `${expr(body[0]!, ctx)}-${expr(body[1]!, ctx)}`;
      case 'set':
        return `{ ${body.map((x) => element(x, ctx)).join(', ')} }`;
      case '|':
        // (x & 0) | c is the constant c (how ksvc writes constants into a set key)
        if (body.length === 2 && zeroMasked(body[0]!)) return expr(body[1]!, ctx);
        return body.map((x) => expr(x, ctx)).join(' | ');
      case '&':
      case '^':
        return body.map((x) => expr(x, ctx)).join(` ${tag} `);
    }
  }
  if (tag === 'set') return `{ ${expr(body, ctx)} }`;
  return JSON.stringify(v);
}

/** A set element; [key, value] is a map element. */
const element = (x: Json, ctx: Ctx): string =>
  Array.isArray(x) && x.length === 2 ? `${expr(x[0]!, ctx)} : ${expr(x[1]!, ctx)}` : expr(x, ctx);

const ZERO = new Set<Json>([0, '0.0.0.0', '::']);

function zeroMasked(v: Json): boolean {
  const t = tagOf(v);
  return t !== null && t[0] === '&' && Array.isArray(t[1]) && t[1].length === 2 && ZERO.has(t[1][1]!);
}

const natFlags = (f: Json | undefined): string => (f === undefined ? '' : ` ${Array.isArray(f) ? f.join(',') : f}`);

function statement(s: Json): string {
  const t = tagOf(s);
  if (!t) return JSON.stringify(s);
  const [tag, body] = t;
  const verdict = verdictText(tag, body);
  if (verdict !== null) return verdict;
  const ctx: Ctx = { hex: mentionsMark(body) };
  if (tag === 'counter') {
    return isObject(body) && body.packets !== undefined
      ? `counter packets ${body.packets} bytes ${body.bytes ?? 0}`
      : 'counter';
  }
  if (tag === 'log')
    return isObject(body) && typeof body.prefix === 'string' ? `log prefix ${JSON.stringify(body.prefix)}` : 'log';
  if (tag === 'reject') {
    if (!isObject(body)) return 'reject';
    return `reject${body.type !== undefined ? ` with ${body.type}` : ''}${body.expr !== undefined ? ` ${body.expr}` : ''}`;
  }
  if (tag === 'masquerade') {
    if (!isObject(body)) return 'masquerade';
    return `masquerade${body.port !== undefined ? ` to :${expr(body.port, ctx)}` : ''}${natFlags(body.flags)}`;
  }
  if (!isObject(body)) return JSON.stringify(s);
  switch (tag) {
    case 'match': {
      const left = expr(body.left!, ctx);
      const right = expr(body.right!, ctx);
      // nft leaves == and `in` out, except after a binary operation (meta mark & 0x4000 == 0x0)
      const implicit = (body.op === '==' || body.op === 'in') && !/^[&|^]$/.test(tagOf(body.left!)?.[0] ?? '');
      return implicit ? `${left} ${right}` : `${left} ${body.op} ${right}`;
    }
    case 'vmap':
      return `${expr(body.key!, ctx)} vmap ${expr(body.data!, ctx)}`;
    case 'mangle':
      return `${expr(body.key!, ctx)} set ${expr(body.value!, ctx)}`;
    case 'dnat': {
      const addr = expr(body.addr!, ctx);
      const port = body.port === undefined ? '' : `:${expr(body.port, ctx)}`;
      // before a port, a lookup giving the address is parenthesised, an IPv6 address bracketed
      const lookup = addr.includes(' ');
      const shown = !port ? addr : lookup ? `(${addr})` : addr.includes(':') ? `[${addr}]` : addr;
      return `dnat ${typeof body.family === 'string' ? `${body.family} ` : ''}to ${shown}${port}${natFlags(body.flags)}`;
    }
    case 'set':
      return `${body.op} ${body.set} { ${expr(body.elem!, ctx)} }`;
  }
  return JSON.stringify(s);
}

/**
 * The rule as nft syntax. `json`: the rule object's JSON text (the origin text the reader keeps);
 * text that is not a rule object is returned as it is.
 */
export function nftRuleText(json: string): string {
  let rule: Json;
  try {
    rule = JSON.parse(json) as Json;
  } catch {
    return json;
  }
  if (!isObject(rule) || !Array.isArray(rule.expr)) return json;
  const head = `add rule ${rule.family} ${rule.table} ${rule.chain}`;
  const body = rule.expr.map(statement);
  const comment = typeof rule.comment === 'string' ? [`comment ${JSON.stringify(rule.comment)}`] : [];
  return [head, ...body, ...comment].join(' ');
}
