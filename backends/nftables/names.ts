// kube-proxy's nftables-mode object names (pkg/proxy/nftables): a service-port base name
// "ns/svc/proto/portname", an endpoint base name "<service base>__<ip>/<port>" (IPv6 colons become
// dots), each prefixed by the first 8 characters of the RFC 4648 base32 SHA-256 of the base name and
// cut to 240 characters. Chains and sets add a role prefix (service-, local-, external-, firewall-,
// endpoint-, affinity-). Same inputs give the same chain names as kube-proxy's nftables mode; the
// affinity set is per service port here (kube-proxy: per endpoint), see docs/nftables.md §1.5.

import { base32Sha256 } from '../../common/hash.ts';
import type { IREndpoint, IRServicePort } from '../../compiler/ir/types.ts';

/** Longest base name (prefixes are at most 16 characters; nft names are at most 256). */
const BASE_NAME_MAX = 240;

export function hashAndTruncate(name: string): string {
  const full = `${base32Sha256(name, 8)}-${name}`;
  return full.length > BASE_NAME_MAX ? `${full.slice(0, BASE_NAME_MAX - 3)}...` : full;
}

/** "ns/svc/tcp/portname" (empty port name leaves a trailing slash, as kube-proxy does). */
export const servicePortBase = (sp: IRServicePort): string =>
  `${sp.namespace}/${sp.name}/${sp.protocol}/${sp.portName}`;

/** The endpoint base name; `serviceBase` is servicePortBase(sp) (computed once per service port). */
export const endpointBase = (serviceBase: string, ep: IREndpoint): string =>
  `${serviceBase}__${ep.ip.includes(':') ? ep.ip.replaceAll(':', '.') : ep.ip}/${ep.port}`;

/** The chain and set names of one service port. */
export interface ServicePortNames {
  service: string;
  local: string;
  external: string;
  firewall: string;
  /** The service port's session-affinity set (one per service port, keyed by client and endpoint). */
  affinity: string;
}

export function servicePortNames(sp: IRServicePort): ServicePortNames {
  const base = hashAndTruncate(servicePortBase(sp));
  return {
    service: `service-${base}`,
    local: `local-${base}`,
    external: `external-${base}`,
    firewall: `firewall-${base}`,
    affinity: `affinity-${base}`,
  };
}

/** The endpoint's chain name (called once per endpoint: no intermediate object). */
export const endpointChainName = (serviceBase: string, ep: IREndpoint): string =>
  `endpoint-${hashAndTruncate(endpointBase(serviceBase, ep))}`;
