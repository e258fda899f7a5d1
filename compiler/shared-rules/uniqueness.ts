// What may exist once per cluster, refused the same way by both front ends:
//  - a cluster IP belongs to one service (the API server's IP allocator);
//  - a frontend IP:port/protocol reaches one service. The API server does not allocate external or
//    load-balancer IPs, so it accepts two services on one, and kube-proxy writes both, but what a
//    packet gets is not defined: its iptables mode sends it to whichever rule comes first, its
//    nftables mode keys the service-ips map by address . protocol . port and keeps the element
//    written last (nftElementStorage.ensureElem deletes and re-adds a changed key), both in Go map
//    order. Even within one service the modes differ: an external IP equal to a load-balancer IP
//    with source ranges skips KUBE-FW in iptables mode (the external IP rule comes first) but not
//    the firewall-ips check in nftables mode. So the second claim is an error, whether it is
//    another service's or this service's own (an external IP equal to its cluster IP or LB IP);
//  - a NodePort number belongs to one service (the API server's port allocator hands out numbers
//    whatever the protocol; one service may use a number for two protocols), and a health-check
//    node port takes a number of its own, even against its own service's nodePorts.
import { joinHostPort } from '../../common/ip.ts';
import { sharedCodes } from './codes.ts';
import type { ClusterFacts, FactReporter, PortFact, ServiceFacts } from './facts.ts';

export function clusterIPsUnique<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  const owner = new Map<string, { svc: ServiceFacts<L>; at: L }>();
  for (const s of facts.services) {
    for (const c of s.clusterIPs) {
      const prev = owner.get(c.ip);
      if (!prev) owner.set(c.ip, { svc: s, at: c.at });
      // by name: a service given twice is duplicate-service, not a second owner of its own IP
      else if (prev.svc.key !== s.key) {
        r.report(
          sharedCodes['cluster-ip-in-use'](
            r.where(c.at, { related: [r.related(`${prev.svc.key} uses it here`, prev.at)] }),
            c.ip,
            prev.svc.key,
          ),
        );
      }
    }
  }
}

export function frontendsUnique<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  // Cluster IPs never collide with each other here (that is cluster-ip-in-use), only with external
  // and load-balancer IPs, which few services have: claim only cluster IPs that are also one of those.
  const outside = new Set<string>();
  for (const s of facts.services) {
    for (const a of s.externalIPs) outside.add(a.ip);
    for (const a of s.loadBalancerIPs) outside.add(a.ip);
  }
  if (outside.size === 0) return;
  const owner = new Map<string, { key: string; at: L; what: string }>();
  for (const s of facts.services) {
    const claim = (ip: string, p: PortFact<L>, at: L, what: string) => {
      const k = `${ip}|${p.port}|${p.protocol}`;
      const prev = owner.get(k);
      if (!prev) owner.set(k, { key: s.key, at, what });
      else if ((prev.key !== s.key || prev.what !== what) && !(prev.what === 'cluster IP' && what === 'cluster IP')) {
        const other = prev.key === s.key ? `this service (${prev.what})` : `${prev.key} (${prev.what})`;
        r.report(
          sharedCodes['frontend-in-use'](
            r.where(at, { related: [r.related('first claimed here', prev.at)] }),
            `${joinHostPort(ip, p.port)}/${p.protocol}`,
            other,
          ),
        );
      }
    };
    for (const c of s.clusterIPs) {
      if (!outside.has(c.ip)) continue;
      for (const p of s.ports) if (p.families.includes(c.family)) claim(c.ip, p, c.at, 'cluster IP');
    }
    for (const [list, what] of [
      [s.externalIPs, 'external IP'],
      [s.loadBalancerIPs, 'load-balancer IP'],
    ] as const) {
      for (const a of list) for (const p of s.ports) if (p.families.includes(a.family)) claim(a.ip, p, a.at, what);
    }
  }
}

export function nodePortsUnique<L>(facts: ClusterFacts<L>, r: FactReporter<L>): void {
  const owner = new Map<number, { key: string; what: string; at: L }>();
  for (const s of facts.services) {
    const hc = s.healthCheckNodePort;
    if (hc === null && !s.ports.some((p) => p.nodePort !== null)) continue;
    const mine = new Map<string, PortFact<L>>();
    const claimed: { port: number; at: L }[] = [];
    for (const p of s.ports) {
      const np = p.nodePort;
      if (np === null) continue;
      const k = `${np.value}/${p.protocol}`;
      const prev = mine.get(k);
      if (prev) {
        r.report(
          sharedCodes['duplicate-node-port'](
            r.where(np.at, { related: [r.related('first used here', prev.nodePort!.at)] }),
            'nodePort',
            np.value,
            `port ${prev.label} of this service`,
          ),
        );
        continue;
      }
      mine.set(k, p);
      const other = owner.get(np.value);
      if (other && other.key !== s.key) {
        r.report(
          sharedCodes['duplicate-node-port'](
            r.where(np.at, { related: [r.related(`${other.key} uses it here`, other.at)] }),
            'nodePort',
            np.value,
            `${other.what} of ${other.key}`,
          ),
        );
      } else claimed.push({ port: np.value, at: np.at });
    }
    for (const c of claimed) if (!owner.has(c.port)) owner.set(c.port, { key: s.key, what: 'a nodePort', at: c.at });
    if (hc === null) continue;
    const other = owner.get(hc.value);
    if (other) {
      r.report(
        sharedCodes['duplicate-node-port'](
          r.where(hc.at, { related: [r.related(`${other.key} uses it here`, other.at)] }),
          'healthCheckNodePort',
          hc.value,
          `${other.what} of ${other.key}`,
        ),
      );
    } else owner.set(hc.value, { key: s.key, what: 'the healthCheckNodePort', at: hc.at });
  }
}
