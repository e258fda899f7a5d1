// The hash kube-proxy names its chains with: the first characters of the RFC 4648 base32 encoding
// (upper case) of SHA-256 — 16 for iptables chains (KUBE-SVC-…), 8 for nftables objects. Both
// backends hash once per endpoint (100,000s of calls at scale), so SHA-256 is computed here in
// plain JS for ASCII input (names and addresses always are): several times faster than a
// node:crypto call per short string. Other input falls back to node:crypto.
import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE32_CODES = Array.from(BASE32, (c) => c.charCodeAt(0));

// SHA-256 round constants (FIPS 180-4 §4.2.2).
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const W = new Int32Array(64);
let block = new Uint8Array(128);

/** SHA-256 of an ASCII string, first 10 digest bytes into `out`; false (nothing done) if not ASCII. */
function sha256Ascii(s: string, out: Uint8Array): boolean {
  const len = s.length;
  const padded = ((len + 9 + 63) >> 6) << 6;
  if (block.length < padded) block = new Uint8Array(padded);
  const m = block;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return false;
    m[i] = c;
  }
  m[len] = 0x80;
  m.fill(0, len + 1, padded);
  const bits = len * 8;
  m[padded - 4] = bits >>> 24;
  m[padded - 3] = (bits >>> 16) & 255;
  m[padded - 2] = (bits >>> 8) & 255;
  m[padded - 1] = bits & 255;
  // The state in locals, and every sum kept in 32 bits as it goes: a sum of five int32s leaves the
  // int32 range, and V8 then computed the rounds in doubles (200,000 names: ~200 -> ~140 ms).
  let h0 = 0x6a09e667 | 0,
    h1 = 0xbb67ae85 | 0,
    h2 = 0x3c6ef372 | 0,
    h3 = 0xa54ff53a | 0,
    h4 = 0x510e527f | 0,
    h5 = 0x9b05688c | 0,
    h6 = 0x1f83d9ab | 0,
    h7 = 0x5be0cd19 | 0;
  for (let off = 0; off < padded; off += 64) {
    for (let t = 0; t < 16; t++) {
      const j = off + t * 4;
      W[t] = (m[j]! << 24) | (m[j + 1]! << 16) | (m[j + 2]! << 8) | m[j + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const w15 = W[t - 15]!,
        w2 = W[t - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[t] = (((W[t - 16]! + s0) | 0) + ((W[t - 7]! + s1) | 0)) | 0;
    }
    let a = h0,
      b = h1,
      c = h2,
      d = h3,
      e = h4,
      f = h5,
      g = h6,
      h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (((((h + S1) | 0) + ((e & f) ^ (~e & g))) | 0) + ((K[t]! + W[t]!) | 0)) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  out[0] = h0 >>> 24;
  out[1] = (h0 >>> 16) & 255;
  out[2] = (h0 >>> 8) & 255;
  out[3] = h0 & 255;
  out[4] = h1 >>> 24;
  out[5] = (h1 >>> 16) & 255;
  out[6] = (h1 >>> 8) & 255;
  out[7] = h1 & 255;
  out[8] = h2 >>> 24;
  out[9] = (h2 >>> 16) & 255;
  return true;
}

const digest10 = new Uint8Array(10);

// Names are built from character codes into one flat string. Appending character by character
// (or a prefix to a hash) past 12 characters makes V8 cons strings: a 25-character chain name was
// five or six small objects, and a renderer that keeps 100,000s of names (the iptables restore
// renderer keeps every chain name while it streams the rules) kept a million of them alive.
// The codes go into an array of exactly the name's length, one kept per length and written in
// place: emptying and refilling one array (length = 0, then push) gave it a new backing store on
// every call (200,000 names: base32 and string ~55 -> ~25 ms).
const codeArrays: number[][] = [];
const codesOfLength = (n: number): number[] => (codeArrays[n] ??= new Array<number>(n).fill(0));
const putCodes = (codes: number[], at: number, s: string): number => {
  for (let i = 0; i < s.length; i++) codes[at + i] = s.charCodeAt(i);
  return at + s.length;
};

/** `prefix` followed by the first `chars` (at most 16) characters of base32(sha256(utf8(s))), as one flat string. */
export function base32Sha256(s: string, chars: number, prefix = ''): string {
  const d: Uint8Array = sha256Ascii(s, digest10) ? digest10 : createHash('sha256').update(s, 'utf8').digest();
  const end = prefix.length + chars;
  const codes = codesOfLength(end);
  let at = putCodes(codes, 0, prefix);
  let buffer = 0;
  let bits = 0;
  for (let i = 0; at < end; i++) {
    buffer = ((buffer << 8) | d[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5 && at < end) {
      codes[at++] = BASE32_CODES[(buffer >> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  return String.fromCharCode.apply(null, codes);
}

/** a + b as one flat string (see above), for names made of a prefix and a kept hash. */
export function joinFlat(a: string, b: string): string {
  const codes = codesOfLength(a.length + b.length);
  putCodes(codes, putCodes(codes, 0, a), b);
  return String.fromCharCode.apply(null, codes);
}
