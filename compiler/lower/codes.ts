// Diagnostics of lowering (model -> IR): problems that only show once a node/family is chosen.
import { defineCodes } from '../../common/diagnostics.ts';

export const { codes: lowerCodes, table: lowerCodeTable } = defineCodes({
  'node-required': {
    severity: 'error',
    message: (names: string[]) =>
      `the input declares ${names.length} nodes (${names.join(', ')}); choose the node to compile for`,
  },
  'unknown-target-node': {
    severity: 'error',
    message: (name: string, names: string[]) =>
      names.length === 0
        ? `node '${name}' is not declared (the input declares no node)`
        : `node '${name}' is not declared (declared: ${names.join(', ')})`,
  },
  /** The cluster block's form of this is the checker's node-cidr-without-pod-cidr. */
  'flag-node-cidr-without-pod-cidr': {
    severity: 'warning',
    message: (node: string, family: string) =>
      `--detect-local-mode NodeCIDR: node '${node}' has no ${family} podCIDR, so no off-cluster masquerade rule is written (kube-proxy waits for the node's podCIDR before it writes any)`,
  },
  'family-unused': {
    severity: 'warning',
    message: (family: string) =>
      `no service has an ${family} cluster IP: the ${family} ruleset has only the fixed chains`,
  },
});
