// Service (v1) -> ServiceModel (without endpoints), following kube-proxy's reading
// (pkg/proxy/serviceport.go newBaseServiceInfo, service.go, util.ShouldSkipService,
// GetClusterIPByFamily) and refusing what the API server's ValidateService refuses. readService
// reads the spec through small readers, one per group of fields, each reporting its own problems
// (the ports' in service-ports.ts, the cluster IPs' in service-cluster-ips.ts).
import type { ParsedIP } from '../../common/ip.ts';
import { isExternallyAccessible, type ServiceType, type TrafficPolicy } from '../../common/kubernetes.ts';
import { dns1035Label } from '../../common/name-validation.ts';
import type { ServiceModel } from '../model.ts';
import { sharedCodes } from '../shared-rules/codes.ts';
import { kubeCodes } from './codes.ts';
import { noRepeats, readCIDR, readLoadBalancerIP, readUnicastIP } from './ip-fields.ts';
import { warnNotAllocated } from './not-allocated.ts';
import { hidingLabel, type ObjectMeta, readMeta } from './object-meta.ts';
import { readClusterIPs } from './service-cluster-ips.ts';
import { readServicePorts } from './service-ports.ts';
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
  isEmptyString,
  type MapVal,
  missing,
  readEnum,
  readEnumOr,
  type Val,
  where,
} from './yaml-reader.ts';
import { asInt } from './yaml-scalars.ts';

export interface ServiceRead {
  model: ServiceModel;
  /** Where each clusterIP was written (aligned with model.clusterIPs). */
  clusterIPAt: Val[];
  /** Where each port's nodePort was written (aligned with model.ports). */
  nodePortAt: (Val | null)[];
  /** Aligned with model.externalIPs and model.loadBalancerIngress. */
  externalIPAt: Val[];
  loadBalancerIPAt: Val[];
  /** Aligned with model.loadBalancerSourceRanges. */
  sourceRangeAt: Val[];
  healthCheckAt: Val | null;
}

/**
 * Why kube-proxy writes nothing for a service: no cluster IP (`None`), `type: ExternalName`, or a
 * label that keeps it out of kube-proxy's informer (object-meta.ts) — named by the label.
 */
export type SkipReason = 'headless' | 'external-name' | { label: string };

export type ServiceResult =
  | { kind: 'service'; read: ServiceRead }
  /** Headless, ExternalName, or hidden from kube-proxy by a label: kube-proxy writes nothing for it. */
  | { kind: 'skipped'; namespace: string; name: string; reason: SkipReason }
  | { kind: 'invalid' };

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
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
const TOP_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
/** The values the API (1.34) accepts for spec.trafficDistribution. */
const TRAFFIC_DISTRIBUTIONS = ['PreferClose', 'PreferSameZone', 'PreferSameNode'] as const;
const IP_FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const;

const nameOf = (meta: ObjectMeta) => ({ namespace: meta.namespace, name: meta.name });

export function readService(obj: MapVal): ServiceResult {
  const failed = errorsSince(obj.ctx.diags);
  checkKnownFields(obj, TOP_FIELDS, 'Service');
  const meta = readMeta(obj, 'Service', dns1035Label, true);
  // kube-proxy never lists it (another proxy's, or marked headless): its spec is not kube-proxy's concern
  const hidden = meta && hidingLabel(meta);
  if (meta && hidden)
    return failed() ? { kind: 'invalid' } : { kind: 'skipped', ...nameOf(meta), reason: { label: hidden.label } };
  const spec = getMap(obj, 'spec');
  if (!spec) {
    if (!field(obj, 'spec')) missing(obj, 'spec');
    return { kind: 'invalid' };
  }
  checkKnownFields(spec, SPEC_FIELDS, 'Service spec');
  const type = readEnumOr(spec, 'type', SERVICE_TYPES, 'ClusterIP');
  if (type === undefined) return { kind: 'invalid' };
  const skip = (reason: SkipReason): ServiceResult =>
    meta && !failed() ? { kind: 'skipped', ...nameOf(meta), reason } : { kind: 'invalid' };
  if (type === 'ExternalName') return skip('external-name');

  const ips = readClusterIPs(obj, spec);
  if (ips === 'headless') return skip('headless');
  const ports = readServicePorts(spec, type);
  const externalIPs = getStringList(spec, 'externalIPs').flatMap((e) => {
    const ip = readUnicastIP(e.at, 'external IP');
    return ip ? [{ value: ip, at: e.at }] : [];
  });
  noRepeats(externalIPs, 'external IP');
  const lbIngress = readIngress(obj, type);
  const ranges = readSourceRanges(obj, spec, type, meta);
  const etp = readExternalTrafficPolicy(spec, type, externalIPs.length);
  const itp = readEnum(spec, 'internalTrafficPolicy', POLICIES);
  // kube-proxy routes by the slices' hints, not by this field; a value the API refuses is refused
  readEnum(spec, 'trafficDistribution', TRAFFIC_DISTRIBUTIONS);
  // fields kube-proxy does not read, checked as the API server checks them
  const familyPolicy = readEnum(spec, 'ipFamilyPolicy', IP_FAMILY_POLICIES);
  if (familyPolicy === 'SingleStack' && (ips.clusterIPs.length > 1 || (getSeq(spec, 'ipFamilies')?.length ?? 0) > 1))
    spec.ctx.diags.push(
      kubeCodes['invalid-value'](
        where(field(spec, 'ipFamilyPolicy')!),
        'spec.ipFamilyPolicy',
        "'SingleStack' with two cluster IPs or IP families (the API server requires 'PreferDualStack' or 'RequireDualStack')",
      ),
    );
  const allocate = field(spec, 'allocateLoadBalancerNodePorts');
  if (allocate && type !== 'LoadBalancer')
    spec.ctx.diags.push(
      kubeCodes['forbidden-field'](
        where(allocate),
        'allocateLoadBalancerNodePorts',
        "may only be used when 'type' is 'LoadBalancer'",
      ),
    );
  const sessionAffinity = readAffinity(spec);
  const healthCheck = readHealthCheckNodePort(spec, type, etp);
  warnNotAllocated(spec, type, etp, ports.ports, healthCheck !== null);

  if (failed() || !sessionAffinity || !meta) return { kind: 'invalid' };
  const model: ServiceModel = {
    namespace: meta.namespace,
    name: meta.name,
    type,
    clusterIPs: ips.clusterIPs.map((c) => c.text),
    ports: ports.ports,
    externalIPs: externalIPs.map((e) => e.value.text),
    loadBalancerIngress: lbIngress.map((i) => i.value.text),
    loadBalancerSourceRanges: ranges.map((r) => r.text),
    externalTrafficPolicy: etp ?? 'Cluster',
    internalTrafficPolicy: itp ?? 'Cluster',
    sessionAffinity,
    healthCheckNodePort: healthCheck?.value ?? null,
    localDetectorOverride: null,
    endpoints: [],
    origin: { file: obj.loc.file, span: firstLine(obj), path: obj.loc.path },
  };
  return {
    kind: 'service',
    read: {
      model,
      clusterIPAt: ips.clusterIPAt,
      nodePortAt: ports.nodePortAt,
      externalIPAt: externalIPs.map((e) => e.at),
      sourceRangeAt: ranges.map((r) => r.at),
      loadBalancerIPAt: lbIngress.map((i) => i.at),
      healthCheckAt: healthCheck?.at ?? null,
    },
  };
}

/**
 * spec.loadBalancerSourceRanges (LoadBalancer only); kube-proxy ignores the older annotation, and
 * a warning says so.
 */
function readSourceRanges(
  obj: MapVal,
  spec: MapVal,
  type: ServiceType,
  meta: ObjectMeta | null,
): { text: ServiceModel['loadBalancerSourceRanges'][number]; at: Val }[] {
  const diags = spec.ctx.diags;
  const rangesVal = field(spec, 'loadBalancerSourceRanges');
  const ranges = getStringList(spec, 'loadBalancerSourceRanges').flatMap((r) => {
    const c = readCIDR(r.at, 'load-balancer source range', true);
    return c ? [{ value: c, at: r.at }] : [];
  });
  noRepeats(ranges, 'load-balancer source range');
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
  return ranges.map((r) => ({ text: r.value.text, at: r.at }));
}

/** externalTrafficPolicy, allowed only on externally accessible services (common/kubernetes.ts). */
function readExternalTrafficPolicy(
  spec: MapVal,
  type: ServiceType,
  externalIPCount: number,
): TrafficPolicy | undefined {
  const etpVal = field(spec, 'externalTrafficPolicy');
  // "" is what an unset policy reads as: the API server defaults it to Cluster where it applies
  if (etpVal && isEmptyString(etpVal)) return undefined;
  const etp = readEnum(spec, 'externalTrafficPolicy', POLICIES);
  if (etpVal && etp && !isExternallyAccessible(type, externalIPCount)) {
    spec.ctx.diags.push(
      kubeCodes['forbidden-field'](
        where(etpVal),
        'externalTrafficPolicy',
        'may only be set for externally-accessible services (NodePort, LoadBalancer, or with externalIPs)',
      ),
    );
  }
  return etp;
}

/** healthCheckNodePort: only on a LoadBalancer service with externalTrafficPolicy Local. */
function readHealthCheckNodePort(
  spec: MapVal,
  type: ServiceType,
  etp: TrafficPolicy | undefined,
): { value: number; at: Val } | null {
  const hcVal = field(spec, 'healthCheckNodePort');
  const hc = asInt(hcVal);
  if (hc === undefined || hc === 0) return null;
  const diags = spec.ctx.diags;
  if (hc < 1 || hc > 65535) diags.push(sharedCodes['invalid-port'](where(hcVal!), 'healthCheckNodePort', String(hc)));
  else if (type !== 'LoadBalancer' || etp !== 'Local') {
    diags.push(
      kubeCodes['forbidden-field'](
        where(hcVal!),
        'healthCheckNodePort',
        "may only be set when 'type' is 'LoadBalancer' and 'externalTrafficPolicy' is 'Local'",
      ),
    );
  } else return { value: hc, at: hcVal! };
  return null;
}

/**
 * status.loadBalancer.ingress[].ip, skipping empty IPs and ipMode Proxy (proxyutil.IsVIPMode);
 * hostname-only entries carry no VIP. The API refuses ingress IPs on other service types.
 */
function readIngress(obj: MapVal, type: string): { value: ParsedIP; at: Val }[] {
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
    const ip = readLoadBalancerIP(ipVal);
    if (ip && mode !== 'Proxy') out.push({ value: ip, at: ipVal });
  }
  noRepeats(out, 'load-balancer ingress IP');
  return out;
}

function readAffinity(spec: MapVal): ServiceModel['sessionAffinity'] | undefined {
  const kind = readEnumOr(spec, 'sessionAffinity', ['None', 'ClientIP'] as const, 'None');
  if (kind === undefined) return undefined;
  const cfgVal = field(spec, 'sessionAffinityConfig');
  if (kind === 'None') {
    // SetDefaults_Service clears the config of a service without affinity before validating it
    if (cfgVal)
      spec.ctx.diags.push(
        kubeCodes['cleared-by-default'](
          where(cfgVal),
          'sessionAffinityConfig',
          "'sessionAffinity' is 'None', and the API server clears it",
        ),
      );
    return { type: 'None' };
  }
  const cfg = asMap(cfgVal);
  const clientIP = cfg && getMap(cfg, 'clientIP');
  const tVal = clientIP && field(clientIP, 'timeoutSeconds');
  const t = asInt(tVal);
  if (t !== undefined && (t < 1 || t > MAX_AFFINITY_TIMEOUT)) {
    spec.ctx.diags.push(
      kubeCodes['invalid-value'](where(tVal!), 'timeoutSeconds', `${t} is outside 1-${MAX_AFFINITY_TIMEOUT}`),
    );
    return undefined;
  }
  return { type: 'ClientIP', timeoutSeconds: t ?? DEFAULT_AFFINITY_TIMEOUT };
}
