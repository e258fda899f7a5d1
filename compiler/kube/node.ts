// Node (v1) -> NodeModel: the name, the InternalIP/ExternalIP entries of status.addresses
// (InternalIPs first, then ExternalIPs, each in declaration order, without repeats: the order of
// kube-proxy's GetNodeHostIPs, whose first address of a family is that family's node IP) and spec.podCIDRs (falling back to spec.podCIDR), one CIDR
// per family as the API requires.
import { type CIDRText, type IPText, type ParsedCIDR, parseIPSloppy } from '../../common/ip.ts';
import { dns1123Subdomain, labelValue, nameRuleHint } from '../../common/name-validation.ts';
import type { NodeModel } from '../model.ts';
import { article, sharedCodes } from '../shared-rules/codes.ts';
import { refusedNodeAddressKind } from '../shared-rules/special-addresses.ts';
import { kubeCodes } from './codes.ts';
import { readCIDR } from './ip-fields.ts';
import { readMeta } from './object-meta.ts';
import {
  asMap,
  checkKnownFields,
  errorsSince,
  field,
  firstLine,
  getMap,
  getSeq,
  getString,
  getStringList,
  type MapVal,
  where,
} from './yaml-reader.ts';

const TOP_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
/** The node label kube-proxy's topology-aware routing reads (v1.LabelTopologyZone). */
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const ADDRESS_TYPES = new Set(['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS']);

/**
 * `target`: the node compiled for (--node), when given: only its addresses reach its rules, so a
 * special address (0.0.0.0, multicast) on another Node is skipped with a warning, where on the
 * target it stays an error.
 */
export function readNode(obj: MapVal, target: string | null = null): NodeModel | null {
  const diags = obj.ctx.diags;
  const failed = errorsSince(diags);
  checkKnownFields(obj, TOP_FIELDS, 'Node');
  const meta = readMeta(obj, 'Node', dns1123Subdomain, false);

  const podCIDRs: ParsedCIDR[] = [];
  const spec = getMap(obj, 'spec');
  if (spec) {
    const single = getString(spec, 'podCIDR');
    const list = getStringList(spec, 'podCIDRs');
    if (single !== undefined && single !== '' && list.length > 0 && list[0]!.value !== single) {
      diags.push(
        kubeCodes['invalid-value'](
          where(list[0]!.at),
          'spec.podCIDRs[0]',
          `must be the same as spec.podCIDR (${single})`,
        ),
      );
    }
    const raw =
      list.length > 0 ? list.map((l) => l.at) : single !== undefined && single !== '' ? [field(spec, 'podCIDR')!] : [];
    if (raw.length > 2)
      diags.push(kubeCodes['invalid-value'](where(raw[2]!), 'spec.podCIDRs', 'at most two CIDRs (one per IP family)'));
    for (const at of raw.slice(0, 2)) {
      const c = readCIDR(at, 'podCIDR');
      if (!c) continue;
      if (podCIDRs.some((p) => p.family === c.family)) {
        diags.push(kubeCodes['invalid-value'](where(at), 'spec.podCIDRs', 'two CIDRs of the same IP family'));
        continue;
      }
      podCIDRs.push(c);
    }
  }

  const internal: IPText[] = [];
  const external: IPText[] = [];
  const status = getMap(obj, 'status');
  for (const item of (status && getSeq(status, 'addresses')) ?? []) {
    const am = asMap(item);
    if (!am) continue;
    const type = getString(am, 'type');
    const typeVal = field(am, 'type');
    // the API server checks neither an address's type nor its text (only duplicates), and
    // kube-proxy's GetNodeHostIPs reads InternalIP and ExternalIP addresses it can parse: one odd
    // Node must not stop the compile for every node
    if (type !== undefined && !ADDRESS_TYPES.has(type)) {
      const why = `it reads InternalIP and ExternalIP addresses only (known types: ${[...ADDRESS_TYPES].join(', ')})`;
      diags.push(kubeCodes['node-address-skipped'](where(typeVal!), `a node address of type '${type}'`, why));
      continue;
    }
    if (type !== 'InternalIP' && type !== 'ExternalIP') {
      getString(am, 'address'); // type-checked only: kube-proxy uses IP addresses
      continue;
    }
    const addressVal = field(am, 'address');
    const text = getString(am, 'address');
    const parsed = text === undefined ? undefined : parseIPSloppy(text);
    if (parsed && !parsed.ok) {
      const why = `not an IP address (${parsed.reason})`;
      diags.push(kubeCodes['node-address-skipped'](where(addressVal!), `node address '${text}'`, why));
      continue;
    }
    const ip = parsed?.value;
    const refused = ip && refusedNodeAddressKind(ip);
    if (refused && target !== null && meta !== null && meta.name !== target) {
      const why = `${article(refused)} ${refused} address, on a node other than --node ${target}`;
      diags.push(kubeCodes['node-address-skipped'](where(addressVal!), `node address '${ip!.text}'`, why));
    } else if (refused)
      diags.push(sharedCodes['unrouted-address'](where(addressVal!), 'node address', ip!.text, refused));
    else if (ip) (type === 'InternalIP' ? internal : external).push(ip.text);
  }
  const addresses = [...new Set([...internal, ...external])];

  // kube-proxy reads only this label of its node for topology (NodeTopologyConfig); a label value
  // may be empty, and an empty zone is no zone (hints for zone "" never match)
  const zoneLabel = meta?.labels.get(ZONE_LABEL);
  const zone = zoneLabel?.value || undefined;
  if (zone !== undefined) {
    const why = labelValue(zone);
    if (why)
      diags.push(kubeCodes['invalid-name'](where(zoneLabel!.at, nameRuleHint(labelValue)), 'zone label', zone, why));
  }
  if (!meta || failed()) return null;
  return {
    name: meta.name,
    addresses,
    podCIDRs: podCIDRs.map((c) => c.text as CIDRText),
    ...(zone === undefined ? {} : { zone }),
    origin: { file: obj.loc.file, span: firstLine(obj), path: obj.loc.path },
  };
}
