// Cluster settings are kube-proxy (and API server) flags, not objects: the import takes them as
// options and turns them into ClusterSettings. Diagnostics here have file "" (command line).
import type { Diagnostic } from '../../common/diagnostics.ts';
import { type CIDRText, type Family, parseCIDRSloppy } from '../../common/ip.ts';
import { interfaceName, interfaceNamePrefix } from '../../common/name-validation.ts';
import { type ClusterSettings, defaultClusterSettings, type LocalDetectorSpec } from '../model.ts';
import { kubeCodes } from './codes.ts';

/** kube-proxy's modes, plus None (no detector, what ClusterCIDR without a cluster CIDR means). */
export const DETECT_LOCAL_MODES = [
  'ClusterCIDR',
  'NodeCIDR',
  'BridgeInterface',
  'InterfaceNamePrefix',
  'None',
] as const;
export type DetectLocalMode = (typeof DETECT_LOCAL_MODES)[number];

export interface KubeImportOptions {
  /** --node: must name a Node of the input (the model still holds every node). */
  node?: string | null;
  /** --cluster-cidr, repeatable and/or comma-separated; at most one per family. */
  clusterCIDRs?: string[];
  /** --detect-local-mode; unset = ClusterCIDR when a cluster CIDR is given, else no detector. */
  detectLocalMode?: string;
  /** --pod-bridge-interface (BridgeInterface mode). */
  podBridgeInterface?: string;
  /** --pod-interface-name-prefix (InterfaceNamePrefix mode). */
  podInterfaceNamePrefix?: string;
  /** --masquerade-all */
  masqueradeAll?: boolean;
  /** --iptables-masquerade-bit, 0-31 (default 14). */
  masqueradeBit?: number;
  /** --nodeport-addresses CIDRs (default: all local addresses). */
  nodePortAddresses?: string[];
  /** --iptables-localhost-nodeports (default true). */
  localhostNodePorts?: boolean;
  /**
   * The API server's --service-node-port-range ("30000-32767"). When given, nodePorts outside it are
   * errors; when not, the model's range is the default widened to cover every nodePort of the input
   * (the objects were accepted by some API server, and kube-proxy itself never checks the range).
   */
  nodePortRange?: string;
  /** Skip objects of kinds other than Service, EndpointSlice and Node instead of refusing them. */
  skipUnknownKinds?: boolean;
}

export interface SettingsResult {
  settings: ClusterSettings;
  /** True when the node port range was given (and is enforced). */
  nodePortRangeGiven: boolean;
  diagnostics: Diagnostic[];
}

const cmdline = { file: '', span: null };

/** Split repeatable, comma-separated flag values ("a,b" "c" -> a b c), dropping empty parts. */
const splitValues = (values: readonly string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');

function readCIDRs(
  flag: string,
  values: readonly string[] | undefined,
  onePerFamily: boolean,
  diags: Diagnostic[],
): CIDRText[] {
  const out: CIDRText[] = [];
  const seen = new Set<Family>();
  for (const v of splitValues(values)) {
    const r = parseCIDRSloppy(v);
    if (!r.ok) {
      diags.push(kubeCodes['invalid-option'](cmdline, flag, `'${v}' is not a CIDR: ${r.reason}`));
      continue;
    }
    if (onePerFamily && seen.has(r.value.family)) {
      diags.push(kubeCodes['invalid-option'](cmdline, flag, `at most one CIDR per IP family ('${v}')`));
      continue;
    }
    seen.add(r.value.family);
    if (!out.includes(r.value.text)) out.push(r.value.text);
  }
  return out;
}

/**
 * kube-proxy's local-traffic detector flags (--detect-local-mode, --cluster-cidr,
 * --pod-bridge-interface, --pod-interface-name-prefix) -> a detector; null when none of them is
 * given. As in kube-proxy, --cluster-cidr alone means ClusterCIDR mode. Shared by `ksvc import`
 * and the overrides of `ksvc compile`, so one flag means one thing everywhere.
 */
export function detectorFromFlags(
  options: Pick<
    KubeImportOptions,
    'clusterCIDRs' | 'detectLocalMode' | 'podBridgeInterface' | 'podInterfaceNamePrefix'
  >,
  diags: Diagnostic[],
): LocalDetectorSpec | null {
  const cidrs = readCIDRs('--cluster-cidr', options.clusterCIDRs, true, diags);
  const mode = options.detectLocalMode;
  const known = mode === undefined || (DETECT_LOCAL_MODES as readonly string[]).includes(mode);
  if (!known) {
    diags.push(
      kubeCodes['invalid-option'](
        cmdline,
        '--detect-local-mode',
        `'${mode}' is not one of ${DETECT_LOCAL_MODES.join(', ')}`,
      ),
    );
    return null;
  }
  if (cidrs.length > 0 && mode !== undefined && mode !== 'ClusterCIDR') {
    diags.push(
      kubeCodes['invalid-option'](
        cmdline,
        '--cluster-cidr',
        `only used with --detect-local-mode ClusterCIDR (not ${mode})`,
      ),
    );
  }
  if (mode === undefined || mode === 'ClusterCIDR') {
    if (cidrs.length > 0) return { mode: 'ClusterCIDR', cidrs };
    if (mode === undefined) return null;
    // kube-proxy falls back to no detector (getLocalDetector logs it and goes on): so does ksvc,
    // and says so (kube-proxy's own default mode is ClusterCIDR, so its flags copied often say it)
    diags.push(
      kubeCodes['option-as-kube-proxy'](
        cmdline,
        '--detect-local-mode',
        'ClusterCIDR without --cluster-cidr is no local detector, as in kube-proxy (nothing is masqueraded for coming from outside the cluster)',
      ),
    );
    return { mode: 'None' };
  }
  if (mode === 'None') return { mode: 'None' };
  if (mode === 'NodeCIDR') return { mode: 'NodeCIDR' };
  if (mode === 'BridgeInterface') {
    const name = options.podBridgeInterface ?? '';
    if (interfaceName(name) === null) return { mode: 'BridgeInterface', interfaceName: name };
    diags.push(
      kubeCodes['invalid-option'](
        cmdline,
        '--pod-bridge-interface',
        name === '' ? 'required with --detect-local-mode BridgeInterface' : `'${name}' is not an interface name`,
      ),
    );
    return null;
  }
  const prefix = options.podInterfaceNamePrefix ?? '';
  const why = interfaceNamePrefix(prefix);
  if (why === null) return { mode: 'InterfaceNamePrefix', prefix };
  diags.push(
    kubeCodes['invalid-option'](
      cmdline,
      '--pod-interface-name-prefix',
      prefix === ''
        ? 'required with --detect-local-mode InterfaceNamePrefix'
        : `'${prefix}' is not an interface name prefix: ${why}`,
    ),
  );
  return null;
}

export function settingsFromOptions(options: KubeImportOptions): SettingsResult {
  const diags: Diagnostic[] = [];
  const settings = defaultClusterSettings();

  settings.localDetector = detectorFromFlags(options, diags) ?? { mode: 'None' };

  if (options.masqueradeAll) settings.masqueradeAll = true;
  if (options.masqueradeBit !== undefined) {
    const b = options.masqueradeBit;
    if (!Number.isInteger(b) || b < 0 || b > 31)
      diags.push(kubeCodes['invalid-option'](cmdline, '--iptables-masquerade-bit', `${b} is not 0-31`));
    else settings.masqueradeBit = b;
  }
  if (options.nodePortAddresses !== undefined) {
    const values = splitValues(options.nodePortAddresses);
    if (values.length === 1 && values[0] === 'primary') settings.nodePortAddresses = 'primary';
    else if (values.includes('primary')) {
      diags.push(kubeCodes['invalid-option'](cmdline, '--nodeport-addresses', "'primary' stands alone, without CIDRs"));
    } else if (values.length > 0) {
      settings.nodePortAddresses = readCIDRs('--nodeport-addresses', values, false, diags);
    }
  }
  if (options.localhostNodePorts !== undefined) settings.localhostNodePorts = options.localhostNodePorts;
  let nodePortRangeGiven = false;
  if (options.nodePortRange !== undefined) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})|\+\s*(\d{1,5}))\s*$/.exec(options.nodePortRange);
    const min = m ? Number(m[1]) : NaN;
    const max = m ? (m[2] !== undefined ? Number(m[2]) : min + Number(m[3]) - 1) : NaN;
    if (!m || min < 1 || max > 65535 || min > max) {
      diags.push(
        kubeCodes['invalid-option'](
          cmdline,
          '--service-node-port-range',
          `'${options.nodePortRange}' is not a port range like 30000-32767`,
        ),
      );
    } else {
      settings.nodePortRange = { min, max };
      nodePortRangeGiven = true;
    }
  }
  return { settings, nodePortRangeGiven, diagnostics: diags };
}
