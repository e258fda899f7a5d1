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
