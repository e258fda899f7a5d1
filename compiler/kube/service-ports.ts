// spec.ports of a Service: each port's name, protocol, port, targetPort and nodePort, with the
// API server's rules on them (ValidateService: names required when there are several ports and
// unique, port/protocol pairs unique, nodePort not on a ClusterIP service).
import type { Protocol, ServiceType } from '../../common/kubernetes.ts';
import { dns1123Label, ianaServiceName, nameRuleHint } from '../../common/name-validation.ts';
import type { ServicePortModel } from '../model.ts';
import { sharedCodes } from '../shared-rules/codes.ts';
import { kubeCodes } from './codes.ts';
import {
  asMap,
  checkKnownFields,
  field,
  getSeq,
  getString,
  isEmptyString,
  type MapVal,
  missing,
  readEnumOr,
  type Val,
  where,
} from './yaml-reader.ts';
import { asInt, asIntOrString } from './yaml-scalars.ts';

const PROTOCOLS: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };
const PORT_FIELDS = new Set(['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort']);

export interface PortsRead {
  ports: ServicePortModel[];
  /** Where each port's nodePort was written (aligned with `ports`). */
  nodePortAt: (Val | null)[];
}

/** A port number field (1-65535). */
function readPort(m: MapVal, key: string, required: boolean): { value: number; at: Val } | undefined {
  const v = field(m, key);
  if (!v) {
    if (required) missing(m, key);
    return undefined;
  }
  const n = asInt(v);
  if (n === undefined) return undefined;
  if (n < 1 || n > 65535) {
    m.ctx.diags.push(sharedCodes['invalid-port'](where(v), key, String(n)));
    return undefined;
  }
  return { value: n, at: v };
}

/** The port's name: required when the service has several ports, a DNS-1123 label, unique. */
function readPortName(pm: MapVal, portCount: number, seen: Map<string, Val>): string {
  const nameVal = field(pm, 'name');
  const name = getString(pm, 'name') ?? '';
  const diags = pm.ctx.diags;
  if (name === '' && portCount > 1) {
    diags.push(
      kubeCodes['missing-field'](
        where(nameVal ?? pm),
        `${pm.loc.path}.name (required when a service has more than one port)`,
      ),
    );
  } else if (name !== '') {
    const why = dns1123Label(name);
    if (why) diags.push(kubeCodes['invalid-name'](where(nameVal!, nameRuleHint(dns1123Label)), 'port name', name, why));
    else if (seen.has(name)) diags.push(kubeCodes['duplicate-value'](where(nameVal!), `port name '${name}'`));
    seen.set(name, nameVal!);
  }
  return name;
}

/** targetPort: a number (1-65535) or an IANA port name; unset, 0 or "" means the port itself. */
function readTargetPort(pm: MapVal, port: number | undefined): number | string | undefined {
  const tpVal = field(pm, 'targetPort');
  if (tpVal && isEmptyString(tpVal)) return port;
  const tp = asIntOrString(tpVal);
  const diags = pm.ctx.diags;
  if (typeof tp === 'number' && tp !== 0) {
    if (tp < 1 || tp > 65535) diags.push(sharedCodes['invalid-port'](where(tpVal!), 'targetPort', String(tp)));
    return tp;
  }
  if (typeof tp === 'string') {
    const why = ianaServiceName(tp);
    if (why) diags.push(kubeCodes['invalid-value'](where(tpVal!), `${tpVal!.loc.path}`, `'${tp}': ${why}`));
    return tp;
  }
  return port;
}

/** nodePort: 0 or unset means none; refused on a ClusterIP service. */
function readNodePort(pm: MapVal, type: ServiceType): { value: number; at: Val } | null {
  const npVal = field(pm, 'nodePort');
  const np = asInt(npVal);
  if (np === undefined || np === 0) return null;
  const diags = pm.ctx.diags;
  if (np < 1 || np > 65535) diags.push(sharedCodes['invalid-port'](where(npVal!), 'nodePort', String(np)));
  else if (type === 'ClusterIP')
    diags.push(kubeCodes['forbidden-field'](where(npVal!), 'nodePort', "may not be used when 'type' is 'ClusterIP'"));
  else return { value: np, at: npVal! };
  return null;
}

/** spec.ports (at least one). */
export function readServicePorts(spec: MapVal, type: ServiceType): PortsRead {
  const diags = spec.ctx.diags;
  const portsVal = field(spec, 'ports');
  const portItems = getSeq(spec, 'ports');
  if (!portsVal) missing(spec, 'ports');
  else if (portItems && portItems.length === 0)
    diags.push(kubeCodes['missing-field'](where(portsVal), 'spec.ports (at least one port)'));
  const out: PortsRead = { ports: [], nodePortAt: [] };
  const seenNames = new Map<string, Val>();
  const seenPorts = new Map<string, Val>();
  for (const item of portItems ?? []) {
    const pm = asMap(item);
    if (!pm) continue;
    checkKnownFields(pm, PORT_FIELDS, 'a Service port');
    const name = readPortName(pm, portItems?.length ?? 0, seenNames);
    const protocolName = readEnumOr(pm, 'protocol', Object.keys(PROTOCOLS), 'TCP');
    const port = readPort(pm, 'port', true);
    const targetPort = readTargetPort(pm, port?.value);
    const nodePort = readNodePort(pm, type);
    if (port && protocolName) {
      const key = `${port.value}/${protocolName}`;
      if (seenPorts.has(key)) diags.push(kubeCodes['duplicate-value'](where(pm), `port ${key}`));
      seenPorts.set(key, pm);
    }
    if (!port || !protocolName || targetPort === undefined) continue;
    out.ports.push({
      name,
      protocol: PROTOCOLS[protocolName]!,
      port: port.value,
      nodePort: nodePort?.value ?? null,
      targetPort,
      origin: { file: pm.loc.file, span: pm.loc.span, path: pm.loc.path },
    });
    out.nodePortAt.push(nodePort?.at ?? null);
  }
  return out;
}
