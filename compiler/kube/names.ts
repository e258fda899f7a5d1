// The API server's name rules (k8s.io/apimachinery validation: IsDNS1123Label, IsDNS1035Label,
// IsDNS1123Subdomain, IsValidPortName). Each returns null when valid, else why not.

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function dns1123Label(s: string): string | null {
  if (s.length > 63) return 'must be at most 63 characters';
  if (!LABEL.test(s)) return "must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit";
  return null;
}

export function dns1035Label(s: string): string | null {
  if (s.length > 63) return 'must be at most 63 characters';
  if (!LABEL_1035.test(s)) {
    return "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
  }
  return null;
}

export function dns1123Subdomain(s: string): string | null {
  if (s.length > 253) return 'must be at most 253 characters';
  if (!SUBDOMAIN.test(s)) return "must be a DNS subdomain: lower-case DNS labels separated by '.'";
  return null;
}

/** An IANA service name, as a named targetPort must be. */
export function ianaPortName(s: string): string | null {
  if (s.length > 15) return 'a port name must be at most 15 characters';
  if (!/^[-a-z0-9]+$/.test(s)) return "a port name may contain only lower-case letters, digits and '-'";
  if (!/[a-z]/.test(s)) return 'a port name must contain at least one letter';
  if (s.includes('--')) return "a port name must not contain '--'";
  if (s.startsWith('-') || s.endsWith('-')) return "a port name must not start or end with '-'";
  return null;
}
