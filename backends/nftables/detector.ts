// The IR's local-traffic detector ("is this source one of the cluster's pods?") as an nft match.
import type { IRLocalDetector } from '../../compiler/ir/types.ts';
import { cidrExpr, exactIfname, type FamilySpelling, match, meta, payload, type Stmt } from './json.ts';

/**
 * The detector's "is a pod" (`local`) or "is not a pod" test. On the output path `iifname` is
 * empty, so the interface detectors say "not a pod" there, as iptables' `-i` does (docs/ir.md §1).
 */
export function detectorMatch(d: IRLocalDetector, f: FamilySpelling, local: boolean): Stmt {
  const op = local ? '==' : '!=';
  switch (d.kind) {
    case 'cidr':
      return match(op, payload(f.l3, 'saddr'), cidrExpr(d.cidr));
    case 'interface':
      return match(op, meta('iifname'), exactIfname(d.name));
    case 'interfacePrefix':
      return match(op, meta('iifname'), `${exactIfname(d.prefix)}*`);
    case 'none':
      throw new Error('internal error: a detector match was requested but the detector is none');
  }
}
