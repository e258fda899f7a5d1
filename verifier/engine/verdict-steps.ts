// The verdict steps of one compiled program (compile.ts): one object per distinct verdict, as for
// tests (intern.ts). Most rules and map elements end in a jump, a goto or a DNAT.
import { ipv4Number } from '../../common/ip.ts';
import type { Verdict } from '../model/program.ts';
import type { CStep, CVerdict } from './compiled.ts';
import { type AddressAtoms, addressAtomOf, ipv4AddressAtom } from './space.ts';

/** A verdict's content as text: equal texts, equal verdicts (jumps, gotos and DNATs are keyed apart). */
function verdictKey(v: Exclude<CVerdict, { kind: 'jump' | 'goto' | 'dnat' }>): string {
  switch (v.kind) {
    case 'reject':
      return `reject ${v.with}`;
    case 'masquerade':
      return `masquerade ${v.fullyRandom}`;
    default:
      return v.kind;
  }
}

/**
 * The step of a verdict, made on first use, without a memo entry per reader's verdict object
 * (465,000 at 10,000 services, most of them met once). Jumps and gotos by chain·2 + (goto ? 1 : 0),
 * in an array (a Map of 390,000 number keys cost more to probe); DNATs by their target's atom, then
 * port and text (a target is an atom of its own; two spellings of it stay two verdicts); the rest
 * by text. `chainRef` gives a chain's number (or throws), `chains` how many there are.
 */
export function verdictSteps(
  chains: number,
  chainRef: (id: string) => number,
  addresses: AddressAtoms,
): (v: Verdict) => CStep {
  const jumps: (CStep | undefined)[] = new Array(2 * chains);
  const dnats = new Map<number, CStep[]>();
  const others = new Map<string, CStep>();
  const dnatStep = (v: Extract<Verdict, { kind: 'dnat' }>): CStep => {
    // IPv4: parsed and searched, not looked up by its text (270,000 targets at 10,000 services,
    // each text a string of its own: the lookups cost more than parsing)
    const v4 = addresses.cuts4 ? ipv4Number(v.ip) : null;
    const atom = v4 !== null ? ipv4AddressAtom(addresses, v4) : addressAtomOf(addresses, v.ip);
    let known = dnats.get(atom);
    if (known === undefined) dnats.set(atom, (known = []));
    for (const c of known) {
      const d = c.kind === 'verdict' && c.verdict.kind === 'dnat' ? c.verdict : null;
      if (d !== null && d.port === v.port && d.ip === v.ip) return c;
    }
    const c: CStep = { kind: 'verdict', verdict: { kind: 'dnat', ip: v.ip, atom, port: v.port, last: null } };
    known.push(c);
    return c;
  };
  return (v) => {
    if (v.kind === 'jump' || v.kind === 'goto') {
      const chain = chainRef(v.chain);
      return (jumps[chain * 2 + (v.kind === 'goto' ? 1 : 0)] ??= {
        kind: 'verdict',
        verdict: { kind: v.kind, chain },
      });
    }
    if (v.kind === 'dnat') return dnatStep(v);
    const key = verdictKey(v);
    let c = others.get(key);
    if (c === undefined) others.set(key, (c = { kind: 'verdict', verdict: v }));
    return c;
  };
}
