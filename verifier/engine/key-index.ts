// Key indexes: a long chain's rules (or a map's elements) filed by the exact destination, protocol
// and port their leading conditions pin, so a class with one destination looks only at the items
// that can match it (candidates.ts reads them; docs/verifier.md, "Packet classes").
import { bitsOf, type CPart, type KeyIndex, portCode } from './compiled.ts';
import { fromPoints, type IntervalSet, single } from './intervals.ts';
import { DIM } from './space.ts';

/**
 * Whether an item's parts pin a destination or a port: an item that pins neither is general. Asked
 * of every item before the index's maps are made: most chains of a kube-proxy ruleset are a
 * service's or an endpoint's few rules, none of them keyed (195,232 of iptables' 195,238 chains at
 * 10,000 services), and making and dropping nine maps for each took 0.84 s there.
 */
function mayBeKeyed(parts: readonly CPart[] | null): boolean {
  if (parts === null) return false;
  // a loop, not some() with a closure made per item (800,000 items at 10,000 services)
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    if ((p.dim === DIM.dst || p.dim === DIM.dport) && single(p.set) !== undefined) return true;
  }
  return false;
}

/**
 * The atoms of a destination set of one or two atoms: an item is filed under each (so 127.0.0.0/8,
 * cut at lo's broadcast address into two atoms, still keys its own shard); undefined for more.
 */
function fewAtoms(set: IntervalSet | undefined): readonly number[] | undefined {
  if (set === undefined) return undefined;
  if (set.length === 2) {
    const lo = set[0]!;
    const hi = set[1]!;
    return lo === hi ? [lo] : hi === lo + 1 ? [lo, hi] : undefined;
  }
  return set.length === 4 && set[0] === set[1] && set[2] === set[3] ? [set[0]!, set[2]!] : undefined;
}

/** File item `i` under key `k` of `m`. */
function push(m: Map<number, number[]>, k: number, i: number): void {
  const l = m.get(k);
  if (l) l.push(i);
  else m.set(k, [i]);
}

/** Index items (rules or elements) by the exact destination, protocol and port their leading conditions pin. */
export function buildKeyIndex(items: readonly (readonly CPart[] | null)[]): KeyIndex | null {
  if (!items.some(mayBeKeyed)) return null;
  const full = new Map<number, Map<number, number[]>>();
  const portOnly = new Map<number, number[]>();
  const dstOnly = new Map<number, number[]>();
  const byPort = new Map<number, number[]>();
  const byDst = new Map<number, number[]>();
  const portLists = new Map<number, number[]>();
  const general: number[] = [];
  const allPortOnly: number[] = [];
  const allDstOnly: number[] = [];
  for (let i = 0; i < items.length; i++) {
    // the first part of each dimension decides (one pass: a map's elements are a quarter million items)
    const parts = items[i]!;
    let protoSet: IntervalSet | undefined;
    let portSet: IntervalSet | undefined;
    let dstSet: IntervalSet | undefined;
    if (parts !== null) {
      for (let k = 0; k < parts.length; k++) {
        const p = parts[k]!;
        if (p.dim === DIM.proto) protoSet ??= p.set;
        else if (p.dim === DIM.dport) portSet ??= p.set;
        else if (p.dim === DIM.dst) dstSet ??= p.set;
      }
    }
    const proto = protoSet && single(protoSet);
    const port = portSet && single(portSet);
    const dsts = fewAtoms(dstSet);
    if (proto !== undefined && port !== undefined) {
      const code = portCode(proto, port);
      push(portLists, proto, port);
      push(byPort, code, i);
      if (dsts !== undefined) {
        for (let d = 0; d < dsts.length; d++) {
          const dst = dsts[d]!;
          let byCode = full.get(dst);
          if (!byCode) full.set(dst, (byCode = new Map()));
          push(byCode, code, i);
          push(byDst, dst, i);
        }
      } else {
        push(portOnly, code, i);
        allPortOnly.push(i);
      }
    } else if (dsts !== undefined) {
      for (let d = 0; d < dsts.length; d++) {
        const dst = dsts[d]!;
        push(dstOnly, dst, i);
        push(byDst, dst, i);
      }
      allDstOnly.push(i);
    } else general.push(i);
  }
  if (general.length === items.length) return null;
  const portsByProto = new Map<number, IntervalSet>();
  for (const [proto, ports] of portLists) portsByProto.set(proto, fromPoints(ports));
  return {
    full,
    portOnly,
    portsByProto,
    dstOnly,
    general,
    byPort,
    byDst,
    allPortOnly,
    allDstOnly,
    count: items.length,
    dstBits: bitsOf(full, dstOnly),
    portOnlyBits: bitsOf(portOnly),
  };
}
