// Diagnostics of a verification request as a whole (the readers have their own tables:
// verifier/iptables/codes.ts, verifier/nftables/codes.ts).
import { defineCodes } from '../common/diagnostics.ts';

export const { codes: verifyCodes, table: verifyCodeTable } = defineCodes({
  'verify-nothing-to-compare': {
    severity: 'error',
    message: (family: string, count: number) =>
      `for ${family} there ${count === 1 ? 'is only 1 ruleset or model' : `are ${count} rulesets or models`} to check; give two (--iptables, --nft, --model)`,
  },
  'verify-family-missing': {
    severity: 'warning',
    message: (artifact: string, family: string) =>
      `the ${artifact} ruleset has no ${family} rules: compared with no rules for ${family}, so every ${family} packet the other side routes differs (give --family to check one family)`,
  },
  'diff-family-missing': {
    severity: 'warning',
    message: (side: string, family: string) =>
      `the ${side} ruleset has no ${family} rules: compared with no rules for ${family}, so every ${family} packet the other one routes is a change (give --family to compare one family)`,
  },
  /** explain: the ruleset given holds no rules of the packet's family (the packet would meet none). */
  'explain-family-missing': {
    severity: 'error',
    message: (ruleset: string, family: string, held: string) =>
      `the ${ruleset} holds ${held} rules, and the packet is ${family}: explain a packet of its family, or give the ${ruleset} of this one`,
  },
  /** explainPacket (the library): a packet that is not one of its family, or not a packet at all. */
  'explain-invalid-packet': {
    severity: 'error',
    message: (reason: string) => `the packet cannot be explained: ${reason}`,
  },
  'explain-nothing-to-evaluate': {
    severity: 'error',
    message: () => 'no ruleset or model is left to explain the packet with (the warnings say why)',
  },
  /** An option of the library's that is not what it takes (a count, tvBound); the CLI refuses such values as usage. */
  'verify-invalid-option': {
    severity: 'error',
    message: (name: string, value: string, takes: string) => `${name} is ${value}: it takes ${takes}`,
  },
  /** One service port's check would not fit in the heap (verifier/engine/memory-estimate.ts). */
  'verify-too-large': {
    severity: 'error',
    message: (family: string, largestChoice: string, need: string, budget: string) =>
      `the ${family} check cannot be done in this process: ${largestChoice}, and checking it would take about ${need} of memory (it grows with the square of the endpoints), more than the ${budget} this process may use`,
  },
  'verify-unsupported': {
    severity: 'error',
    message: (family: string, detail: string) => `the ${family} rulesets cannot be checked: ${detail}`,
  },
});
