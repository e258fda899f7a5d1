// What each of the API server's name rules allows, said once, as the hint of an invalid-name
// diagnostic (the validators themselves are the checker's: compiler/check/names.ts).
import { dns1035Label, dns1123Label, dns1123Subdomain, labelValue } from '../check/names.ts';

export const NAME_RULES = new Map<(s: string) => string | null, string>([
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
    labelValue,
    "a label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters",
  ],
]);

/** The hint for a name that failed `rule`. */
export const nameHint = (rule: (s: string) => string | null): string =>
  `must be ${NAME_RULES.get(rule) ?? 'a valid name'}`;
