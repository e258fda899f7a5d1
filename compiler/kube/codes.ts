// Diagnostic codes of the Kubernetes import (compiler/kube). Every diagnostic points at the YAML
// node it is about (file, span) and names the field path ("spec.ports[1].protocol").
import { defineCodes } from '../../common/diagnostics.ts';

export const { codes: kubeCodes, table: kubeCodeTable } = defineCodes({
  // --- the file itself
  'yaml-syntax': { severity: 'error', message: (why: string) => `YAML syntax error: ${why}` },
  /** A document the yaml package would fill the heap with (yaml-size.ts): refused before it is read. */
  'yaml-too-large': {
    severity: 'error',
    message: (values: string, need: string, budget: string) =>
      `this document holds ${values} values: reading it would take about ${need} of memory, more than the ${budget} this process may use`,
  },
  /**
   * Collections nested past what is read: not a syntax error (the text may be valid JSON or YAML),
   * so not yaml-syntax. null: the reader ran out of stack before the limit.
   */
  'too-deeply-nested': {
    severity: 'error',
    message: (limit: number | null) =>
      limit === null
        ? 'the document nests too deeply to be read: the reader ran out of stack here'
        : `the document nests arrays or objects (YAML sequences or mappings) more than ${limit} levels deep, too deeply to be read; a Kubernetes object nests about a dozen levels`,
  },
  'too-many-errors': {
    severity: 'error',
    message: (n: number) => `stopped reading this file after ${n} errors: the objects from here on were not read`,
  },
  /** A .ksvc file given where Kubernetes YAML is read: said once, not as YAML errors. */
  'ksvc-input': { severity: 'error', message: () => 'this is a .ksvc file, not Kubernetes YAML or JSON' },
  'not-an-object': {
    severity: 'error',
    message: (what: string) => `expected a Kubernetes object (a mapping), found ${what}`,
  },
  'missing-kind': { severity: 'error', message: () => `object has no 'kind'` },
  'unknown-kind': { severity: 'error', message: (kind: string) => `unsupported kind '${kind}'` },
  'unsupported-api-version': {
    severity: 'error',
    message: (kind: string, version: string, want: string) =>
      `${kind} apiVersion '${version}' is not supported (expected ${want})`,
  },
  // --- field shape
  'missing-field': { severity: 'error', message: (field: string) => `required field '${field}' is missing` },
  'wrong-type': {
    severity: 'error',
    message: (field: string, want: string, got: string) => `'${field}' must be ${want}, found ${got}`,
  },
  /** kubectl's YAML 1.1 reader merges `<<: *anchor` into the mapping; read without it, the object would be wrong. */
  'yaml-merge-key': {
    severity: 'error',
    message: () =>
      `merge key '<<' is not supported: kubectl merges the aliased mapping in, and the object read without it would be a different one; write the fields out`,
  },
  /**
   * A port the API server would have allocated (nodePort, healthCheckNodePort) is missing: the
   * input is a manifest, not objects read back from the API server, and kube-proxy would write
   * rules for the allocated port.
   */
  'port-not-allocated': {
    severity: 'warning',
    message: (field: string, why: string) =>
      `no ${field}: the API server allocates one (${why}) and kube-proxy writes rules for it; this input was not read back from the API server (kubectl get -o yaml), so no rule is written for it`,
  },
  /** kube-proxy's GetNodeHostIPs skips what it cannot parse, and reads InternalIP and ExternalIP only. */
  'node-address-skipped': {
    severity: 'warning',
    message: (what: string, why: string) => `${what} is skipped, as kube-proxy skips it: ${why}`,
  },
  'unknown-field': {
    severity: 'warning',
    message: (field: string, where: string) => `unknown field '${field}' in ${where} (ignored)`,
  },
  // --- values the API server refuses
  'invalid-value': { severity: 'error', message: (field: string, why: string) => `invalid ${field}: ${why}` },
  'invalid-name': {
    severity: 'error',
    message: (what: string, name: string, why: string) => `invalid ${what} '${name}': ${why}`,
  },
  'unsupported-value': {
    severity: 'error',
    message: (field: string, value: string, allowed: string) => `unsupported ${field} '${value}' (allowed: ${allowed})`,
  },
  'forbidden-field': {
    severity: 'error',
    message: (field: string, why: string) => `'${field}' is not allowed here: ${why}`,
  },
  'duplicate-value': { severity: 'error', message: (what: string) => `duplicate ${what}` },
  'wrong-family': {
    severity: 'error',
    message: (value: string, want: string) => `'${value}' is not an ${want} address`,
  },
  'cleared-by-default': {
    severity: 'warning',
    message: (field: string, why: string) => `'${field}' is ignored: ${why}`,
  },
  // --- across objects
  'duplicate-object': { severity: 'error', message: (kind: string, name: string) => `duplicate ${kind} ${name}` },
  // --- accepted, but kube-proxy ignores it
  'slice-without-service-label': {
    severity: 'warning',
    message: () => `EndpointSlice has no 'kubernetes.io/service-name' label: kube-proxy ignores it`,
  },
  'slice-hidden-by-label': {
    severity: 'warning',
    message: (label: string, svc: string) =>
      `EndpointSlice has label '${label}', which hides it from kube-proxy: service ${svc} gets none of its endpoints`,
  },
  'slice-for-unknown-service': {
    severity: 'warning',
    message: (svc: string) => `EndpointSlice belongs to service ${svc}, which is not in the input: ignored`,
  },
  'slice-port-unmatched': {
    severity: 'warning',
    message: (port: string, svc: string) => `EndpointSlice port ${port} matches no port of service ${svc}: ignored`,
  },
  'slice-port-ignored': {
    severity: 'warning',
    message: (why: string) => `EndpointSlice port ignored by kube-proxy: ${why}`,
  },
  'no-cluster-ip': {
    severity: 'warning',
    message: () =>
      `service has no clusterIP (the API server allocates one on creation); kube-proxy skips it as headless`,
  },
  'second-cluster-ip-ignored': {
    severity: 'warning',
    message: () =>
      `without spec.ipFamilies kube-proxy reads only spec.clusterIP; this second cluster IP is ignored (add ipFamilies)`,
  },
  'source-ranges-annotation-ignored': {
    severity: 'warning',
    message: () =>
      `kube-proxy ignores the service.beta.kubernetes.io/load-balancer-source-ranges annotation; use spec.loadBalancerSourceRanges`,
  },
  'endpoint-family-unused': {
    severity: 'warning',
    message: (ip: string, svc: string) =>
      `endpoint ${ip}: service ${svc} has no cluster IP of its family, so kube-proxy never uses it (left out)`,
  },
  'node-without-object': {
    severity: 'warning',
    message: (node: string) =>
      `endpoint on node '${node}', which has no Node object in the input (assumed to have no addresses)`,
  },
  // --- printing the model as .ksvc (ksvc import)
  'not-representable': {
    severity: 'error',
    message: (svc: string, why: string) =>
      `service ${svc} cannot be written as .ksvc: ${why} (ksvc compile --from-k8s reads it directly)`,
  },
  /** A defect in ksvc: the printed .ksvc file does not read back as the model it was printed from. */
  'internal-read-back-error': {
    severity: 'error',
    message: (why: string | null) =>
      `internal error (please report it): the printed .ksvc file does not read back as the same cluster${why === null ? '' : `: ${why}`}`,
  },
  // --- options (command-line flags); file ""
  'invalid-option': { severity: 'error', message: (flag: string, why: string) => `${flag}: ${why}` },
  /** A flag kube-proxy accepts and reads as something else than it may seem (said, then done as kube-proxy does). */
  'option-as-kube-proxy': { severity: 'warning', message: (flag: string, why: string) => `${flag}: ${why}` },
  'unknown-node-flag': {
    severity: 'error',
    message: (node: string) =>
      `--node ${node}: no Node object with that name in the input, and no endpoint on a node of that name`,
  },
});
