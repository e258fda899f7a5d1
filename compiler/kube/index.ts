// Kubernetes objects (Service, EndpointSlice, Node; YAML or JSON; multi-document; kind: List)
// -> the checked model, reading them as kube-proxy does. Cluster settings come from options (they
// are kube-proxy flags). Every problem is a located diagnostic; the model is null when any is an
// error.
import { appendAll } from '../../common/append.ts';
import { type Diagnostic, hasErrors } from '../../common/diagnostics.ts';
import type { SourceFile } from '../../common/source.ts';
import type { ClusterModel, NodeModel, ServiceModel } from '../model.ts';
import { shownDiagnostics } from '../shared-rules/cap.ts';
import { sharedCodes } from '../shared-rules/codes.ts';
import { kubeCodes } from './codes.ts';
import { endpointsOf, type NodeNameSites } from './endpoints.ts';
import { type HiddenSlice, readEndpointSlice, type SliceRead } from './endpointslice.ts';
import { isFastPathDecline } from './fast-decline.ts';
import { readNode } from './node.ts';
import { type RawObject, readObjects } from './read-objects.ts';
import { readService, type ServiceRead, type SkipReason } from './service.ts';
import { type KubeImportOptions, settingsFromOptions } from './settings.ts';
import { runSharedRulesOnImport } from './shared-facts.ts';
import { field, firstLine, type Located, located, type Val, where } from './yaml-reader.ts';

export type { KubeImportOptions } from './settings.ts';
export { DETECT_LOCAL_MODES } from './settings.ts';

export interface KubeImportResult {
  /** null when there are errors. */
  model: ClusterModel | null;
  diagnostics: Diagnostic[];
  /** The services kube-proxy writes nothing for (headless, ExternalName, hidden), in input order. */
  skipped: SkippedService[];
}

export interface SkippedService {
  namespace: string;
  name: string;
  reason: SkipReason;
}

const API_VERSIONS: Record<string, string> = { Service: 'v1', EndpointSlice: 'discovery.k8s.io/v1', Node: 'v1' };

const KIND_HINTS: Record<string, string> = {
  Endpoints: 'kube-proxy reads EndpointSlices, not Endpoints: export them with `kubectl get endpointslices -o yaml`',
};

export function importKubernetes(sources: readonly SourceFile[], options: KubeImportOptions = {}): KubeImportResult {
  try {
    return importObjects(sources, options, true);
  } catch (e) {
    // tool-written YAML (a JSON List) is read a document (an item) at a time, and the fast path
    // found one it does not read after others were taken: everything again, each file read whole
    if (!isFastPathDecline(e)) throw e;
    return importObjects(sources, options, false);
  }
}

function importObjects(sources: readonly SourceFile[], options: KubeImportOptions, fast: boolean): KubeImportResult {
  const diags: Diagnostic[] = [];
  const set = settingsFromOptions(options);
  appendAll(diags, set.diagnostics);
  const settings = set.settings;

  const services: ServiceRead[] = [];
  const skipped = new Set<string>();
  const skippedServices: SkippedService[] = [];
  const slices: SliceRead[] = [];
  const hiddenSlices: HiddenSlice[] = [];
  const nodes: NodeModel[] = [];
  const seen = new Map<string, Located>();
  let objectCount = 0;
  let serviceObjects = 0;

  for (const source of sources) {
    for (const raw of readObjects(source, diags, { fast })) {
      objectCount++;
      const want = API_VERSIONS[raw.kind];
      if (want === undefined) {
        if (options.skipUnknownKinds) continue;
        const hint =
          KIND_HINTS[raw.kind] ??
          'ksvc reads Service, EndpointSlice and Node objects (use --skip-unknown-kinds to ignore others)';
        diags.push(
          kubeCodes['unknown-kind'](
            {
              file: raw.obj.loc.file,
              span: field(raw.obj, 'kind')?.loc.span ?? firstLine(raw.obj),
              path: raw.obj.loc.path,
              hint,
            },
            raw.kind,
          ),
        );
        continue;
      }
      if (raw.apiVersion !== null && raw.apiVersion !== want) {
        diags.push(
          kubeCodes['unsupported-api-version'](where(field(raw.obj, 'apiVersion')!), raw.kind, raw.apiVersion, want),
        );
        continue;
      }
      if (raw.kind === 'Service') {
        serviceObjects++;
        const r = readService(raw.obj);
        const key =
          r.kind === 'service'
            ? `${r.read.model.namespace}/${r.read.model.name}`
            : r.kind === 'skipped'
              ? `${r.namespace}/${r.name}`
              : null;
        if (key !== null && checkDuplicate(seen, `Service ${key}`, raw, diags)) continue;
        if (r.kind === 'service') services.push(r.read);
        else if (r.kind === 'skipped') {
          skipped.add(key!);
          skippedServices.push({ namespace: r.namespace, name: r.name, reason: r.reason });
        }
      } else if (raw.kind === 'EndpointSlice') {
        const r = readEndpointSlice(raw.obj);
        if (r.kind === 'skipped' && r.hidden) hiddenSlices.push(r.hidden);
        if (r.kind !== 'slice') continue;
        if (checkDuplicate(seen, `EndpointSlice ${r.read.namespace}/${r.read.name}`, raw, diags)) continue;
        slices.push(r.read);
      } else {
        const n = readNode(raw.obj, options.node ?? null);
        if (!n || checkDuplicate(seen, `Node ${n.name}`, raw, diags)) continue;
        nodes.push(n);
      }
    }
  }
  checkNodePortRange(services, set.nodePortRangeGiven, settings.nodePortRange, diags);

  // Endpoints: slices grouped by owning service, in input order.
  const byService = new Map<string, SliceRead[]>();
  const serviceKeys = new Set(services.map((r) => `${r.model.namespace}/${r.model.name}`));
  for (const s of slices) {
    if (s.serviceName === null) continue;
    const key = `${s.namespace}/${s.serviceName}`;
    if (!serviceKeys.has(key)) {
      if (!skipped.has(key))
        diags.push(
          kubeCodes['slice-for-unknown-service'](
            { file: s.at.loc.file, span: firstLine(s.at), path: s.at.loc.path },
            key,
          ),
        );
      continue;
    }
    const list = byService.get(key);
    if (list) list.push(s);
    else byService.set(key, [s]);
  }
  // a hidden slice of a service kube-proxy does list: that service misses its endpoints
  for (const h of hiddenSlices) {
    const key = `${h.namespace}/${h.serviceName}`;
    if (h.serviceName !== null && serviceKeys.has(key))
      diags.push(kubeCodes['slice-hidden-by-label'](where(h.labelAt), h.label, key));
  }
  const models: ServiceModel[] = services.map((r) => r.model);
  const nodeSites: NodeNameSites = new Map();
  for (const svc of models)
    svc.endpoints = endpointsOf(svc, byService.get(`${svc.namespace}/${svc.name}`) ?? [], diags, nodeSites);

  // Endpoints on nodes without a Node object: the node exists (kube-proxy only compares names).
  const nodeNames = new Set(nodes.map((n) => n.name));
  const objectNodes = new Set(nodeNames);
  for (const svc of models) {
    for (const ep of svc.endpoints) {
      if (ep.nodeName === null || nodeNames.has(ep.nodeName)) continue;
      nodeNames.add(ep.nodeName);
      nodes.push({ name: ep.nodeName, addresses: [], podCIDRs: [] });
      const at = nodeSites.get(ep);
      diags.push(
        kubeCodes['node-without-object'](
          at ? where(at) : { file: ep.origin?.file ?? '', span: ep.origin?.span ?? null },
          ep.nodeName,
        ),
      );
    }
  }
  // not when the input could not be read at all (a .ksvc file, a syntax error): no Node could be found in it
  // a node known only from its endpoints is a node too (the import prints it, kube-proxy only compares names)
  if (options.node != null && !nodeNames.has(options.node) && (objectCount > 0 || !hasErrors(diags)))
    diags.push(kubeCodes['unknown-node-flag']({ file: '', span: null }, options.node));
  // Only when the input itself could be read: a YAML syntax error is not "no services".
  if (objectCount > 0 || !hasErrors(diags))
    runSharedRulesOnImport(
      sources[0]?.path ?? '',
      serviceObjects,
      services,
      nodes.filter((n) => objectNodes.has(n.name)),
      settings,
      diags,
    );

  const shown = shownDiagnostics(diags);
  if (hasErrors(shown)) return { model: null, diagnostics: shown, skipped: skippedServices };
  return { model: { settings, nodes, services: models }, diagnostics: shown, skipped: skippedServices };
}

function checkDuplicate(seen: Map<string, Located>, key: string, raw: RawObject, diags: Diagnostic[]): boolean {
  const first = seen.get(key);
  if (!first) {
    seen.set(key, located(raw.obj));
    return false;
  }
  const [kind, ...name] = key.split(' ');
  diags.push(
    kubeCodes['duplicate-object'](
      {
        file: raw.obj.loc.file,
        span: firstLine(raw.obj),
        path: raw.obj.loc.path,
        related: [{ message: 'first defined here', file: first.loc.file, span: firstLine(first) }],
      },
      kind!,
      name.join(' '),
    ),
  );
  return true;
}

/**
 * NodePorts and health-check node ports inside the range when one was given; else the range is
 * widened to cover them. (That no number is claimed twice is a shared rule.)
 */
function checkNodePortRange(
  services: ServiceRead[],
  rangeGiven: boolean,
  range: { min: number; max: number },
  diags: Diagnostic[],
): void {
  for (const r of services) {
    const uses: { port: number; at: Val; field: string }[] = [];
    r.model.ports.forEach((p, i) => {
      if (p.nodePort !== null) uses.push({ port: p.nodePort, at: r.nodePortAt[i]!, field: 'nodePort' });
    });
    if (r.model.healthCheckNodePort !== null)
      uses.push({ port: r.model.healthCheckNodePort, at: r.healthCheckAt!, field: 'healthCheckNodePort' });
    for (const u of uses) {
      if (rangeGiven && (u.port < range.min || u.port > range.max)) {
        diags.push(
          sharedCodes['node-port-out-of-range'](
            where(u.at, "pick a port in that range, or give the API server's range with --service-node-port-range"),
            u.field,
            String(u.port),
            range.min,
            range.max,
          ),
        );
      } else if (!rangeGiven) {
        range.min = Math.min(range.min, u.port);
        range.max = Math.max(range.max, u.port);
      }
    }
  }
}
