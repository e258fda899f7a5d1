// Every diagnostic the verifier's nftables reader can report. Each names the JSON pointer of the
// offending value (Diagnostic.path) and, when the reader was given the text, its line and column.
// Closed world: a construct the model cannot express exactly is an error, never "assume it matches".
import { defineCodes } from '../../common/diagnostics.ts';

const e = 'error' as const;
const w = 'warning' as const;

export const { codes: nftCodes, table: nftCodeTable } = defineCodes({
  /** The cap on reported diagnostics was reached: the rest are not kept (a document of a million bad items). */
  'nft-too-many-errors': {
    severity: e,
    message: (max: number) => `too many errors (more than ${max}); the rest of the document's are not reported`,
  },
  'nft-invalid-json': {
    severity: e,
    message: (reason: string) => `the nftables document is not valid JSON: ${reason}`,
  },
  'nft-integer-too-big': {
    severity: e,
    message: () =>
      'an integer past 64 bits (9223372036854775808 or more, or below -9223372036854775808): nft\'s JSON parser refuses the document ("too big integer")',
  },
  'nft-real-number': {
    severity: e,
    message: () =>
      'a number written with a fraction or an exponent (-100.0, 6e2): nft reads it as a real, which it refuses or ignores where an integer belongs (a base chain priority of -100.0 gives a chain with no hook); write integers',
  },
  'nft-schema': {
    severity: e,
    message: (what: string) => `not in the nftables JSON subset the verifier reads: ${what}`,
  },
  'nft-schema-version': {
    severity: e,
    message: (version: unknown) =>
      `json_schema_version ${JSON.stringify(version)} is not supported; the verifier reads libnftables JSON schema version 1`,
  },
  'nft-unknown-command': {
    severity: e,
    message: (command: string) =>
      `command '${command}' is not read by the verifier (it reads add, create, insert, delete and flush, and bare listed objects)`,
  },
  'nft-unknown-object': {
    severity: e,
    message: (kind: string, table: string) =>
      `object kind '${kind}' in table ${table} is not in the verifier's model (it reads tables, chains, rules, sets, maps and elements)`,
  },
  'nft-after-terminal': {
    severity: e,
    message: (statement: string, terminal: string) =>
      `statement '${statement}' comes after the terminal statement '${terminal}' in the same rule: nft refuses the rule ("Statement after terminal statement has no effect")`,
  },
  'nft-unknown-statement': {
    severity: e,
    message: (name: string) =>
      `statement '${name}' is not in the verifier's model, so the rule's effect on a packet is unknown`,
  },
  'nft-unknown-expression': {
    severity: e,
    message: (name: string) => `expression '${name}' is not in the verifier's model, so what the rule tests is unknown`,
  },
  'nft-unsupported': {
    severity: e,
    message: (what: string) => `${what}; the verifier cannot model this exactly`,
  },
  'nft-bad-value': {
    severity: e,
    message: (value: string, expected: string) => `${value} is not ${expected}`,
  },
  'nft-family-mismatch': {
    severity: e,
    message: (what: string, family: string) => `${what} does not belong in a table of family ${family}`,
  },
  'nft-unguarded-port': {
    severity: e,
    message: (what: string) =>
      `${what} reads a port without a protocol test that limits the packet to tcp, udp or sctp (for other protocols it reads unrelated header bytes)`,
  },
  'nft-unguarded-nat-port': {
    severity: e,
    message: () =>
      'this DNAT sets a port, but the rule does not limit the packet to tcp, udp or sctp first (nft refuses it: a port mapping needs a transport protocol match)',
  },
  'nft-missing-reference': {
    severity: e,
    message: (kind: string, name: string, where: string) => `${kind} '${name}' does not exist in ${where}`,
  },
  'nft-exists': {
    severity: e,
    message: (kind: string, name: string) => `'create' of ${kind} '${name}' fails: it already exists`,
  },
  'nft-redefined': {
    severity: e,
    message: (kind: string, name: string, why: string) => `${kind} '${name}' is declared again differently: ${why}`,
  },
  'nft-constant-busy': {
    severity: e,
    message: (name: string, user: string) =>
      `set '${name}' is constant and ${user} refers to it: the kernel refuses to change its elements (Device or resource busy) and loads nothing`,
  },
  'nft-delete-busy': {
    severity: e,
    message: (kind: string, name: string, user: string) =>
      `${kind} '${name}' cannot be deleted: ${user} still refers to it`,
  },
  'nft-overlapping-elements': {
    severity: e,
    message: (other: string, concatenated: boolean) =>
      `this element's key overlaps the key of the element at ${other}: ${
        concatenated
          ? 'nft loads overlapping concatenated intervals, and which of them the kernel matches is not modelled'
          : 'nft refuses a set or map with overlapping intervals ("conflicting intervals specified")'
      }`,
  },
  'nft-element-conflict': {
    severity: e,
    message: (set: string, key: string) => `element ${key} of map '${set}' is added again with a different value`,
  },
  'nft-missing-element': {
    severity: e,
    message: (set: string, key: string) => `element ${key} cannot be deleted from '${set}': it is not there`,
  },
  'nft-jump-cycle': {
    severity: e,
    message: (path: string) => `the chains form a jump cycle (${path}); the kernel refuses to load such a ruleset`,
  },
  'nft-jump-depth': {
    severity: e,
    message: (path: string) =>
      `jumps nest deeper than the kernel's 16 levels (${path}); the kernel refuses to load such a ruleset`,
  },
  'nft-jump-to-base-chain': {
    severity: e,
    message: (chain: string) =>
      `a jump or goto to base chain '${chain}'; the kernel refuses to load it (only regular chains are jumped to)`,
  },
  'nft-wrong-hook': {
    severity: e,
    message: (what: string, where: string) => `${what} cannot run in ${where}; the kernel refuses to load it`,
  },
  'nft-affinity': {
    severity: e,
    message: (what: string) => `dynamic set: ${what}`,
  },
  'nft-no-table': {
    severity: w,
    message: (table: string, has: string) =>
      `the document has no ip or ip6 table named '${table}' (${has}): it holds no kube-proxy rules; --nft-table names kube-proxy's table when it has another name`,
  },
});
