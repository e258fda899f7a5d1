// The iptables reader: iptables-restore / iptables-save text -> the verifier's NetfilterProgram.
export { iptCodes, iptCodeTable } from './codes.ts';
export { ASSUMED_HOOKS_NOTE, type HookRule, hooksFor, KUBE_PROXY_HOOKS, OWN_HOOKS_NOTE } from './hooks.ts';
export { type ReadIptablesOptions, type ReadIptablesResult, readIptables } from './read.ts';
