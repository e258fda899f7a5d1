// Diagnostics of a verification request as a whole (the readers have their own tables:
// verifier/iptables/codes.ts, verifier/nftables/codes.ts).
import { defineCodes } from '../common/diagnostics.ts';

export const { codes: verifyCodes, table: verifyCodeTable } = defineCodes({
  'verify-nothing-to-compare': {
    severity: 'error',
    message: (family: string, count: number) =>
      `for ${family} there ${count === 1 ? 'is only 1 ruleset or model' : `are ${count} rulesets or models`} to check; give two (--iptables, --nft, --model)`,
  },
  'diff-family-missing': {
    severity: 'warning',
    message: (side: string, family: string) =>
      `the ${side} ruleset has no ${family} rules: ${family} is not compared (give --family to choose one)`,
  },
  'verify-unsupported': {
    severity: 'error',
    message: (family: string, detail: string) => `the ${family} rulesets cannot be checked: ${detail}`,
  },
});
