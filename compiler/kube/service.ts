// Service (v1) -> ServiceModel (without endpoints), following kube-proxy's reading
// (pkg/proxy/serviceport.go newBaseServiceInfo, service.go, util.ShouldSkipService,
// GetClusterIPByFamily) and refusing what the API server's ValidateService refuses.

import { closestKeyword } from '../../common/did-you-mean.ts';
import type { ParsedIP } from '../../common/ip.ts';
import {
  isExternallyAccessible,
  type Protocol,
  type ServiceType,
  type TrafficPolicy,
} from '../../common/kubernetes.ts';
import { dns1035Label, dns1123Label, ianaServiceName, nameRuleHint } from '../../common/name-validation.ts';
import type { ServiceModel, ServicePortModel } from '../model.ts';
import { kubeCodes } from './codes.ts';
import { noRepeats, readCIDR, readUnicastIP } from './ip-fields.ts';
import { readMeta } from './object-meta.ts';
import {
  asInt,
  asIntOrString,
  asMap,
  asString,
  checkKnownFields,
  errorsSince,
  field,
  firstLine,
  getMap,
  getSeq,
  getString,
  getStringList,
  type MapVal,
  missing,
  type Val,
  where,
} from './yaml-reader.ts';

export interface ServiceRead {
  model: ServiceModel;
  /** Where each clusterIP was written (aligned with model.clusterIPs). */
  clusterIPAt: Val[];
  /** Where each port's nodePort was written (aligned with model.ports). */
  nodePortAt: (Val | null)[];
  healthCheckAt: Val | null;
}

export type ServiceResult =
  | { kind: 'service'; read: ServiceRead }
  /** Headless or ExternalName: kube-proxy writes nothing for it. */
  | { kind: 'skipped'; namespace: string; name: string }
  | { kind: 'invalid' };

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
const PROTOCOLS: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };
const POLICIES: readonly TrafficPolicy[] = ['Cluster', 'Local'];
const DEFAULT_AFFINITY_TIMEOUT = 10800;
const MAX_AFFINITY_TIMEOUT = 86400;

const SPEC_FIELDS = new Set([
  'ports',
  'selector',
  'clusterIP',
  'clusterIPs',
  'type',
  'externalIPs',
  'sessionAffinity',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalName',
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'publishNotReadyAddresses',
  'sessionAffinityConfig',
  'ipFamilies',
  'ipFamilyPolicy',
  'allocateLoadBalancerNodePorts',
  'loadBalancerClass',
  'internalTrafficPolicy',
  'trafficDistribution',
]);
const PORT_FIELDS = new Set(['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort']);
const TOP_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/** Read an enum-valued string field; reports unsupported values. */
export function readEnum<T extends string>(m: MapVal, key: string, allowed: readonly T[]): T | undefined {
  const v = field(m, key);
  const s = asString(v);
  if (s === undefined || !v) return undefined;
  if ((allowed as readonly string[]).includes(s)) return s as T;
  const hint = closestKeyword(s, allowed);
  m.ctx.diags.push(
    kubeCodes['unsupported-value'](where(v, hint ? `did you mean '${hint}'?` : undefined), key, s, allowed.join(', ')),
  );
  return undefined;
}

/** A port number field (1-65535). */
function readPort(m: MapVal, key: string, required: boolean): { value: number; at: Val } | undefined {
  const v = field(m, key);
  if (!v) {
    if (required) missing(m, key);
    return undefined;
  }
  const n = asInt(v);
  if (n === undefined) return undefined;
  if (n < 1 || n > 65535) {
    m.ctx.diags.push(kubeCodes['invalid-port'](where(v), key, n));
    return undefined;
  }
  return { value: n, at: v };
}

export function readService(obj: MapVal): ServiceResult {
  const diags = obj.ctx.diags;
  const failed = errorsSince(diags);
  checkKnownFields(obj, TOP_FIELDS, 'Service');

  const meta = readMeta(obj, 'Service', dns1035Label, true);
  const spec = getMap(obj, 'spec');
  if (!spec) {
    if (!field(obj, 'spec')) missing(obj, 'spec');
    return { kind: 'invalid' };
  }
  checkKnownFields(spec, SPEC_FIELDS, 'Service spec');
  const type = readEnum(spec, 'type', SERVICE_TYPES) ?? (field(spec, 'type') ? undefined : 'ClusterIP');
  if (type === undefined) return { kind: 'invalid' };
  const skip = (): ServiceResult =>
    meta && !failed() ? { kind: 'skipped', namespace: meta.namespace, name: meta.name } : { kind: 'invalid' };
  if (type === 'ExternalName') return skip();

  // clusterIP / clusterIPs / ipFamilies: the API keeps clusterIPs[0] == clusterIP and ipFamilies
  // aligned with clusterIPs; kube-proxy takes, per family, the clusterIPs entry of that family.
  const clusterIP = getString(spec, 'clusterIP');
  const clusterIPsList = getStringList(spec, 'clusterIPs');
  if (clusterIP !== undefined && clusterIPsList.length > 0 && clusterIPsList[0]!.value !== clusterIP) {
    diags.push(
      kubeCodes['invalid-value'](
        where(clusterIPsList[0]!.at),
        'spec.clusterIPs[0]',
        `must be the same as spec.clusterIP (${clusterIP})`,
      ),
    );
  }
  const rawIPs: { value: string; at: Val }[] =
    clusterIPsList.length > 0
      ? clusterIPsList
      : clusterIP !== undefined
        ? [{ value: clusterIP, at: field(spec, 'clusterIP')! }]
        : [];
  if (rawIPs.length === 0 || rawIPs[0]!.value === '' || rawIPs[0]!.value === 'None') {
    // Headless ("None") or no IP at all: kube-proxy skips the service.
    if (rawIPs.length === 0 || rawIPs[0]!.value === '') {
      diags.push(kubeCodes['no-cluster-ip']({ file: obj.loc.file, span: firstLine(obj), path: spec.loc.path }));
    }
    return skip();
  }
  if (rawIPs.length > 2) {
    diags.push(
      kubeCodes['invalid-value'](where(rawIPs[2]!.at), 'spec.clusterIPs', 'at most two addresses (one per IP family)'),
    );
  }
  const clusterIPs: ParsedIP[] = [];
  const clusterIPAt: Val[] = [];
  for (const raw of rawIPs.slice(0, 2)) {
    const ip = readUnicastIP(raw.at, 'clusterIP');
    if (!ip) continue;
    if (clusterIPs.some((c) => c.family === ip.family)) {
      diags.push(kubeCodes['invalid-value'](where(raw.at), 'spec.clusterIPs', 'two addresses of the same IP family'));
      continue;
    }
    clusterIPs.push(ip);
    clusterIPAt.push(raw.at);
  }
  const families = getStringList(spec, 'ipFamilies');
  families.forEach((f, i) => {
    if (f.value !== 'IPv4' && f.value !== 'IPv6') {
      diags.push(kubeCodes['unsupported-value'](where(f.at), 'ipFamilies', f.value, 'IPv4, IPv6'));
      return;
    }
    const ip = clusterIPs[i];
    if (ip && (ip.family === 'ipv4') !== (f.value === 'IPv4')) {
      diags.push(
        kubeCodes['invalid-value'](
          where(f.at),
          `spec.ipFamilies[${i}]`,
          `does not match the family of spec.clusterIPs[${i}] (${ip.text})`,
        ),
      );
    }
  });
  if (families.length > 0 && families.length < clusterIPs.length) {
    diags.push(
      kubeCodes['invalid-value'](
        where(field(spec, 'ipFamilies')!),
        'spec.ipFamilies',
        'must list the family of every spec.clusterIPs entry',
      ),
    );
  }
  // Without ipFamilies (objects from API servers before dual-stack), kube-proxy's
  // GetClusterIPByFamily reads spec.clusterIP alone.
  if (families.length === 0 && !field(spec, 'ipFamilies') && clusterIPs.length > 1) {
    diags.push(kubeCodes['second-cluster-ip-ignored'](where(clusterIPAt[1]!)));
    clusterIPs.length = 1;
    clusterIPAt.length = 1;
  }

  // Ports.
  const portsVal = field(spec, 'ports');
  const portItems = getSeq(spec, 'ports');
  if (!portsVal) missing(spec, 'ports');
  else if (portItems && portItems.length === 0)
    diags.push(kubeCodes['missing-field'](where(portsVal), 'spec.ports (at least one port)'));
  const ports: ServicePortModel[] = [];
  const nodePortAt: (Val | null)[] = [];
  const seenNames = new Map<string, Val>();
  const seenPorts = new Map<string, Val>();
  const seenNodePorts = new Map<string, Val>();
  for (const item of portItems ?? []) {
    const pm = asMap(item);
    if (!pm) continue;
    checkKnownFields(pm, PORT_FIELDS, 'a Service port');
    const nameVal = field(pm, 'name');
    const name = getString(pm, 'name') ?? '';
    if (name === '' && (portItems?.length ?? 0) > 1) {
      diags.push(
        kubeCodes['missing-field'](
          where(nameVal ?? pm),
          `${pm.loc.path}.name (required when a service has more than one port)`,
        ),
      );
    } else if (name !== '') {
      const why = dns1123Label(name);
      if (why)
        diags.push(kubeCodes['invalid-name'](where(nameVal!, nameRuleHint(dns1123Label)), 'port name', name, why));
      else if (seenNames.has(name)) diags.push(kubeCodes['duplicate-value'](where(nameVal!), `port name '${name}'`));
      seenNames.set(name, nameVal!);
    }
    const protocolName =
      readEnum(pm, 'protocol', Object.keys(PROTOCOLS)) ?? (field(pm, 'protocol') ? undefined : 'TCP');
    const port = readPort(pm, 'port', true);
    let targetPort: number | string | undefined = port?.value;
    const tpVal = field(pm, 'targetPort');
    const tp = asIntOrString(tpVal);
    if (typeof tp === 'number' && tp !== 0) {
      if (tp < 1 || tp > 65535) diags.push(kubeCodes['invalid-port'](where(tpVal!), 'targetPort', tp));
      targetPort = tp;
    } else if (typeof tp === 'string') {
      const why = ianaServiceName(tp);
      if (why) diags.push(kubeCodes['invalid-value'](where(tpVal!), `${tpVal!.loc.path}`, `'${tp}': ${why}`));
      targetPort = tp;
    }
    let nodePort: number | null = null;
    const npVal = field(pm, 'nodePort');
    const np = asInt(npVal);
    if (np !== undefined && np !== 0) {
      if (np < 1 || np > 65535) diags.push(kubeCodes['invalid-port'](where(npVal!), 'nodePort', np));
      else if (type === 'ClusterIP')
        diags.push(
          kubeCodes['forbidden-field'](where(npVal!), 'nodePort', "may not be used when 'type' is 'ClusterIP'"),
        );
      else nodePort = np;
    }
    if (port && protocolName) {
      const key = `${port.value}/${protocolName}`;
      if (seenPorts.has(key)) diags.push(kubeCodes['duplicate-value'](where(pm), `port ${key}`));
      seenPorts.set(key, pm);
      if (nodePort !== null) {
        const nkey = `${nodePort}/${protocolName}`;
        if (seenNodePorts.has(nkey)) diags.push(kubeCodes['duplicate-value'](where(npVal!), `nodePort ${nkey}`));
        seenNodePorts.set(nkey, npVal!);
      }
    }
    if (!port || !protocolName || targetPort === undefined) continue;
    ports.push({
      name,
      protocol: PROTOCOLS[protocolName]!,
      port: port.value,
      nodePort,
      targetPort,
      origin: { file: pm.loc.file, span: pm.loc.span, path: pm.loc.path },
    });
    nodePortAt.push(nodePort === null ? null : npVal!);
  }

  // Frontends.
  const externalIPs = noRepeats(
    getStringList(spec, 'externalIPs').flatMap((e) => {
      const ip = readUnicastIP(e.at, 'external IP');
      return ip ? [{ value: ip, at: e.at }] : [];
    }),
    'external IP',
  );
  const lbIngress = readIngress(obj, type);
  const rangesVal = field(spec, 'loadBalancerSourceRanges');
  const ranges = noRepeats(
    getStringList(spec, 'loadBalancerSourceRanges').flatMap((r) => {
      const c = readCIDR(r.at, true);
      return c ? [{ value: c, at: r.at }] : [];
    }),
    'load-balancer source range',
  );
  if (rangesVal && ranges.length > 0 && type !== 'LoadBalancer') {
    diags.push(
      kubeCodes['forbidden-field'](
        where(rangesVal),
        'loadBalancerSourceRanges',
        "may only be used when 'type' is 'LoadBalancer'",
      ),
    );
  }
  if (!rangesVal && meta?.annotations.has('service.beta.kubernetes.io/load-balancer-source-ranges')) {
    diags.push(
      kubeCodes['source-ranges-annotation-ignored']({
        file: obj.loc.file,
        span: firstLine(obj),
        path: 'metadata.annotations',
      }),
    );
  }

  // Policies. externalTrafficPolicy only on externally-accessible services (apiservice.ExternallyAccessible).
  const externallyAccessible = isExternallyAccessible(type as ServiceType, externalIPs.length);
  const etpVal = field(spec, 'externalTrafficPolicy');
  const etp = readEnum(spec, 'externalTrafficPolicy', POLICIES);
  if (etpVal && etp && !externallyAccessible) {
    diags.push(
      kubeCodes['forbidden-field'](
        where(etpVal),
        'externalTrafficPolicy',
        'may only be set for externally-accessible services (NodePort, LoadBalancer, or with externalIPs)',
      ),
    );
  }
  const itp = readEnum(spec, 'internalTrafficPolicy', POLICIES);
  const sessionAffinity = readAffinity(spec);
  let healthCheckNodePort: number | null = null;
  let healthCheckAt: Val | null = null;
  const hcVal = field(spec, 'healthCheckNodePort');
  const hc = asInt(hcVal);
  if (hc !== undefined && hc !== 0) {
    if (hc < 1 || hc > 65535) diags.push(kubeCodes['invalid-port'](where(hcVal!), 'healthCheckNodePort', hc));
    else if (type !== 'LoadBalancer' || etp !== 'Local') {
      diags.push(
        kubeCodes['forbidden-field'](
          where(hcVal!),
          'healthCheckNodePort',
          "may only be set when 'type' is 'LoadBalancer' and 'externalTrafficPolicy' is 'Local'",
        ),
      );
    } else {
      healthCheckNodePort = hc;
      healthCheckAt = hcVal!;
    }
  }

  if (failed() || !sessionAffinity || !meta) return { kind: 'invalid' };
  const model: ServiceModel = {
    namespace: meta.namespace,
    name: meta.name,
    type: type as ServiceType,
    clusterIPs: clusterIPs.map((c) => c.text),
    ports,
    externalIPs: externalIPs.map((e) => e.text),
    loadBalancerIngress: lbIngress,
    loadBalancerSourceRanges: ranges.map((r) => r.text),
    externalTrafficPolicy: etp ?? 'Cluster',
    internalTrafficPolicy: itp ?? 'Cluster',
    sessionAffinity,
    healthCheckNodePort,
    localDetectorOverride: null,
    endpoints: [],
    origin: { file: obj.loc.file, span: firstLine(obj), path: obj.loc.path },
  };
  return { kind: 'service', read: { model, clusterIPAt, nodePortAt, healthCheckAt } };
}

/**
 * status.loadBalancer.ingress[].ip, skipping empty IPs and ipMode Proxy (proxyutil.IsVIPMode);
 * hostname-only entries carry no VIP. The API refuses ingress IPs on other service types.
 */
function readIngress(obj: MapVal, type: string): ServiceModel['loadBalancerIngress'] {
  const status = getMap(obj, 'status');
  const lb = status && getMap(status, 'loadBalancer');
  const items = (lb && getSeq(lb, 'ingress')) ?? [];
  const out: { value: ParsedIP; at: Val }[] = [];
  for (const item of items) {
    const ing = asMap(item);
    if (!ing) continue;
    const mode = readEnum(ing, 'ipMode', ['VIP', 'Proxy'] as const);
    const ipVal = field(ing, 'ip');
    getString(ing, 'hostname'); // type-checked only: a hostname carries no VIP
    if (!ipVal || getString(ing, 'ip') === '') continue;
    if (type !== 'LoadBalancer') {
      obj.ctx.diags.push(
        kubeCodes['forbidden-field'](
          where(ipVal),
          'status.loadBalancer.ingress',
          "may only be set when 'type' is 'LoadBalancer'",
        ),
      );
      continue;
    }
    const ip = readUnicastIP(ipVal, 'load-balancer ingress IP');
    if (ip && mode !== 'Proxy') out.push({ value: ip, at: ipVal });
  }
  return noRepeats(out, 'load-balancer ingress IP').map((ip) => ip.text);
}

function readAffinity(spec: MapVal): ServiceModel['sessionAffinity'] | undefined {
  const kind = readEnum(spec, 'sessionAffinity', ['None', 'ClientIP'] as const);
  if (kind === undefined && field(spec, 'sessionAffinity')) return undefined;
  const cfgVal = field(spec, 'sessionAffinityConfig');
  const cfg = asMap(cfgVal);
  const clientIP = cfg && getMap(cfg, 'clientIP');
  const tVal = clientIP && field(clientIP, 'timeoutSeconds');
  const t = asInt(tVal);
  if (kind !== 'ClientIP') {
    if (cfgVal) {
      spec.ctx.diags.push(
        kubeCodes['forbidden-field'](
          where(cfgVal),
          'sessionAffinityConfig',
          "must not be set when 'sessionAffinity' is 'None'",
        ),
      );
      return undefined;
    }
    return { type: 'None' };
  }
  if (t !== undefined && (t < 1 || t > MAX_AFFINITY_TIMEOUT)) {
    spec.ctx.diags.push(
      kubeCodes['invalid-value'](where(tVal!), 'timeoutSeconds', `${t} is outside 1-${MAX_AFFINITY_TIMEOUT}`),
    );
    return undefined;
  }
  return { type: 'ClientIP', timeoutSeconds: t ?? DEFAULT_AFFINITY_TIMEOUT };
}
