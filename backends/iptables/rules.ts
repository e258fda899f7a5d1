// The iptables rule list as plain data: built once from the IR (build.ts), then spelled either as
// kube-proxy's iptables-restore input (restore.ts) or as iptables-save prints it back (save.ts).
// Matches are kept in kube-proxy's token order; the save renderer reorders them like the kernel.
import type { Protocol } from '../../common/kubernetes.ts';

export type TableName = 'filter' | 'nat';

export type Match =
  | { kind: 'comment'; text: string; quoted: boolean }
  /** "-m P -p P" (kube-proxy writes the protocol module before -p) */
  | { kind: 'proto'; proto: Protocol }
  /** "--dport N": an option of the preceding proto match */
  | { kind: 'dport'; port: number }
  /** "[!] -s X" / "[!] -d X" (an address or a CIDR, as written by kube-proxy) */
  | { kind: 'src' | 'dst'; addr: string; negate: boolean }
  /** "[!] -i NAME" */
  | { kind: 'in'; name: string; negate: boolean }
  | { kind: 'addrtype'; dir: 'src' | 'dst' }
  | { kind: 'mark'; negate: boolean; value: number }
  | { kind: 'ctstate'; negate: boolean; states: string }
  | { kind: 'nfacct'; name: string }
  /** "-m statistic --mode random --probability 1/n" */
  | { kind: 'statistic'; n: number }
  | { kind: 'recentSet'; name: string }
  | { kind: 'recentCheck'; name: string; seconds: number };

export type Target =
  | { kind: 'jump'; chain: string }
  | { kind: 'verdict'; verdict: 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN' }
  | { kind: 'dnat'; to: string }
  | { kind: 'mark'; op: 'or' | 'xor'; value: number }
  | { kind: 'masquerade'; randomFully: boolean }
  /** kube-proxy's comment-only FW rule has no target */
  | null;

export interface Rule {
  chain: string;
  matches: Match[];
  target: Target;
}

export interface TableRules {
  name: TableName;
  /** Chains declared (":NAME - [0:0]") in kube-proxy's order. */
  chains: string[];
  /** Rules in kube-proxy's write order; builtin-chain hook rules (if any) first. */
  rules: Rule[];
}

export interface RuleSet {
  family: 'ipv4' | 'ipv6';
  /** filter, then nat */
  tables: [TableRules, TableRules];
}

export const BUILTIN_CHAINS: Record<TableName, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

/** Where rules go as they are built, in kube-proxy's write order (an array, or a renderer's sink). */
export interface Out<T> {
  push(...items: T[]): unknown;
}
