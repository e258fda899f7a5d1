// EndpointSlice (discovery.k8s.io/v1) -> the facts kube-proxy takes from it
// (pkg/proxy/endpointslicecache.go): the owning service (label kubernetes.io/service-name, same
// namespace), named ports, and per endpoint the first address, nodeName, zone and conditions with
// their nil defaults (ready nil -> true, serving nil -> true, terminating nil -> false).
// FQDN slices are ignored, as kube-proxy ignores them.
import { familyName, type ParsedIP } from '../../common/ip.ts';
import type { Protocol } from '../../common/kubernetes.ts';
import { dns1123Label, dns1123Subdomain, labelValue, nameRuleHint } from '../../common/name-validation.ts';
import type { EndpointConditions } from '../model.ts';
import { sharedCodes } from '../shared-rules/codes.ts';
import { kubeCodes } from './codes.ts';
import { readUnicastIP } from './ip-fields.ts';
import { hidingLabel, readMeta } from './object-meta.ts';

import {
  asMap,
  checkKnownFields,
  errorsSince,
  field,
  firstLine,
  getMap,
  getSeq,
  getString,
  type Located,
  located,
  type MapVal,
  missing,
  readEnum,
  type Val,
  where,
} from './yaml-reader.ts';
import { getBool, getInt } from './yaml-scalars.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface SlicePort {
  name: string;
  protocol: Protocol;
  /** null when unset or 0: kube-proxy ignores such a port. */
  port: number | null;
  at: Located;
}

export interface SliceEndpoint {
  address: ParsedIP;
  nodeName: string | null;
  /** Where nodeName was written (for "no such Node" warnings). */
  nodeNameAt: Val | null;
  zone: string | null;
  /** hints.forZones / hints.forNodes names, each once (null: none) — topology-aware routing. */
  zoneHints: readonly string[] | null;
  nodeHints: readonly string[] | null;
  conditions: EndpointConditions;
  at: Located;
}

export interface SliceRead {
  namespace: string;
  name: string;
  /** The owning service's name; null when the label is missing (kube-proxy ignores the slice). */
  serviceName: string | null;
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
  at: Located;
}

/** A slice kube-proxy never lists (object-meta.ts, hidingLabel): its label, and the service it names. */
export interface HiddenSlice {
  label: string;
  labelAt: Val;
  namespace: string;
  name: string;
  serviceName: string | null;
}

export type SliceResult =
  | { kind: 'slice'; read: SliceRead }
  /** FQDN slices, and (`hidden`) slices a label hides from kube-proxy */
  | { kind: 'skipped'; hidden?: HiddenSlice }
  | { kind: 'invalid' };

const PROTOCOLS: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };
const TOP_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'addressType', 'endpoints', 'ports']);
const ENDPOINT_FIELDS = new Set([
  'addresses',
  'conditions',
  'hostname',
  'targetRef',
  'nodeName',
  'zone',
  'hints',
  'deprecatedTopology',
]);
const CONDITION_FIELDS = new Set(['ready', 'serving', 'terminating']);
const HINT_FIELDS = new Set(['forZones', 'forNodes']);
const HINT_ITEM_FIELDS = new Set(['name']);
/** The API server's bound on each hint list (validation of discovery.k8s.io/v1 EndpointHints). */
const MAX_HINTS = 8;
const PORT_FIELDS = new Set(['name', 'protocol', 'port', 'appProtocol']);
const MAX_ADDRESSES = 100;

export function readEndpointSlice(obj: MapVal): SliceResult {
  const diags = obj.ctx.diags;
  const failed = errorsSince(diags);
  checkKnownFields(obj, TOP_FIELDS, 'EndpointSlice');
  const meta = readMeta(obj, 'EndpointSlice', dns1123Subdomain, true);
  const hiding = meta && hidingLabel(meta);
  if (hiding) {
    if (failed()) return { kind: 'invalid' };
    const owner = meta.labels.get(SERVICE_NAME_LABEL)?.value;
    return {
      kind: 'skipped',
      hidden: {
        label: hiding.label,
        labelAt: hiding.at,
        namespace: meta.namespace,
        name: meta.name,
        serviceName: owner ? owner : null,
      },
    };
  }
  const addressType = readEnum(obj, 'addressType', ['IPv4', 'IPv6', 'FQDN'] as const);
  if (addressType === undefined) {
    if (!field(obj, 'addressType')) missing(obj, 'addressType');
    return { kind: 'invalid' };
  }
  if (addressType === 'FQDN') return failed() ? { kind: 'invalid' } : { kind: 'skipped' };
  const family = addressType === 'IPv4' ? 'ipv4' : 'ipv6';

  // Ports: name "" when unset, protocol TCP when unset (the API's defaults).
  const ports: SlicePort[] = [];
  const seenNames = new Set<string>();
  for (const item of getSeq(obj, 'ports') ?? []) {
    const pm = asMap(item);
    if (!pm) continue;
    checkKnownFields(pm, PORT_FIELDS, 'an EndpointSlice port');
    const name = getString(pm, 'name') ?? '';
    if (name !== '') {
      const why = dns1123Label(name);
      if (why)
        diags.push(
          kubeCodes['invalid-name'](where(field(pm, 'name')!, nameRuleHint(dns1123Label)), 'port name', name, why),
        );
    }
    if (seenNames.has(name))
      diags.push(kubeCodes['duplicate-value'](where(field(pm, 'name') ?? pm), `port name '${name}'`));
    seenNames.add(name);
    const protocol = readEnum(pm, 'protocol', Object.keys(PROTOCOLS)) ?? (field(pm, 'protocol') ? undefined : 'TCP');
    const portVal = field(pm, 'port');
    const port = getInt(pm, 'port');
    if (port !== undefined && (port < 0 || port > 65535))
      diags.push(sharedCodes['invalid-port'](where(portVal!), 'port', String(port)));
    if (portVal === undefined || port === 0) {
      diags.push(kubeCodes['slice-port-ignored'](where(portVal ?? pm), 'no port number'));
    }
    if (protocol === undefined) continue;
    ports.push({
      name,
      protocol: PROTOCOLS[protocol]!,
      port: port && port > 0 && port <= 65535 ? port : null,
      at: located(pm),
    });
  }

  const endpoints: SliceEndpoint[] = [];
  // An absent endpoints list is an empty one: nothing to route to.
  for (const item of getSeq(obj, 'endpoints') ?? []) {
    const em = asMap(item);
    if (!em) continue;
    checkKnownFields(em, ENDPOINT_FIELDS, 'an EndpointSlice endpoint');
    const ep = readEndpoint(em, family);
    if (ep) endpoints.push(ep);
  }
  const labelled = meta?.labels.get(SERVICE_NAME_LABEL);
  if (meta && (!labelled || labelled.value === '')) {
    diags.push(
      kubeCodes['slice-without-service-label']({
        file: obj.loc.file,
        span: firstLine(obj),
        path: `${obj.loc.path ? `${obj.loc.path}.` : ''}metadata.labels`,
      }),
    );
  }
  if (!meta || failed()) return { kind: 'invalid' };
  return {
    kind: 'slice',
    read: {
      namespace: meta.namespace,
      name: meta.name,
      serviceName: labelled && labelled.value !== '' ? labelled.value : null,
      ports,
      endpoints,
      at: located(obj),
    },
  };
}

function readEndpoint(em: MapVal, family: 'ipv4' | 'ipv6'): SliceEndpoint | null {
  const diags = em.ctx.diags;
  const addrsVal = field(em, 'addresses');
  const addrs = getSeq(em, 'addresses');
  if (!addrsVal) return missing(em, 'addresses') ?? null;
  if (!addrs) return null;
  if (addrs.length === 0 || addrs.length > MAX_ADDRESSES) {
    diags.push(kubeCodes['invalid-value'](where(addrsVal), 'addresses', `must list 1 to ${MAX_ADDRESSES} addresses`));
    return null;
  }
  // Every address must match the slice's addressType; kube-proxy uses only the first.
  let first: ParsedIP | undefined;
  addrs.forEach((a: Val, i) => {
    const ip = readUnicastIP(a, 'endpoint address');
    if (!ip) return;
    if (ip.family !== family) {
      diags.push(kubeCodes['wrong-family'](where(a), ip.text, familyName(family)));
      return;
    }
    if (i === 0) first = ip;
  });
  const cond = getMap(em, 'conditions');
  if (cond) checkKnownFields(cond, CONDITION_FIELDS, 'endpoint conditions');
  const ready = cond ? getBool(cond, 'ready') : undefined;
  const serving = cond ? getBool(cond, 'serving') : undefined;
  const terminating = cond ? getBool(cond, 'terminating') : undefined;
  const nodeVal = field(em, 'nodeName');
  const nodeName = getString(em, 'nodeName');
  if (nodeName !== undefined) {
    const why = dns1123Subdomain(nodeName);
    if (why)
      diags.push(kubeCodes['invalid-name'](where(nodeVal!, nameRuleHint(dns1123Subdomain)), 'nodeName', nodeName, why));
  }
  const zone = getString(em, 'zone');
  if (zone !== undefined) {
    const why = labelValue(zone);
    if (why)
      diags.push(kubeCodes['invalid-name'](where(field(em, 'zone')!, nameRuleHint(labelValue)), 'zone', zone, why));
  }
  const hints = getMap(em, 'hints');
  if (hints) checkKnownFields(hints, HINT_FIELDS, 'endpoint hints');
  const zoneHints = hints ? readHintNames(hints, 'forZones', 'zone hint', labelValue) : null;
  const nodeHints = hints ? readHintNames(hints, 'forNodes', 'node hint', dns1123Subdomain) : null;
  if (!first) return null;
  return {
    address: first,
    nodeName: nodeName ?? null,
    nodeNameAt: nodeName === undefined ? null : nodeVal!,
    zone: zone ?? null,
    zoneHints,
    nodeHints,
    conditions: { ready: ready ?? true, serving: serving ?? true, terminating: terminating ?? false },
    at: located(em),
  };
}

/**
 * One list of an endpoint's hints (`forZones` or `forNodes`: items `{name}`), as kube-proxy keeps it:
 * a set of names (in listed order; the API refuses one listed twice); null when absent or empty.
 */
function readHintNames(
  hints: MapVal,
  key: 'forZones' | 'forNodes',
  what: string,
  rule: (name: string) => string | null,
): readonly string[] | null {
  const diags = hints.ctx.diags;
  const items = getSeq(hints, key);
  if (!items || items.length === 0) return null;
  if (items.length > MAX_HINTS) {
    diags.push(kubeCodes['invalid-value'](where(field(hints, key)!), `hints.${key}`, `must list at most ${MAX_HINTS}`));
  }
  const names: string[] = [];
  for (const item of items) {
    const m = asMap(item);
    if (!m) continue;
    checkKnownFields(m, HINT_ITEM_FIELDS, `a ${what}`);
    const nameVal = field(m, 'name');
    const name = getString(m, 'name');
    if (name === undefined) {
      if (!nameVal) missing(m, 'name');
      continue;
    }
    const why = rule(name);
    if (why) {
      diags.push(kubeCodes['invalid-name'](where(nameVal!, nameRuleHint(rule)), what, name, why));
      continue;
    }
    // validateHints refuses a name listed twice
    if (names.includes(name)) diags.push(kubeCodes['duplicate-value'](where(nameVal!), `${what} '${name}'`));
    else names.push(name);
  }
  return names.length > 0 ? names : null;
}
