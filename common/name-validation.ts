// The API server's name rules (k8s.io/apimachinery/pkg/util/validation), shared by both front ends:
// each validator returns null for a valid name, or a short reason; `nameRuleHint` says what the
// rule allows, for a diagnostic's hint. These rules are also what keeps a name from carrying
// quotes, spaces or newlines into iptables-restore input or nft JSON.
import { hasTerminalUnsafe } from './diagnostics.ts';

const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

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
 * or '..'), narrowed to a portable character set that a .ksvc word can spell (`ksvc import` prints
 * every name it reads): '+' is iptables' own wildcard, quotes would end up in generated rules, a
 * leading '-' reads as an option, and '@' and a leading '.' are no word's (`ip link` shows a veth's
 * peer as `veth0@if5`, which is no interface name either).
 */
export const interfaceName = memo(function interfaceName(name: string): string | null {
  if (name.length === 0) return 'empty';
  if (name.length > 15) return `${name.length} characters, at most 15`;
  if (name === '.' || name === '..') return `'${name}' is reserved`;
  // Linux takes it, but in `-i -j` a reader of the rules (ksvc's own verifier among them) sees an option
  if (name.startsWith('-')) return "starts with '-', which reads as an option in iptables rules";
  if (IFNAME.test(name)) return null;
  return charReason(name, /[A-Za-z0-9_.-]/) ?? "starts with '.'";
});

/**
 * An interface name prefix: an interface name one character shorter, as the rules append a
 * wildcard to it (iptables `-i veth+`, nft `"veth*"`), and both refuse 16 bytes (measured: a
 * 15-character prefix loads in neither).
 */
export const interfaceNamePrefix = (name: string): string | null =>
  name.length > 14 ? `${name.length} characters, at most 14 (a wildcard follows it in the rules)` : interfaceName(name);

export type NameRule = (name: string) => string | null;

const RULE_TEXT = new Map<NameRule, string>([
  [
    dns1123Label,
    "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
  ],
  [
    dns1035Label,
    "a DNS-1035 label: lower-case letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters",
  ],
  [dns1123Subdomain, "a DNS-1123 subdomain: DNS-1123 labels joined by '.', at most 253 characters"],
  [
    ianaServiceName,
    "an IANA service name: at most 15 lower-case letters, digits and single '-', with at least one letter, not starting or ending with '-'",
  ],
  [
    labelValue,
    "a label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters",
  ],
  [
    interfaceName,
    "an interface name: 1 to 15 characters from letters, digits, '_', '-', '.' and '@', not starting with '-'",
  ],
]);

/** What a name must be to pass `rule`, as a hint ("must be a DNS-1123 label: ..."). */
export const nameRuleHint = (rule: NameRule): string => `must be ${RULE_TEXT.get(rule) ?? 'a valid name'}`;

/**
 * What Linux accepts as a packet's interface name (dev_valid_name), without what a terminal would
 * obey: `ksvc explain --iface` and the library's explainPacket take the same.
 */
export const isInterfaceName = (name: string): boolean =>
  name !== '.' && name !== '..' && Buffer.byteLength(name) <= 15 && /^[^/:\s]+$/.test(name) && !hasTerminalUnsafe(name);
