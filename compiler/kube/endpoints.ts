// EndpointSlices -> EndpointModel[] of one service, as kube-proxy's EndpointSliceCache builds its
// endpoints map (pkg/proxy/endpointslicecache.go endpointInfoByServicePort / addEndpoints):
//  - a slice port matches the service port with the same name AND protocol; ports without a
//    number (nil or 0) are ignored;
//  - per service port, endpoints are keyed by "ip:port" with the first address only; a duplicate
//    (the same ip:port in another slice, or twice in one) replaces the one seen before unless it
//    is terminating — kube-proxy prefers the non-terminating copy. kube-proxy walks slices in Go
//    map order; here slices are taken in input order so the result is deterministic.
// The model keeps one EndpointModel per address and facts (node, zone, hints, conditions): an address
// whose copies differ per service port becomes several EndpointModels with disjoint ports, and one
// listed with two port numbers for one service port (two ip:port keys) one entry per number.
import type { Diagnostic } from '../../common/diagnostics.ts';
import { joinHostPort } from '../../common/ip.ts';
import type { EndpointModel, ServiceModel } from '../model.ts';
import { kubeCodes } from './codes.ts';
import type { SliceEndpoint, SliceRead } from './endpointslice.ts';
import { type Val, where } from './yaml-reader.ts';

interface Instance {
  ep: SliceEndpoint;
  port: number;
}

const sameNames = (a: readonly string[] | undefined, b: readonly string[] | null): boolean =>
  (a?.length ?? 0) === (b?.length ?? 0) && (a ?? []).every((n, i) => b![i] === n);

const sameFacts = (a: EndpointModel, b: SliceEndpoint): boolean =>
  a.address === b.address.text &&
  a.nodeName === b.nodeName &&
  a.zone === b.zone &&
  sameNames(a.zoneHints, b.zoneHints) &&
  sameNames(a.nodeHints, b.nodeHints) &&
  a.conditions.ready === b.conditions.ready &&
  a.conditions.serving === b.conditions.serving &&
  a.conditions.terminating === b.conditions.terminating;

/** Where each endpoint's nodeName was written (the model keeps only the endpoint's origin). */
export type NodeNameSites = Map<EndpointModel, Val | null>;

export function endpointsOf(
  service: ServiceModel,
  slices: readonly SliceRead[],
  diags: Diagnostic[],
  sites?: NodeNameSites,
): EndpointModel[] {
  const svcName = `${service.namespace}/${service.name}`;
  // Per service port name: "ip:port" -> chosen instance (Map keeps first-insertion order).
  const byPort = new Map<string, Map<string, Instance>>();
  for (const p of service.ports) byPort.set(p.name, new Map());
  // kube-proxy's proxier of a family without a cluster IP of this service never reads these.
  const families = new Set(service.clusterIPs.map((ip) => (ip.includes(':') ? 'ipv6' : 'ipv4')));
  const unused = new Set<string>();
  for (const slice of slices) {
    for (const ep of slice.endpoints) {
      if (families.has(ep.address.family) || unused.has(ep.address.text)) continue;
      unused.add(ep.address.text);
      diags.push(kubeCodes['endpoint-family-unused'](where(ep.at), ep.address.text, svcName));
    }
  }

  for (const slice of slices) {
    for (const sp of slice.ports) {
      const target = service.ports.find((p) => p.name === sp.name && p.protocol === sp.protocol);
      if (!target) {
        const label = `${sp.name === '' ? '(unnamed)' : `'${sp.name}'`}/${sp.protocol}`;
        diags.push(kubeCodes['slice-port-unmatched'](where(sp.at), label, svcName));
        continue;
      }
      if (sp.port === null) continue;
      const set = byPort.get(target.name)!;
      for (const ep of slice.endpoints) {
        if (!families.has(ep.address.family)) continue;
        const key = joinHostPort(ep.address.text, sp.port);
        if (!set.has(key) || !ep.conditions.terminating) set.set(key, { ep, port: sp.port });
      }
    }
  }

  const out: EndpointModel[] = [];
  const byAddress = new Map<string, EndpointModel[]>();
  for (const p of service.ports) {
    for (const { ep, port } of byPort.get(p.name)!.values()) {
      const same = byAddress.get(ep.address.text) ?? [];
      // The same address twice for one service port, with two port numbers (hostNetwork pods on
      // one node whose named port differs): kube-proxy keys by ip:port and uses both, so the
      // model gets another entry for the address (an entry gives each port name one number).
      let target = same.find((e) => sameFacts(e, ep) && e.ports[p.name] === undefined);
      if (!target) {
        target = {
          address: ep.address.text,
          family: ep.address.family,
          nodeName: ep.nodeName,
          zone: ep.zone,
          conditions: { ...ep.conditions },
          ports: {},
          origin: { file: ep.at.loc.file, span: ep.at.loc.span, path: ep.at.loc.path },
        };
        // hints only where given: the endpoints without keep the shape they had
        if (ep.zoneHints !== null) target.zoneHints = ep.zoneHints;
        if (ep.nodeHints !== null) target.nodeHints = ep.nodeHints;
        out.push(target);
        byAddress.set(ep.address.text, [...same, target]);
        sites?.set(target, ep.nodeNameAt);
      }
      target.ports[p.name] = port;
    }
  }
  return out;
}
