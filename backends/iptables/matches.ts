// Small builders for the matches and targets kube-proxy's templates repeat.
import type { IRLocalDetector, IRNoEndpointVerdict } from '../../compiler/ir/types.ts';
import type { Match, Target } from './rules.ts';

export const q = (text: string): Match => ({ kind: 'comment', text, quoted: true });
export const bare = (text: string): Match => ({ kind: 'comment', text, quoted: false });
export const jump = (chain: string): Target => ({ kind: 'jump', chain });
export const verdictOf = (v: IRNoEndpointVerdict): Target => ({
  kind: 'verdict',
  verdict: v === 'reject' ? 'REJECT' : 'DROP',
});

/** Detector match: IfLocal (`-s CIDR`, `-i IF`, `-i PFX+`) or IfNotLocal (negated). */
export function detectorMatch(d: IRLocalDetector, negate: boolean): Match[] {
  switch (d.kind) {
    case 'none':
      return [];
    case 'cidr':
      return [{ kind: 'src', addr: d.cidr, negate }];
    case 'interface':
      return [{ kind: 'in', name: d.name, negate }];
    case 'interfacePrefix':
      return [{ kind: 'in', name: `${d.prefix}+`, negate }];
  }
}
