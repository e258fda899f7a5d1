// Which affinity list an artifact means by a name. Both backends keep one list of client records
// per (service port, endpoint) — iptables as an xt_recent list named after the endpoint's
// KUBE-SEP chain, nft as a set (ksvc: one set per service port whose key carries the endpoint) —
// and the verifier compares them under one canonical identity, the IR's AffinityListId
// "<servicePortName>/<protocol>/<endpoint hostPort>". The names are kube-proxy's naming scheme,
// computed here independently of the backends (a backend that writes the wrong list is caught).
import { base32Sha256 } from '../common/hash.ts';
import { joinHostPort, parseIPStrict } from '../common/ip.ts';
import type { Protocol } from '../common/kubernetes.ts';
import { affinityListId } from '../compiler/ir/packet.ts';
import type { IRProgram } from '../compiler/ir/types.ts';
import type { NetfilterProgram } from './model/program.ts';
import { forEachStep } from './model/steps.ts';

/** kube-proxy's iptables endpoint chain (and recent list) name. */
export const iptablesEndpointChain = (servicePortName: string, protocol: string, hostPort: string): string =>
  `KUBE-SEP-${base32Sha256(servicePortName + protocol + hostPort, 16)}`;

/**
 * The identity an nft affinity list name stands for, read from its readable part (when the name's
 * hash is that part's): a per-port set
 * `affinity-<hash>-<ns>/<name>/<proto>/<port name>` with the endpoint in the key constants
 * (`…{saddr . <ip> . <port>}`), or kube-proxy's per-endpoint set
 * `affinity-<hash>-<ns>/<name>/<proto>/<port name>__<ip>/<port>` (IPv6 colons written as dots).
 */
export function nftAffinityIdentity(name: string): string | null {
  // the hash is of the readable part (kube-proxy's hashAndTruncate): a name whose hash does not
  // match is another set, not this list (two sets read as one list would prove affinity that breaks)
  const hashed = /^affinity-([A-Z2-7]{8})-([^{]*)/.exec(name);
  if (!hashed || base32Sha256(hashed[2]!, 8) !== hashed[1]) return null;
  const keyed = /^affinity-[A-Z2-7]{8}-([^/]+)\/([^/]+)\/(tcp|udp|sctp)\/([^{]*)\{saddr \. (\S+) \. (\d+)\}$/.exec(
    name,
  );
  if (keyed) {
    const [, ns, svc, proto, port, ip, p] = keyed as unknown as [
      string,
      string,
      string,
      Protocol,
      string,
      string,
      string,
    ];
    return affinityListId(servicePortName(ns, svc, port), proto, joinHostPort(ip, Number(p)));
  }
  const perEndpoint = /^affinity-[A-Z2-7]{8}-([^/]+)\/([^/]+)\/(tcp|udp|sctp)\/(.*)__([^/]+)\/(\d+)$/.exec(name);
  if (perEndpoint) {
    const [, ns, svc, proto, port, rawIp, p] = perEndpoint as unknown as [
      string,
      string,
      string,
      Protocol,
      string,
      string,
      string,
    ];
    // kube-proxy writes an IPv6 address's colons as dots (fd00::5 as fd00..5): a dotted quad is IPv4,
    // anything else is IPv6 spelled so (a short one has fewer than five parts)
    const ip = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(rawIp) ? rawIp : rawIp.replaceAll('.', ':');
    const parsed = parseIPStrict(ip);
    if (!parsed.ok) return null;
    return affinityListId(servicePortName(ns, svc, port), proto, joinHostPort(parsed.value.text, Number(p)));
  }
  return null;
}

const servicePortName = (ns: string, svc: string, port: string): string =>
  port === '' ? `${ns}/${svc}` : `${ns}/${svc}:${port}`;

export interface AffinityNaming {
  iptables: (name: string) => string;
  nftables: (name: string) => string;
}

/**
 * Canonicalisers for both artifacts. With an IR, every list the IR defines is known by its expected
 * iptables name; without one, iptables names are matched against the identities the nft names
 * spell. A name that cannot be related keeps a backend-prefixed raw identity, so it can only
 * match itself — a difference the check then reports.
 */
export function affinityNaming(ir: IRProgram | null, nftUses: Iterable<AffinityListUse> = []): AffinityNaming {
  const byIptablesName = new Map<string, string>();
  const add = (id: string, spn: string, proto: string, hostPort: string) =>
    byIptablesName.set(iptablesEndpointChain(spn, proto, hostPort), id);
  if (ir) {
    for (const sp of ir.servicePorts) {
      if (!sp.affinity) continue;
      for (const e of sp.endpoints) {
        add(affinityListId(sp.servicePortName, sp.protocol, e.hostPort), sp.servicePortName, sp.protocol, e.hostPort);
      }
    }
  }
  // One list lives in one set: a second set whose name spells an identity another set holds (a
  // per-endpoint set beside a per-port set's slice) is other records, and keeps its raw name — read
  // as one list, a rule reading the one and writing the other proved affinity that broke (a review,
  // measured). Which set holds the name is decided from all of them at once, not by the order
  // rules use them: the one written (records are made there), then the first by name.
  const setOf = (name: string) => name.replace(/\{.*$/, '');
  const sets = new Map<string, Map<string, boolean>>();
  const identities = new Map<string, string>();
  for (const use of nftUses) {
    const id = identities.get(use.name) ?? nftAffinityIdentity(use.name);
    if (!id) continue;
    identities.set(use.name, id);
    let bySet = sets.get(id);
    if (bySet === undefined) sets.set(id, (bySet = new Map()));
    const set = setOf(use.name);
    bySet.set(set, (bySet.get(set) ?? false) || use.written);
  }
  const owner = new Map<string, string>();
  for (const [id, bySet] of sets) {
    const ranked = [...bySet].sort(([a, wa], [b, wb]) => (wa === wb ? (a < b ? -1 : a > b ? 1 : 0) : wa ? -1 : 1));
    owner.set(id, ranked[0]![0]);
  }
  const identityOf = (name: string): string | null => {
    const id = identities.get(name) ?? nftAffinityIdentity(name);
    if (!id) return null;
    const held = owner.get(id);
    return held === undefined || held === setOf(name) ? id : null;
  };
  const byNftName = new Map<string, string>();
  for (const name of identities.keys()) {
    const id = identityOf(name);
    if (!id) continue;
    byNftName.set(name, id);
    const m = /^(.*)\/(tcp|udp|sctp)\/(.*)$/.exec(id);
    if (m) add(id, m[1]!, m[2]!, m[3]!);
  }
  return {
    iptables: (name) => byIptablesName.get(name) ?? `iptables:${name}`,
    nftables: (name) => byNftName.get(name) ?? identityOf(name) ?? `nftables:${name}`,
  };
}

/** An affinity list name a ruleset uses, and whether some rule writes it. */
export interface AffinityListUse {
  name: string;
  written: boolean;
}

/** Every affinity list name a ruleset reads or writes, and whether it writes it. */
export function affinityListNames(program: NetfilterProgram): AffinityListUse[] {
  const written = new Map<string, boolean>();
  forEachStep(program, (s) => {
    if (s.kind === 'affinityWrite') written.set(s.list, true);
    else if (s.kind === 'test' && s.test.kind === 'affinity' && !written.has(s.test.list))
      written.set(s.test.list, false);
  });
  return [...written].map(([name, w]) => ({ name, written: w }));
}
