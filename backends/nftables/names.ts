// kube-proxy's nftables-mode object names (pkg/proxy/nftables): a service-port base name
// "ns/svc/proto/portname" prefixed by the first 8 characters of the RFC 4648 base32 SHA-256 of
// the base name and cut to 240 characters (kube-proxy's hashAndTruncate). Chains and sets add a
// role prefix (service-, local-, external-, nodeport-, firewall-, affinity-). Same inputs give the
// same service-port chain names as kube-proxy's nftables mode; ksvc has no per-endpoint chains and
// one affinity set per service port (docs/nftables.md §1).

import { base32Sha256 } from '../../common/hash.ts';
import type { IRServicePort } from '../../compiler/ir/types.ts';

/** Longest base name (prefixes are at most 16 characters; nft names are at most 256). */
const BASE_NAME_MAX = 240;

export function hashAndTruncate(name: string): string {
  const full = `${base32Sha256(name, 8)}-${name}`;
  return full.length > BASE_NAME_MAX ? `${full.slice(0, BASE_NAME_MAX - 3)}...` : full;
}

/** "ns/svc/tcp/portname" (empty port name leaves a trailing slash, as kube-proxy does). */
export const servicePortBase = (sp: IRServicePort): string =>
  `${sp.namespace}/${sp.name}/${sp.protocol}/${sp.portName}`;

/** The chain and set names of one service port. */
export interface ServicePortNames {
  service: string;
  local: string;
  external: string;
  /** eTP=Local NodePort traffic (the external chain's twin keyed by node port: docs/nftables.md §1.4). */
  nodePort: string;
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
    nodePort: `nodeport-${base}`,
    firewall: `firewall-${base}`,
    affinity: `affinity-${base}`,
  };
}
