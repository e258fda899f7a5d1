// Name validators with the API server's rules (k8s.io/apimachinery validation): each returns null
// for a valid name, or a short reason. These rules are also what keeps a name from carrying quotes,
// spaces or newlines into iptables-restore input or nft JSON.

const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const IFNAME = /^[A-Za-z0-9_.@-]+$/;

function charReason(name: string, allowed: RegExp): string | null {
  for (const ch of name) {
    if (!allowed.test(ch)) {
      const shown = /[\x00-\x20\x7f]/.test(ch) ? `U+${ch.codePointAt(0)!.toString(16).padStart(4, '0')}` : `'${ch}'`;
      return `contains ${shown}`;
    }
  }
  return null;
}

/** Names repeat a lot in large files (http, metrics, node names): remember each answer. */
function memo(fn: (name: string) => string | null): (name: string) => string | null {
  const seen = new Map<string, string | null>();
  return (name) => {
    let r = seen.get(name);
    if (r === undefined) {
      r = fn(name);
      if (seen.size < 100_000) seen.set(name, r);
    }
    return r;
  };
}

/** DNS-1123 label: namespaces, service port names. */
export const dns1123Label = memo(function dns1123Label(name: string): string | null {
  if (name.length === 0) return 'empty';
  if (name.length > 63) return `${name.length} characters, at most 63`;
  if (LABEL_1123.test(name)) return null;
  return charReason(name, /[-a-z0-9]/) ?? "starts or ends with '-'";
});

/** DNS-1035 label: service names (must start with a letter). */
export const dns1035Label = memo(function dns1035Label(name: string): string | null {
  if (name.length === 0) return 'empty';
  if (name.length > 63) return `${name.length} characters, at most 63`;
  if (LABEL_1035.test(name)) return null;
  return charReason(name, /[-a-z0-9]/) ?? (/^[a-z]/.test(name) ? "ends with '-'" : 'does not start with a letter');
});

/** DNS-1123 subdomain: node names. */
export const dns1123Subdomain = memo(function dns1123Subdomain(name: string): string | null {
  if (name.length === 0) return 'empty';
  if (name.length > 253) return `${name.length} characters, at most 253`;
  for (const part of name.split('.')) {
    if (!LABEL_1123.test(part)) {
      return (
        charReason(name, /[-a-z0-9.]/) ??
        (part === '' ? 'has an empty part between dots' : `part '${part}' starts or ends with '-'`)
      );
    }
  }
  return null;
});

/** IANA_SVC_NAME: target port names and endpoint port names (container port names). */
export const ianaServiceName = memo(function ianaServiceName(name: string): string | null {
  if (name.length === 0) return 'empty';
  if (name.length > 15) return `${name.length} characters, at most 15`;
  const bad = charReason(name, /[-a-z0-9]/);
  if (bad) return bad;
  if (!/[a-z]/.test(name)) return 'has no letter';
  if (name.startsWith('-') || name.endsWith('-')) return "starts or ends with '-'";
  if (name.includes('--')) return "contains '--'";
  return null;
});

/** A label value: zones (topology.kubernetes.io/zone). */
export const labelValue = memo(function labelValue(name: string): string | null {
  if (name.length === 0) return 'empty';
  if (name.length > 63) return `${name.length} characters, at most 63`;
  if (LABEL_VALUE.test(name)) return null;
  return charReason(name, /[-A-Za-z0-9_.]/) ?? 'does not start and end with a letter or digit';
});

/**
 * A Linux interface name (IFNAMSIZ 16 with the NUL: 1–15 bytes, no '/', ':' or whitespace, not '.'
 * or '..'), narrowed to a portable character set: '+' is iptables' own wildcard and quotes would end
 * up in generated rules.
 */
export const interfaceName = memo(function interfaceName(name: string): string | null {
  if (name.length === 0) return 'empty';
  if (name.length > 15) return `${name.length} characters, at most 15`;
  if (name === '.' || name === '..') return `'${name}' is reserved`;
  if (IFNAME.test(name)) return null;
  return charReason(name, /[A-Za-z0-9_.@-]/);
});

/** Edit distance, for "did you mean" hints (short strings only). */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate within a small edit distance, if any. */
export function closest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
