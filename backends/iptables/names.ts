// kube-proxy's chain names: KUBE-{SVC,SVL,EXT,FW}-h16(servicePortName + protocol) and
// KUBE-SEP-h16(servicePortName + protocol + ip:port), h16 = first 16 chars of base32(sha256).
import { createHash } from 'node:crypto';
import type { IREndpoint, IRServicePort } from '../../compiler/ir/types.ts';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** First 16 characters of the RFC 4648 base32 encoding of sha256(s): 80 bits = the first 10 bytes. */
export function hash16(s: string): string {
  const d = createHash('sha256').update(s, 'utf8').digest();
  let out = '';
  for (let i = 0; i < 10; i += 5) {
    // 5 bytes -> 8 characters
    const b0 = d[i]!, b1 = d[i + 1]!, b2 = d[i + 2]!, b3 = d[i + 3]!, b4 = d[i + 4]!;
    out +=
      B32[b0 >> 3]! +
      B32[((b0 & 7) << 2) | (b1 >> 6)]! +
      B32[(b1 >> 1) & 31]! +
      B32[((b1 & 1) << 4) | (b2 >> 4)]! +
      B32[((b2 & 15) << 1) | (b3 >> 7)]! +
      B32[(b3 >> 2) & 31]! +
      B32[((b3 & 3) << 3) | (b4 >> 5)]! +
      B32[b4 & 31]!;
  }
  return out;
}

export interface ServiceChains {
  svc: string;
  svl: string;
  ext: string;
  fw: string;
}

export function serviceChains(sp: IRServicePort): ServiceChains {
  const h = hash16(sp.servicePortName + sp.protocol);
  return { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}` };
}

export const endpointChain = (sp: IRServicePort, ep: IREndpoint): string =>
  `KUBE-SEP-${hash16(sp.servicePortName + sp.protocol + ep.hostPort)}`;
