// Where `ksvc explain`'s packet goes: given as --dst, --proto and --dport, or named as a service
// port with --to NS/NAME[:PORT] (its cluster IP, protocol and port, looked up in the model) — what
// a reviewer knows about the traffic is usually the service, not its address.
import { type Family, familyName, familyOf, type IPText, parseIPStrict } from '../common/ip.ts';
import type { L4Protocol } from '../compiler/ir/packet.ts';
import type { SkippedService } from '../compiler/kube/index.ts';
import type { SkipReason } from '../compiler/kube/service.ts';
import type { ClusterModel, ServiceModel } from '../compiler/model.ts';

export interface Destination {
  dst: IPText;
  protocol: L4Protocol;
  dport: number;
}

const PROTOCOLS: readonly L4Protocol[] = ['tcp', 'udp', 'sctp', 'icmp', 'other'];

export const hasPorts = (p: L4Protocol): boolean => p === 'tcp' || p === 'udp' || p === 'sctp';

/** A port number from the command line (0 to 65535), the fallback when absent, null when invalid. */
export function portOf(text: string | undefined, fallback: number): number | null {
  if (text === undefined) return fallback;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) return null;
  return Number(text);
}

/** --dst, --proto and --dport (and whether --sport may be given); a usage message when they are wrong. */
export function destinationFromFlags(v: {
  dst?: string | undefined;
  proto?: string | undefined;
  dport?: string | undefined;
  sport?: string | undefined;
}): Destination | string {
  if (v.dst === undefined) return '--dst (or --to NAMESPACE/NAME[:PORT]) is required';
  if (v.proto === undefined) return '--proto is required';
  const dst = parseIPStrict(v.dst);
  if (!dst.ok) return `--dst: ${dst.reason}`;
  const protocol = v.proto as L4Protocol;
  if (!PROTOCOLS.includes(protocol)) return `--proto is one of: ${PROTOCOLS.join(', ')}`;
  const ports = hasPorts(protocol);
  if (ports && v.dport === undefined) return '--dport is required for tcp, udp and sctp';
  // silently dropped, a port would make the user believe the rules were asked about it
  if (!ports && (v.dport !== undefined || v.sport !== undefined))
    return `--dport and --sport are for tcp, udp and sctp; ${protocol} has no ports`;
  const dport = ports ? portOf(v.dport, 0) : 0;
  if (dport === null) return 'a port is a number from 0 to 65535';
  return { dst: dst.value.text, protocol, dport };
}

/**
 * --to NS/NAME[:PORT]: the service port's cluster IP of `family`, protocol and port. PORT is the
 * port's name or number, and may be left out when the service has one port. A usage message when
 * the model has no such service port, or it has no cluster IP of that family.
 */
export function serviceDestination(
  model: ClusterModel,
  to: string,
  family: Family,
  skipped: readonly SkippedService[] = [],
): Destination | string {
  const m = /^([^/:\s]+)\/([^/:\s]+)(?::([^/:\s]+))?$/.exec(to);
  if (!m) return `--to: '${to}' is not NAMESPACE/NAME or NAMESPACE/NAME:PORT`;
  const [, namespace, name, portText] = m as unknown as [string, string, string, string | undefined];
  const svc = model.services.find((s) => s.namespace === namespace && s.name === name);
  if (!svc) {
    // Kubernetes input: a service kube-proxy ignores is in the input, not in the model
    const gone = skipped.find((x) => x.namespace === namespace && x.name === name);
    if (gone) return `--to: ${namespace}/${name} ${whySkipped(gone.reason)}: kube-proxy writes no rules for it`;
    return `--to: the model has no service ${namespace}/${name}`;
  }
  const port = pickPort(svc, portText);
  if (typeof port === 'string') return `--to: ${port}`;
  const clusterIP = svc.clusterIPs.find((ip) => familyOf(ip) === family);
  if (clusterIP === undefined)
    return `--to: ${namespace}/${name} has no ${familyName(family)} cluster IP (its family follows --src, or --family)`;
  return { dst: clusterIP, protocol: port.protocol, dport: port.port };
}

const whySkipped = (r: SkipReason): string =>
  r === 'headless'
    ? 'is headless (no cluster IP)'
    : r === 'external-name'
      ? 'is of type ExternalName'
      : `is hidden from kube-proxy by its label ${r.label}`;

const portNames = (svc: ServiceModel): string =>
  svc.ports.map((p) => (p.name === '' ? `${p.port}/${p.protocol}` : `${p.name} (${p.port}/${p.protocol})`)).join(', ');

function pickPort(svc: ServiceModel, text: string | undefined): ServiceModel['ports'][number] | string {
  const id = `${svc.namespace}/${svc.name}`;
  if (text === undefined) {
    if (svc.ports.length === 1) return svc.ports[0]!;
    return `${id} has ${svc.ports.length} ports: name one as ${id}:PORT (${portNames(svc)})`;
  }
  // a name may be all digits (a DNS label): a name and another port's number both count
  const number = /^\d{1,5}$/.test(text) ? Number(text) : null;
  const found = svc.ports.filter((p) => (p.name !== '' && p.name === text) || p.port === number);
  if (found.length === 1) return found[0]!;
  if (found.length > 1)
    return `${id} has more than one port '${text}' (${portNames(svc)}): name one that only one port answers to`;
  return `${id} has no port '${text}' (${portNames(svc)})`;
}
