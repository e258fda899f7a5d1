// kube-proxy's chain names: KUBE-{SVC,SVL,EXT,FW}-h16(servicePortName + protocol) and
// KUBE-SEP-h16(servicePortName + protocol + ip:port), h16 = first 16 chars of base32(sha256).

import { base32Sha256, joinFlat } from '../../common/hash.ts';
import type { IREndpoint, IRServicePort } from '../../compiler/ir/types.ts';

/** First 16 characters of the RFC 4648 base32 encoding of sha256(s). */
export const hash16 = (s: string): string => base32Sha256(s, 16);

export interface ServiceChains {
  svc: string;
  svl: string;
  ext: string;
  fw: string;
}

export function serviceChains(sp: IRServicePort): ServiceChains {
  const h = hash16(sp.servicePortName + sp.protocol);
  return {
    svc: joinFlat('KUBE-SVC-', h),
    svl: joinFlat('KUBE-SVL-', h),
    ext: joinFlat('KUBE-EXT-', h),
    fw: joinFlat('KUBE-FW-', h),
  };
}

export const endpointChain = (sp: IRServicePort, ep: IREndpoint): string =>
  base32Sha256(sp.servicePortName + sp.protocol + ep.hostPort, 16, 'KUBE-SEP-');

/**
 * The chain names of each service port (hashed once, kept for both passes of a streaming render).
 * Endpoint objects are not assumed to be unique to a service port: names are kept per service port
 * and endpoint object (a name depends on the service port and the endpoint's hostPort only, so two
 * objects with one hostPort get the same name; keyed by the object, a lookup hashes no string: the
 * hostPort keys cost ~60 ms a render at 180,000 endpoints, flattening each hostPort to hash it).
 */
export interface ChainNames {
  service(sp: IRServicePort): ServiceChains;
  /** KUBE-SEP chain of an endpoint of `sp`. */
  endpoint(sp: IRServicePort, e: IREndpoint): string;
}

export function chainNames(): ChainNames {
  const services = new Map<IRServicePort, ServiceChains>();
  const endpoints = new Map<IRServicePort, Map<IREndpoint, string>>();
  return {
    service(sp) {
      let ch = services.get(sp);
      if (ch === undefined) services.set(sp, (ch = serviceChains(sp)));
      return ch;
    },
    endpoint(sp, e) {
      let bySp = endpoints.get(sp);
      if (bySp === undefined) endpoints.set(sp, (bySp = new Map()));
      let n = bySp.get(e);
      if (n === undefined) bySp.set(e, (n = endpointChain(sp, e)));
      return n;
    },
  };
}
