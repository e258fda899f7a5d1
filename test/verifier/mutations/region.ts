// Does a counterexample's region (its conditions as printed: CIDRs, port ranges, states) contain
// its witness packet? Read back from the text the user sees, independently of the engine's classes.
import { cidrContains, cidrOf, ipOf } from '../../../common/ip.ts';
import type { Packet } from '../../../compiler/ir/packet.ts';

const inCidr = (ip: string, cidr: string): boolean => {
  const a = ipOf(ip);
  const c = cidrOf(cidr.includes('/') ? cidr : `${cidr}/${a.family === 'ipv4' ? 32 : 128}`);
  return c.family === a.family && cidrContains(c, a);
};

const inRange = (ip: string, range: string): boolean => {
  const [first, last] = range.split('-').map(ipOf) as [ReturnType<typeof ipOf>, ReturnType<typeof ipOf>];
  const a = ipOf(ip);
  return a.family === first.family && a.value >= first.value && a.value <= last.value;
};

/**
 * An address condition: 'any', 'any except A, B', 'CIDR except A, B' or 'A, B' (a long list ends
 * '…, (N blocks)'); a block is an address, a CIDR or a range 'FIRST-LAST'.
 */
function addressHolds(ip: string, cond: string): boolean | 'unknown' {
  if (cond === 'any') return true;
  const cidrExcept = /^([0-9a-f:.]+\/\d+) except (.*)$/i.exec(cond);
  if (cidrExcept) {
    if (!inCidr(ip, cidrExcept[1]!)) return false;
    const hole = addressHolds(ip, cidrExcept[2]!);
    return hole === 'unknown' ? hole : !hole;
  }
  const except = cond.startsWith('any except ');
  const body = except ? cond.slice('any except '.length) : cond;
  const truncated = body.includes('…');
  const blocks = body
    .split(', ')
    .filter((b) => b !== '…' && !b.startsWith('… ('))
    .filter((b) => /^[0-9a-f:.]+((\/\d+)|(-[0-9a-f:.]+))?$/i.test(b));
  const inside = blocks.some((b) => (b.includes('-') ? inRange(ip, b) : inCidr(ip, b)));
  if (except) return inside ? false : truncated ? 'unknown' : true;
  return inside ? true : truncated ? 'unknown' : false;
}

function numberHolds(n: number, cond: string): boolean {
  if (cond === 'any') return true;
  return cond.split(', ').some((part) => {
    const [lo, hi] = part.split('-').map(Number) as [number, number | undefined];
    return hi === undefined ? n === lo : n >= lo && n <= hi;
  });
}

const list = (cond: string) => cond.split(', ');

function affinityHolds(age: number | undefined, cond: string): boolean {
  return cond.split(' or ').some((c) => {
    if (c === 'no record') return age === undefined;
    if (age === undefined) return false;
    const range = /^a record (\d+)–(\d+) s old$/.exec(c);
    if (range) return age >= Number(range[1]) && age < Number(range[2]);
    const open = /^a record ≥ (\d+) s old$/.exec(c);
    if (open) return age >= Number(open[1]);
    throw new Error(`unreadable affinity condition: ${c}`);
  });
}

/** Problems found (empty: the witness satisfies every condition of the region). */
export function regionProblems(region: readonly string[], w: Packet): string[] {
  const problems: string[] = [];
  const need = (ok: boolean | 'unknown', line: string) => {
    if (ok === 'unknown') problems.push(`cannot confirm (list truncated): ${line}`);
    else if (!ok) problems.push(`witness outside the region: ${line}`);
  };
  for (const line of region) {
    const colon = line.indexOf(': ');
    const key = line.slice(0, colon);
    const cond = line.slice(colon + 2);
    if (key === 'path') need(list(cond).includes(w.path), line);
    else if (key === 'protocol') need(list(cond).includes(w.protocol), line);
    else if (key === 'destination') need(addressHolds(w.dst, cond), line);
    else if (key === 'source') need(addressHolds(w.src, cond), line);
    else if (key === 'destination port') need(numberHolds(w.dport, cond), line);
    else if (key === 'source port') need(numberHolds(w.sport, cond), line);
    else if (key === 'input interface') {
      const names = list(cond);
      need(
        w.inInterface === null
          ? names.includes('(none: generated locally)')
          : names.includes(w.inInterface) ||
              names.some((n) => n.endsWith('*') && w.inInterface!.startsWith(n.slice(0, -1))) ||
              names.includes('(any other)'),
        line,
      );
    } else if (key === 'mark') need(list(cond).includes(`0x${w.mark.toString(16)}`), line);
    else if (key === 'conntrack') need(list(cond).includes(`${w.ct.state}${w.ct.dnat ? '+dnat' : ''}`), line);
    else if (key.endsWith(DESTINATION_RECORD)) {
      // not a field of a packet: explain lists it as the condition of a case (destinationRecords)
    } else if (key.startsWith('affinity '))
      need(affinityHolds(w.affinityAges[key.slice('affinity '.length)], cond), line);
    else problems.push(`unknown region condition: ${line}`);
  }
  return problems;
}

const DESTINATION_RECORD = " (the destination's record)";

/** The region's conditions on records keyed by the destination: list id and the allowed record states. */
export function destinationRecords(region: readonly string[]): { list: string; states: string[] }[] {
  const out: { list: string; states: string[] }[] = [];
  for (const line of region) {
    const colon = line.indexOf(': ');
    const key = line.slice(0, colon);
    if (!key.startsWith('affinity ') || !key.endsWith(DESTINATION_RECORD)) continue;
    out.push({
      list: key.slice('affinity '.length, -DESTINATION_RECORD.length),
      states: line.slice(colon + 2).split(' or '),
    });
  }
  return out;
}

/**
 * Does an explain case hold in the region? Each of its conditions on a destination-keyed list
 * ("the destination D has S1 or S2 in affinity list L") must allow every state the region allows
 * for that list.
 */
export function caseHoldsIn(conditions: readonly string[], records: ReturnType<typeof destinationRecords>): boolean {
  return records.every(({ list, states }) => {
    const suffix = ` in affinity list ${list}`;
    const cond = conditions.find((c) => c.startsWith('the destination ') && c.endsWith(suffix));
    if (!cond) return true;
    const allowed = cond.slice(cond.indexOf(' has ') + ' has '.length, -suffix.length).split(' or ');
    return states.every((st) => allowed.includes(st));
  });
}
