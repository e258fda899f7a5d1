// Rules on the cluster block: value ranges, settings given twice, the local-traffic detector.

import { parseCIDRStrict } from '../../../common/ip.ts';
import { interfaceName, interfaceNamePrefix } from '../../../common/name-validation.ts';
import type { Span } from '../../../common/source.ts';
import type { CidrLit, ClusterSetting } from '../../../grammar/ast.ts';
import { codes } from '../codes.ts';
import type { CheckContext } from '../context.ts';
import { type DetectorItem, familyName } from '../draft.ts';
import { isValidPort } from '../values.ts';
import type { Rule } from './rule.ts';

export const masqBitRange: Rule = (ctx, draft) => {
  for (const s of draft.clusterSettings) {
    if (s.kind !== 'MasqBit') continue;
    const b = s.bit.value;
    if (!Number.isInteger(b) || b < 0 || b > 31)
      ctx.report(codes['invalid-masq-bit'](ctx.at(s.bit.span, { hint: 'the default is 14' }), s.bit.text));
  }
};

export const nodePortRangeValid: Rule = (ctx, draft) => {
  for (const s of draft.clusterSettings) {
    if (s.kind !== 'NodePortRange') continue;
    const [min, max] = [s.min.value, s.max.value];
    let why: string | null = null;
    if (!isValidPort(min)) why = `${s.min.text} is not a port number`;
    else if (!isValidPort(max)) why = `${s.max.text} is not a port number`;
    else if (min > max) why = `${s.min.text} is larger than ${s.max.text}`;
    if (why)
      ctx.report(
        codes['invalid-node-port-range'](
          ctx.at(s.span, { hint: 'the default is 30000-32767' }),
          s.min.text,
          s.max.text,
          why,
        ),
      );
  }
};

const canonicalCidr = (c: CidrLit): string => {
  const parsed = parseCIDRStrict(c.text);
  return parsed.ok ? parsed.value.text : c.text;
};

const settingValue = (s: ClusterSetting): string | null => {
  switch (s.kind) {
    case 'MasqBit':
      return String(s.bit.value);
    case 'LocalhostNodePorts':
      return String(s.enabled.value);
    case 'NodePortRange':
      return `${s.min.value}-${s.max.value}`;
    case 'NodePortAddresses':
      // a set of CIDRs: compared canonical and in any order (one not parsed stays as written: its
      // own rule reports it)
      return s.primary ? 'primary' : [...new Set(s.cidrs.map(canonicalCidr))].sort().join(',');
    default:
      return null;
  }
};

const SETTING_NAME: Partial<Record<ClusterSetting['kind'], string>> = {
  MasqBit: 'masq bit',
  LocalhostNodePorts: 'localhost nodePorts',
  NodePortRange: 'nodePort range',
  NodePortAddresses: 'nodePort addresses',
};

export const conflictingClusterSettings: Rule = (ctx, draft) => {
  const first = new Map<string, { value: string; span: Span }>();
  for (const s of draft.clusterSettings) {
    const value = settingValue(s);
    if (value === null) continue;
    const prev = first.get(s.kind);
    if (!prev) first.set(s.kind, { value, span: s.span });
    else if (prev.value !== value) {
      ctx.report(
        codes['conflicting-cluster-setting'](
          ctx.at(s.span, { related: [ctx.related('first set here', prev.span)] }),
          SETTING_NAME[s.kind]!,
        ),
      );
    }
  }
};

export const nodePortAddressDuplicates: Rule = (ctx, draft) => {
  for (const occ of draft.nodePortAddresses) {
    if (occ.value === 'primary') continue;
    const seen = new Set<string>();
    for (const c of occ.value) {
      if (seen.has(c.cidr.text))
        ctx.report(codes['duplicate-list-entry'](ctx.at(c.lit.span), 'nodePort address', c.cidr.text));
      seen.add(c.cidr.text);
    }
  }
};

const detectorName = (d: DetectorItem): string => {
  switch (d.ast.detector.kind) {
    case 'Cidr':
      return 'a cluster CIDR';
    case 'NodePodCIDR':
      return 'node podCIDR';
    case 'BridgeInterface':
      return 'interface';
    case 'InterfaceNamePrefix':
      return 'interface prefix';
  }
};

const detectorValue = (d: DetectorItem): string => {
  const s = d.ast.detector;
  return s.kind === 'Cidr'
    ? d.cidr!.text
    : s.kind === 'BridgeInterface'
      ? s.name.value
      : s.kind === 'InterfaceNamePrefix'
        ? s.prefix.value
        : '';
};

/**
 * One detector mode per scope; for ClusterCIDR at most one CIDR per family. A repeated identical
 * statement is fine (the design card repeats `masq from outside` on every port line).
 * `conflict` reports two different values of one kind/family.
 */
export function checkDetectorItems(
  ctx: CheckContext,
  items: readonly DetectorItem[],
  scope: string,
  conflict: (item: DetectorItem, first: DetectorItem) => void,
): void {
  const first = items[0];
  if (!first) return;
  const perFamily = new Map<string, DetectorItem>();
  for (const d of items) {
    if (d.ast.detector.kind !== first.ast.detector.kind) {
      ctx.report(
        codes['conflicting-detector'](
          ctx.at(d.ast.span, { related: [ctx.related('the first detector is here', first.ast.span)] }),
          scope,
          detectorName(first),
          detectorName(d),
        ),
      );
      continue;
    }
    const key = d.cidr ? d.cidr.family : 'any';
    const prev = perFamily.get(key);
    if (!prev) perFamily.set(key, d);
    else if (detectorValue(prev) !== detectorValue(d)) conflict(d, prev);
  }
}

export const clusterDetector: Rule = (ctx, draft) => {
  checkDetectorItems(ctx, draft.detectors, 'the cluster', (d, prev) => {
    if (d.cidr && prev.cidr) {
      ctx.report(
        codes['duplicate-cluster-cidr-family'](
          ctx.at(d.ast.span, { related: [ctx.related('the first is here', prev.ast.span)] }),
          familyName(d.cidr.family),
          prev.cidr.text,
          d.cidr.text,
        ),
      );
    } else {
      ctx.report(
        codes['conflicting-cluster-setting'](
          ctx.at(d.ast.span, { related: [ctx.related('first set here', prev.ast.span)] }),
          'masq from outside',
        ),
      );
    }
  });
};

/** Interface names of detectors, in the cluster block and in service overrides. */
export const detectorInterfaceNames: Rule = (ctx, draft) => {
  const items = [...draft.detectors, ...draft.services.flatMap((s) => s.masq)];
  for (const d of items) {
    const s = d.ast.detector;
    if (s.kind === 'BridgeInterface') {
      const why = interfaceName(s.name.value);
      if (why) ctx.report(codes['invalid-interface-name'](ctx.at(s.name.span), 'interface', s.name.value, why));
    } else if (s.kind === 'InterfaceNamePrefix') {
      const why = interfaceNamePrefix(s.prefix.value);
      if (why)
        ctx.report(codes['invalid-interface-name'](ctx.at(s.prefix.span), 'interface prefix', s.prefix.value, why));
    }
  }
};

export const nodeCidrWithoutPodCidr: Rule = (ctx, draft) => {
  const users = [...draft.detectors, ...draft.services.flatMap((s) => s.masq)].filter(
    (d) => d.ast.detector.kind === 'NodePodCIDR',
  );
  const first = users[0];
  if (!first) return;
  const lacking = draft.nodes.filter((n) => n.podCIDRs.length === 0).map((n) => n.name);
  if (draft.nodes.length > 0 && lacking.length === 0) return;
  const what =
    draft.nodes.length === 0
      ? 'the file declares no node'
      : lacking.length === 1
        ? `node ${lacking[0]} has none`
        : `nodes ${lacking.slice(0, 5).join(', ')}${lacking.length > 5 ? ', ...' : ''} have none`;
  ctx.report(codes['node-cidr-without-pod-cidr'](ctx.at(first.ast.span), what));
};
