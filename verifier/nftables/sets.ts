// Named sets and maps as rules use them: does a key fit the set's declared type, is the set one the
// data path writes (a dynamic set: affinity records), and the affinity list a key names.
import { formatIP } from '../../common/ip.ts';
import type { KeyContext, Reader } from './keys.ts';
import type { SetState } from './state.ts';

/** A set the data path fills (`update @set`): declared with the timeout or dynamic flag. */
export const isDynamic = (s: SetState): boolean => s.flags.has('timeout') || s.flags.has('dynamic');

function typeFits(r: Reader, type: string, ctx: KeyContext): boolean {
  const addr = ctx.family === 'ipv4' ? 'ipv4_addr' : 'ipv6_addr';
  switch (r.kind) {
    case 'addr':
      return type === addr;
    case 'proto':
      return type === 'inet_proto';
    case 'port':
      return type === 'inet_service';
    case 'ifname':
      return type === 'ifname';
    case 'const':
      return type === (r.of === 'addr' ? addr : 'inet_service');
    case 'numgen':
      return type === 'integer' || type === 'mark';
    default:
      return false;
  }
}

/** True when `readers` can be looked up in `set`; otherwise reports why at `pointer`. */
export function keyFitsSet(readers: readonly Reader[], set: SetState, ctx: KeyContext, pointer: string): boolean {
  const fits = readers.length === set.keyType.length && readers.every((r, i) => typeFits(r, set.keyType[i]!, ctx));
  if (!fits)
    ctx.sink.report(
      'nft-bad-value',
      pointer,
      `a key of ${readers.length} part(s)`,
      `a key of ${set.kind} '${set.name}' (type ${set.keyType.join(' . ')})`,
    );
  return fits;
}

/**
 * The affinity list a key of a dynamic set names, or null (reported) when the key is not one
 * address of the packet plus constants. A key that is just the address names the set itself
 * (kube-proxy: one set per endpoint); with constants the list is the set's slice for them, spelled
 * `<set>{saddr . 10.0.0.1 . 8080}` (ksvc: one set per service port, keyed by client and endpoint).
 */
export function affinityKey(
  readers: readonly Reader[],
  set: SetState,
  ctx: KeyContext,
  pointer: string,
): { list: string; key: 'saddr' | 'daddr' } | null {
  const addrs = readers.filter((r) => r.kind === 'addr');
  const others = readers.filter((r) => r.kind !== 'addr' && r.kind !== 'const');
  if (addrs.length !== 1 || others.length > 0) {
    ctx.sink.report(
      'nft-affinity',
      pointer,
      `the key of '${set.name}' must be one packet address plus constants (a record per client); other packet fields make a record the model cannot name`,
    );
    return null;
  }
  const key = (addrs[0] as { field: 'saddr' | 'daddr' }).field;
  if (readers.length === 1) return { list: set.name, key };
  const spelled = readers.map((r) =>
    r.kind === 'const' ? (r.of === 'addr' ? formatIP(ctx.family, r.value) : r.value.toString()) : key,
  );
  // joined, not concatenated, and one string per name (keptChild, KeyContext.listNames): the name
  // lives in every affinity step of the model
  const list = [set.name, '{', spelled.join(' . '), '}'].join('');
  let kept = ctx.listNames.get(list);
  if (kept === undefined) ctx.listNames.set(list, (kept = list));
  return { list: kept, key };
}

/** The set's record lifetime, or null (reported) when it has none the model can use. */
export function affinityTimeout(set: SetState, ctx: KeyContext, pointer: string): number | null {
  if (set.timeout === null || set.timeout <= 0 || !set.flags.has('timeout')) {
    ctx.sink.report('nft-affinity', pointer, `'${set.name}' has no default timeout, so its records never expire`);
    return null;
  }
  return set.timeout;
}
