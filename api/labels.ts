// How in-memory artifacts are named in diagnostics and traces (`<iptables, node node-a, ipv4>`).

/** ", node N" for a node's artifact; nothing without a node. */
export const nodeText = (node: string | null): string => (node === null ? '' : `, node ${node}`);
