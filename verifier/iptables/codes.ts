// Every diagnostic the iptables reader reports. Errors name the line and column of the token they
// are about; "not supported" means the verifier's model cannot express it exactly, so it refuses
// the rule instead of guessing what it does (closed world).
import { defineCodes } from '../../common/diagnostics.ts';

const e = 'error' as const;
/** ipv4 -> IPv4, ipv6 -> IPv6 (anything else as it is: docs/diagnostics.md shows the parameter). */
const familyName = (f: string): string => (f === 'ipv4' ? 'IPv4' : f === 'ipv6' ? 'IPv6' : f);
const w = 'warning' as const;

export const { codes: iptCodes, table: iptCodeTable } = defineCodes({
  /** The cap on reported diagnostics was reached: the rest of the text was not read. */
  'ipt-too-many-errors': {
    severity: e,
    message: (max: number, what: string) => `too many errors (more than ${max}); ${what}`,
  },
  /** The line is not iptables-restore / iptables-save syntax. */
  'ipt-syntax': { severity: e, message: (detail: string) => `not iptables-restore syntax: ${detail}` },
  'ipt-unterminated-quote': {
    severity: e,
    message: () => 'this quote is never closed; iptables-restore would refuse the line',
  },
  /** -I, -D, -R, -N, -P, -F, -E, -Z ...: restore and save text only ever contains -A (and -X for stale chains). */
  'ipt-unsupported-command': {
    severity: e,
    message: (command: string) =>
      `'${command}' is not read here: iptables-save and kube-proxy's restore input use only -A (append) and -X (delete a stale chain)`,
  },
  'ipt-unsupported-match': {
    severity: e,
    message: (module: string) =>
      `match '-m ${module}' is not supported by the verifier; it cannot say which packets it matches, so it refuses the rule`,
  },
  'ipt-unsupported-option': {
    severity: e,
    message: (option: string, owner: string) =>
      `${owner === '' ? 'option' : `${owner} option`} '${option}' is not supported by the verifier`,
  },
  'ipt-implicit-match': {
    severity: e,
    message: (option: string, protocol: string) =>
      `option '${option}' after '-p ${protocol}' without '-m ${protocol}': iptables loads the ${protocol} match implicitly there, but the verifier reads the form iptables-save writes; write '-p ${protocol} -m ${protocol} ${option} …'`,
  },
  'ipt-unsupported-target': {
    severity: e,
    message: (target: string, why: string) => `target '${target}' is not supported by the verifier${why}`,
  },
  /** A well-formed value whose meaning the model cannot express exactly. */
  'ipt-unsupported-value': {
    severity: e,
    message: (what: string, value: string, why: string) => `${what} '${value}' is not supported: ${why}`,
  },
  /** A malformed value (iptables itself would refuse it or read it differently). */
  'ipt-invalid-value': {
    severity: e,
    message: (what: string, value: string, why: string) => `${what} '${value}' is not valid: ${why}`,
  },
  'ipt-family-mismatch': {
    severity: e,
    message: (value: string, family: string, ruleset: string, from: string) =>
      `'${value}' is ${familyName(family)} but this ruleset is ${familyName(ruleset)} (${from}); one file is one family (iptables or ip6tables)`,
  },
  'ipt-negation-not-allowed': { severity: e, message: (what: string) => `'!' cannot negate ${what}` },
  /** `-s ! ADDR`: current iptables-restore refuses it ("Bad argument"). */
  'ipt-intrapositioned-negation': {
    severity: e,
    message: (option: string) => `write '! ${option} VALUE': iptables-restore refuses '!' after the option`,
  },
  'ipt-missing-option': { severity: e, message: (what: string, needs: string) => `${what} needs ${needs}` },
  'ipt-duplicate-option': { severity: e, message: (what: string) => `${what} is given more than once in this rule` },
  /** The kernel refuses a protocol match or port without the matching `-p`. */
  'ipt-protocol-required': { severity: e, message: (what: string, needs: string) => `${what} needs ${needs}` },
  /** A target used in a table or from a hook where the kernel refuses it. */
  'ipt-target-not-allowed': { severity: e, message: (target: string, where: string) => `${target} ${where}` },
  'ipt-undefined-chain': {
    severity: e,
    message: (chain: string, table: string) =>
      `no chain '${chain}' is declared in table ${table} (and it is not a target the verifier knows); a closed ruleset must declare every chain it jumps to`,
  },
  'ipt-jump-to-builtin': {
    severity: e,
    message: (chain: string) => `cannot jump to the builtin chain ${chain}; iptables refuses it`,
  },
  'ipt-loop': {
    severity: e,
    message: (cycle: string) => `jumps form a loop (${cycle}); the kernel refuses a ruleset with a loop`,
  },
  'ipt-table-structure': { severity: e, message: (detail: string) => detail },
  /** A rule the kernel runs but iptables-restore refuses to write (a listing shows it when nft wrote it). */
  'ipt-restore-refuses': {
    severity: w,
    message: (what: string) =>
      `iptables-restore refuses ${what}, so this text cannot be restored; read as the kernel runs it (a listing shows such a rule when nft wrote it)`,
  },
  /** iptables-nft-save's "# Table `nat' is incompatible, use 'nft' tool.": the table's rules are not in the text. */
  'ipt-table-unlisted': {
    severity: e,
    message: (table: string, what: string) =>
      `this listing does not hold all of table ${table}: iptables-nft-save could not show ${what} (nft objects iptables cannot express), so the kernel runs rules this text lacks; check 'nft -j list ruleset' instead (--nft)`,
  },
  'ipt-duplicate-chain': {
    severity: e,
    message: (chain: string, table: string, line: number) =>
      `chain ${chain} is declared twice in table ${table} (first on line ${line})`,
  },
  'ipt-bad-policy': { severity: e, message: (detail: string) => detail },
  'ipt-undeclared-chain': {
    severity: e,
    message: (chain: string, table: string) =>
      `rule for chain ${chain}, which is not declared in table ${table}; declare it with ':${chain} - [0:0]' first`,
  },
  'ipt-delete-chain': { severity: e, message: (detail: string) => detail },
  'ipt-no-table': {
    severity: w,
    message: () =>
      "the text holds no table, only comments or nothing: there is nothing to verify (an empty file is often a failed 'iptables-save > FILE')",
  },
  'ipt-no-kube-chains': {
    severity: w,
    message: () =>
      "the input has no KUBE- chain, so none of kube-proxy's rules: a node's rules may live in the other iptables backend (iptables-legacy-save against iptables-nft-save), or kube-proxy does not run in iptables mode there",
  },
  'ipt-hooks-missing': {
    severity: w,
    message: () =>
      "the input lists its builtin chains as a node holds them (iptables-save), and none jumps to kube-proxy's chains: on this node nothing reaches them (a firewall reload or a flush removes kube-proxy's jumps until it resyncs); read as it is, with no hooks assumed",
  },
  'ipt-no-hooks': {
    severity: w,
    message: () =>
      "no builtin chain jumps to kube-proxy's chains, so nothing kube-proxy wrote is reachable and every KUBE- chain is ignored; kube-proxy's restore input has no such jumps (it installs them separately): read it with the kube-proxy hooks assumed",
  },
});

export type IptCode = keyof typeof iptCodeTable;
