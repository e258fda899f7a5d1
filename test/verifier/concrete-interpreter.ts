// A second, deliberately plain interpreter of the verifier's netfilter model for ONE concrete
// packet: no packet space, no atoms, no indexes, no class splitting — values compared directly,
// every random choice enumerated. Property tests run it on random packets and require the same
// distribution as the engine's class that holds the packet, so a bug in the engine's machinery
// (atoms, indexes, splitting, sharding) cannot hide behind the shared semantics.
import { type IPText, ipOf } from '../../common/ip.ts';
import {
  addRational,
  type Distribution,
  mulRational,
  type Outcome,
  outcomeKey,
  type Rational,
  rational,
  subRational,
  type WeightedOutcome,
} from '../../compiler/ir/outcome.ts';
import type { AffinityListId, Packet } from '../../compiler/ir/packet.ts';
import type { Hook, KeyPart, NetfilterProgram, Step, Test, Verdict } from '../../verifier/model/program.ts';

/** The packet meets a question the model leaves open (the engine refuses the ruleset there too). */
export class UnmodelledPacket extends Error {}

/**
 * The packet meets a question it does not answer, though the engine models it: the age of the
 * destination's affinity record (a packet carries its source's records only). No answer for this
 * packet, and no fault of the ruleset's.
 */
export class UnansweredPacket extends Error {}

export interface ConcreteWorld {
  /** the node's addresses (LOCAL besides loopback) */
  local: readonly string[];
  /** observed mark bits */
  markMask: number;
  canonicalList: (name: string) => string;
}

interface St {
  dnatIp: string | null;
  dnatPort: number | null;
  /** the DNAT kept the packet's own address and port: no translation, no DNAT status */
  dnatIdentity?: boolean;
  mark: number;
  masq: string;
  writes: string[];
  dstNat: boolean;
  srcNat: boolean;
  lo: boolean;
}

type Exit = { v: string; s: St; p: Rational };

const portProto = (p: string) => p === 'tcp' || p === 'udp' || p === 'sctp';

/** The packet's outcome distribution, by outcome key (outcomeKey): what the engine's classes carry. */
export function interpret(prog: NetfilterProgram, pk: Packet, world: ConcreteWorld): Map<string, Rational> {
  return new Map(interpretOutcomes(prog, pk, world).map((w) => [outcomeKey(w.outcome), w.p]));
}

/** The packet's outcomes, each once, with their probabilities. */
export function interpretOutcomes(prog: NetfilterProgram, pk: Packet, world: ConcreteWorld): Distribution {
  const isNew = pk.ct.state === 'new';
  const loopback = (ip: string) => (ip.includes(':') ? ip === '::1' : ip.startsWith('127.'));
  // lo's broadcast address is in the block but not LOCAL (the kernel's local table types it broadcast)
  const isLocal = (ip: string) => (loopback(ip) && ip !== '127.255.255.255') || world.local.includes(ip);
  // routed to input: LOCAL, or lo's broadcast address (delivered locally, not LOCAL)
  const delivered = (ip: string) => isLocal(ip) || ip === '127.255.255.255';
  const addrIn = (ip: string, ranges: readonly (readonly [bigint, bigint])[]) => {
    const v = ipOf(ip).value;
    return ranges.some(([lo, hi]) => lo <= v && v <= hi);
  };
  const curDst = (s: St) => s.dnatIp ?? pk.dst;
  const curDport = (s: St) => s.dnatPort ?? pk.dport;

  // After MASQUERADE, a packet back through lo has a node address routing picks as its source (and
  // maybe another port): a test is decided when every candidate answers alike (as the engine does)
  const masqueradedOnLo = (s: St) => s.lo && s.masq !== 'none';
  const masqueradedSource = (ranges: readonly (readonly [bigint, bigint])[]): boolean => {
    const node = world.local.filter((ip) => !loopback(ip));
    // the node's addresses; when the model lists none, any address but loopback may be the one
    const answers = new Set(node.length > 0 ? node.map((ip) => addrIn(ip, ranges)) : nonLoopbackCoverage(ranges));
    if (answers.size !== 1) throw new UnmodelledPacket('a source test after MASQUERADE on the way through lo');
    return [...answers][0]!;
  };
  /** Whether `ranges` hold some (true) and miss some (false) of the addresses outside loopback. */
  const nonLoopbackCoverage = (ranges: readonly (readonly [bigint, bigint])[]): boolean[] => {
    const v6 = pk.src.includes(':');
    const max = v6 ? (1n << 128n) - 1n : (1n << 32n) - 1n;
    const [lf, ll] = v6 ? [1n, 1n] : [127n << 24n, (128n << 24n) - 1n];
    const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    /** whether the ranges together cover [lo, hi] */
    const covers = (lo: bigint, hi: bigint): boolean => {
      let next = lo;
      for (const [a, b] of sorted) if (a <= next && b >= next) next = b + 1n;
      return next > hi;
    };
    const some = ranges.some(([a, b]) => a < lf || b > ll);
    const all = (lf === 0n || covers(0n, lf - 1n)) && covers(ll + 1n, max);
    return [...(some ? [true] : []), ...(all ? [] : [false])];
  };
  const part = (p: KeyPart, s: St): boolean => {
    switch (p.field) {
      case 'saddr':
        return masqueradedOnLo(s) ? masqueradedSource(p.ranges) : addrIn(pk.src, p.ranges);
      case 'daddr':
        return addrIn(curDst(s), p.ranges);
      case 'l4proto':
        return p.protocols.includes(pk.protocol);
      case 'sport':
      case 'dport': {
        if (!portProto(pk.protocol)) throw new Error('port test on a packet without ports');
        if (p.field === 'sport' && masqueradedOnLo(s)) {
          if (p.ranges.some(([lo, hi]) => lo === 0 && hi === 65535)) return true;
          throw new UnmodelledPacket('a source port test after MASQUERADE on the way through lo');
        }
        const v = p.field === 'sport' ? pk.sport : curDport(s);
        return p.ranges.some(([lo, hi]) => lo <= v && v <= hi);
      }
      case 'iifname': {
        const name = s.lo ? 'lo' : pk.inInterface;
        return name !== null && p.names.some((n) => (n.prefix ? name.startsWith(n.name) : name === n.name));
      }
      case 'oifname':
        throw new Error('oifname is not modelled');
      case 'saddrLocal':
        return (masqueradedOnLo(s) || isLocal(pk.src)) === p.local;
      case 'daddrLocal':
        return isLocal(curDst(s)) === p.local;
    }
  };
  const conj = (parts: readonly KeyPart[], s: St) => {
    // protocol parts first, as a port is only read once the protocol has ports; source parts last,
    // so that a source MASQUERADE made unknown is only asked when nothing else decides
    const rank = (p: KeyPart) => (p.field === 'l4proto' ? 0 : p.field === 'saddr' || p.field === 'sport' ? 2 : 1);
    const sorted = [...parts].sort((a, b) => rank(a) - rank(b));
    for (const p of sorted) if (!part(p, s)) return false;
    return true;
  };
  const testValue = (t: Test, s: St): boolean => {
    switch (t.kind) {
      case 'fields':
        return conj(t.parts, s);
      case 'mark':
        return (s.mark & t.mask) >>> 0 === t.value >>> 0;
      case 'ct':
        if (isNew) return t.states.includes('new') || (t.dnat && s.dnatIp !== null && !s.dnatIdentity);
        return t.states.includes(pk.ct.state) || (t.dnat && pk.ct.dnat);
      case 'affinity': {
        if (masqueradedOnLo(s) && t.key === 'saddr')
          throw new UnmodelledPacket('an affinity record read after MASQUERADE');
        // a packet carries its source's records only (as the engine's witnesses do)
        if (t.key === 'daddr') throw new UnansweredPacket("the destination's affinity record read");
        const age = pk.affinityAges[world.canonicalList(t.list)];
        return age !== undefined && age < t.maxAgeSeconds;
      }
      case 'member':
        return t.elements.some((e) => conj(e, s));
    }
  };

  const steps = (
    list: readonly Step[],
    s0: St,
    p: Rational,
    depth: number,
  ): ({ k: 'no' | 'cont'; s: St; p: Rational } | { k: 'v'; v: Verdict; s: St; p: Rational })[] => {
    let s = s0;
    for (let i = 0; i < list.length; i++) {
      const st = list[i]!;
      const rest = list.slice(i + 1);
      switch (st.kind) {
        case 'test':
          if (testValue(st.test, s) === st.negate) return [{ k: 'no', s, p }];
          break;
        case 'random':
          return [
            ...steps(rest, s, mulRational(p, st.p), depth),
            { k: 'no', s, p: mulRational(p, subRational(rational(1), st.p)) },
          ];
        case 'numgen': {
          const out: ReturnType<typeof steps> = [];
          let miss = rational(0);
          for (let k = 0; k < st.modulus; k++) {
            const span = 1n << 32n;
            const N = BigInt(st.modulus);
            const c = (BigInt(k + 1) * span + N - 1n) / N - (BigInt(k) * span + N - 1n) / N;
            const w = rational(c, span);
            const v = st.offset + k;
            const b = st.branches.find((br) => br.values.some(([lo, hi]) => lo <= v && v <= hi));
            if (b) out.push(...steps([...b.steps, ...rest], s, mulRational(p, w), depth));
            else miss = addRational(miss, w);
          }
          if (miss.num !== 0n) out.push({ k: 'no', s, p: mulRational(p, miss) });
          return out;
        }
        case 'dispatch': {
          const e = st.elements.find((el) => conj(el.parts, s));
          if (!e) return [{ k: 'no', s, p }];
          // a ported dispatch (dnat to … map @m : PORT): the element's DNAT takes the statement's port
          const port = st.dnatPort;
          const chosen =
            port === undefined
              ? e.steps
              : e.steps.map((x) =>
                  x.kind === 'verdict' && x.verdict.kind === 'dnat' ? { ...x, verdict: { ...x.verdict, port } } : x,
                );
          return steps([...chosen, ...rest], s, p, depth);
        }
        case 'mark': {
          const v = st.value >>> 0;
          const m = st.op === 'set' ? v : st.op === 'or' ? s.mark | v : st.op === 'xor' ? s.mark ^ v : s.mark & v;
          s = { ...s, mark: m >>> 0 };
          break;
        }
        case 'affinityWrite': {
          if (masqueradedOnLo(s)) throw new UnmodelledPacket('an affinity record written after MASQUERADE');
          // a record keyed by the destination is another one: named apart, as the engine names it
          const id = `${world.canonicalList(st.list)}${st.key === 'daddr' ? ' by destination' : ''}`;
          s = s.writes.includes(id) ? s : { ...s, writes: [...s.writes, id] };
          break;
        }
        case 'noop':
          break;
        case 'verdict':
          return [{ k: 'v', v: st.verdict, s, p }];
      }
    }
    return [{ k: 'cont', s, p }];
  };

  const chain = (id: string, from: number, s: St, p: Rational, depth: number): Exit[] => {
    if (depth > 64) throw new Error('too deep');
    const rules = prog.chains.get(id)!.rules;
    for (let r = from; r < rules.length; r++) {
      const res = steps(rules[r]!.steps, s, p, depth);
      if (res.length === 1 && res[0]!.k !== 'v') {
        s = res[0]!.s;
        p = res[0]!.p;
        continue;
      }
      return res.flatMap((x) =>
        x.k === 'v' ? verdict(id, r, x.v, x.s, x.p, depth) : chain(id, r + 1, x.s, x.p, depth),
      );
    }
    return [{ v: 'return', s, p }];
  };
  const verdict = (id: string, r: number, v: Verdict, s: St, p: Rational, depth: number): Exit[] => {
    switch (v.kind) {
      case 'jump':
        return chain(v.chain, 0, s, p, depth + 1).flatMap((e) =>
          e.v === 'return' ? chain(id, r + 1, e.s, e.p, depth) : [e],
        );
      case 'goto':
        return chain(v.chain, 0, s, p, depth + 1);
      case 'dnat': {
        const port = v.port ?? pk.dport;
        const identity = ipOf(v.ip).value === ipOf(pk.dst).value && port === pk.dport;
        return [{ v: 'nat', s: { ...s, dnatIp: v.ip, dnatPort: port, dnatIdentity: identity }, p }];
      }
      case 'masquerade':
        return [{ v: 'nat', s: { ...s, masq: v.fullyRandom ? 'masquerade-fully-random' : 'masquerade' }, p }];
      case 'reject':
        return [{ v: v.with === 'port-unreachable' ? 'reject' : `reject:${v.with}`, s, p }];
      default:
        return [{ v: v.kind, s, p }];
    }
  };

  const finals: Exit[] = [];
  const hook = (h: Hook, flows: Exit[]): Exit[] => {
    const dstSide = h === 'prerouting' || h === 'output';
    const bases = prog.baseChains
      .map((b, i) => ({ b, i }))
      .filter((x) => x.b.hook === h)
      .sort((x, y) => x.b.priority - y.b.priority || x.i - y.i);
    let live = flows;
    for (const { b } of bases) {
      const next: Exit[] = [];
      for (const f of live) {
        if (b.type === 'nat' && (!isNew || (dstSide ? f.s.dstNat : f.s.srcNat))) {
          next.push(f);
          continue;
        }
        for (const e of chain(b.chain, 0, f.s, f.p, 0)) {
          let s = e.s;
          if (e.v === 'nat') s = dstSide ? { ...s, dstNat: true } : { ...s, srcNat: true };
          const v = e.v === 'return' ? b.policy : e.v === 'nat' ? 'accept' : e.v;
          if (v === 'accept') next.push({ v, s, p: e.p });
          else finals.push({ v, s, p: e.p });
        }
      }
      live = next;
    }
    if (isNew && bases.some((x) => x.b.type === 'nat')) {
      live = live.map((f) => ({ ...f, s: dstSide ? { ...f.s, dstNat: true } : { ...f.s, srcNat: true } }));
    }
    return live;
  };

  const s0: St = {
    dnatIp: null,
    dnatPort: null,
    mark: pk.mark >>> 0,
    masq: 'none',
    writes: [],
    dstNat: !isNew,
    srcNat: !isNew,
    lo: false,
  };
  const start: Exit[] = [{ v: 'accept', s: s0, p: rational(1) }];
  const accepted: Exit[] = [];
  if (pk.path === 'arriving') {
    for (const f of hook('prerouting', start)) {
      if (delivered(curDst(f.s))) accepted.push(...hook('input', [f]));
      else accepted.push(...hook('postrouting', hook('forward', [f])));
    }
  } else {
    for (const f of hook('postrouting', hook('output', start))) {
      if (!delivered(curDst(f.s))) accepted.push(f);
      else accepted.push(...hook('input', hook('prerouting', [{ ...f, s: { ...f.s, lo: true } }])));
    }
  }
  const out = new Map<string, WeightedOutcome>();
  for (const e of [...accepted, ...finals]) {
    if (e.p.num === 0n) continue;
    const ok = e.v === 'accept';
    const outcome: Outcome = {
      verdict: e.v as Outcome['verdict'],
      dnat: ok && isNew && e.s.dnatIp && !e.s.dnatIdentity ? { ip: e.s.dnatIp as IPText, port: curDport(e.s) } : null,
      masquerade: ok ? (e.s.masq as Outcome['masquerade']) : 'none',
      mark: (ok ? e.s.mark & world.markMask : 0) >>> 0,
      affinityWrites: [...new Set(e.s.writes)].sort() as AffinityListId[],
    };
    const k = outcomeKey(outcome);
    const prev = out.get(k);
    out.set(k, { outcome, p: prev ? addRational(prev.p, e.p) : e.p });
  }
  return [...out.values()];
}
