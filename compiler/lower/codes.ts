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
  'family-unused': {
    severity: 'warning',
    message: (family: string) =>
      `no service has an ${family} cluster IP: the ${family} ruleset has only the fixed chains`,
  },
});
