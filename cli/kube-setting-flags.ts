// The cluster settings of Kubernetes input that kube-proxy (and the API server) take as flags and a
// .ksvc file writes in its `cluster` block: the masquerade bit, --nodeport-addresses and the
// NodePort range. `import` and every command reading --from-k8s take them the same way; with a
// .ksvc file they are refused (its cluster block says them, and one answer is less surprising).
import type { KubeImportOptions } from '../api/kubernetes.ts';
import { settingsFromOptions } from '../compiler/kube/settings.ts';
import { optionWords } from './args.ts';

export const KUBE_SETTING_FLAGS = {
  'iptables-masquerade-bit': { type: 'string' },
  'masquerade-bit': { type: 'string' },
  'nodeport-addresses': { type: 'string', multiple: true },
  'service-node-port-range': { type: 'string' },
  'node-port-range': { type: 'string' },
} as const;

export interface KubeSettingValues {
  'iptables-masquerade-bit'?: string | undefined;
  'masquerade-bit'?: string | undefined;
  'nodeport-addresses'?: string[] | undefined;
  'service-node-port-range'?: string | undefined;
  'node-port-range'?: string | undefined;
}

/** The help lines, the same in every command that reads Kubernetes input. */
export const KUBE_SETTING_HELP = `  --iptables-masquerade-bit N      kube-proxy's mark bit (default 14; alias --masquerade-bit)
  --nodeport-addresses CIDRS       kube-proxy --nodeport-addresses: CIDRs, or primary (the node's
                                   primary address per family; default: all local addresses)
  --service-node-port-range A-B    the API server's range (alias --node-port-range); nodePorts
                                   outside it are errors. Without it, the default 30000-32767
                                   widens to cover the input's nodePorts (kube-proxy never checks).`;

export type KubeSettings = Pick<KubeImportOptions, 'masqueradeBit' | 'nodePortAddresses' | 'nodePortRange'>;

/** One value of a flag and its alias; a message when both are given. */
function oneOf(v: KubeSettingValues, flag: keyof KubeSettingValues, alias: keyof KubeSettingValues) {
  if (v[flag] !== undefined && v[alias] !== undefined)
    return { error: `--${flag} and --${alias} are one option: give it once` };
  return { value: (v[flag] ?? v[alias]) as string | undefined };
}

/**
 * The settings given, as import options; a usage message when one is given twice (under both
 * names), a value is malformed (checked here, once, before any input is read), or this run reads
 * no Kubernetes objects (`kubernetes` false; `kubeOption`: how the command is told it does).
 */
export function kubeSettingOptions(
  v: KubeSettingValues,
  kubernetes: boolean,
  kubeOption = '--from-k8s',
): KubeSettings | string {
  const given = (Object.keys(KUBE_SETTING_FLAGS) as (keyof KubeSettingValues)[]).filter((f) => v[f] !== undefined);
  if (given.length > 0 && !kubernetes)
    return `--${given[0]} is a cluster setting of Kubernetes input (${kubeOption}): a .ksvc file holds it in its cluster block, a ruleset in its rules`;
  const out: KubeSettings = {};
  const bit = oneOf(v, 'iptables-masquerade-bit', 'masquerade-bit');
  if (bit.error) return bit.error;
  if (bit.value !== undefined) {
    if (!/^\d{1,2}$/.test(bit.value) || Number(bit.value) > 31)
      return `--iptables-masquerade-bit ${bit.value}: not a number from 0 to 31`;
    out.masqueradeBit = Number(bit.value);
  }
  if (v['nodeport-addresses'] !== undefined) out.nodePortAddresses = v['nodeport-addresses'];
  const range = oneOf(v, 'service-node-port-range', 'node-port-range');
  if (range.error) return range.error;
  if (range.value !== undefined) out.nodePortRange = range.value;
  const malformed = settingsFromOptions(out).diagnostics.filter((d) => d.severity === 'error');
  if (malformed.length > 0) return malformed.map((d) => d.message).join('\n');
  return out;
}

/** The settings, as command-line words again (a verify or diff finding's explain line). */
export function kubeSettingArgs(settings: KubeSettings): string[] {
  const args: string[] = [];
  if (settings.masqueradeBit !== undefined) args.push('--iptables-masquerade-bit', String(settings.masqueradeBit));
  for (const a of settings.nodePortAddresses ?? []) args.push(...optionWords('--nodeport-addresses', a));
  if (settings.nodePortRange !== undefined)
    args.push(...optionWords('--service-node-port-range', settings.nodePortRange));
  return args;
}
