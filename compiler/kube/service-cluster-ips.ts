// spec.clusterIP, spec.clusterIPs and spec.ipFamilies of a Service: the addresses kube-proxy takes
// per family (GetClusterIPByFamily), with the API server's rules on them (clusterIPs[0] is
// clusterIP, at most one address per family, ipFamilies aligned with them), and `None` (headless).
import type { ParsedIP } from '../../common/ip.ts';
import { specialKind } from '../../common/special-address.ts';
import { sharedCodes } from '../shared-rules/codes.ts';
import { kubeCodes } from './codes.ts';
import { readIP } from './ip-fields.ts';
import { field, firstLine, getString, getStringList, type MapVal, type Val, where } from './yaml-reader.ts';

/**
 * clusterIP / clusterIPs / ipFamilies: the API keeps clusterIPs[0] == clusterIP and ipFamilies
 * aligned with clusterIPs; kube-proxy takes, per family, the clusterIPs entry of that family.
 * 'headless' for `None` or no address at all (kube-proxy skips the service).
 */
export function readClusterIPs(obj: MapVal, spec: MapVal): { clusterIPs: ParsedIP[]; clusterIPAt: Val[] } | 'headless' {
  const diags = spec.ctx.diags;
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
    if (rawIPs.length === 0 || rawIPs[0]!.value === '') {
      diags.push(kubeCodes['no-cluster-ip']({ file: obj.loc.file, span: firstLine(obj), path: spec.loc.path }));
    }
    return 'headless';
  }
  if (rawIPs.length > 2) {
    diags.push(
      kubeCodes['invalid-value'](where(rawIPs[2]!.at), 'spec.clusterIPs', 'at most two addresses (one per IP family)'),
    );
  }
  const clusterIPs: ParsedIP[] = [];
  const clusterIPAt: Val[] = [];
  for (const raw of rawIPs.slice(0, 2)) {
    const ip = readIP(raw.at, 'clusterIP');
    if (!ip) continue;
    const special = specialKind(ip);
    if (special !== null) {
      diags.push(sharedCodes['reserved-cluster-ip'](where(raw.at), ip.text, special));
      continue;
    }
    if (clusterIPs.some((c) => c.family === ip.family)) {
      diags.push(kubeCodes['invalid-value'](where(raw.at), 'spec.clusterIPs', 'two addresses of the same IP family'));
      continue;
    }
    clusterIPs.push(ip);
    clusterIPAt.push(raw.at);
  }
  checkIPFamilies(spec, clusterIPs);
  // Without ipFamilies (objects from API servers before dual-stack), kube-proxy's
  // GetClusterIPByFamily reads spec.clusterIP alone.
  if (!field(spec, 'ipFamilies') && clusterIPs.length > 1) {
    diags.push(kubeCodes['second-cluster-ip-ignored'](where(clusterIPAt[1]!)));
    clusterIPs.length = 1;
    clusterIPAt.length = 1;
  }
  return { clusterIPs, clusterIPAt };
}

/** spec.ipFamilies: known values, aligned with the cluster IPs' families, one per cluster IP. */
function checkIPFamilies(spec: MapVal, clusterIPs: readonly ParsedIP[]): void {
  const diags = spec.ctx.diags;
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
}
