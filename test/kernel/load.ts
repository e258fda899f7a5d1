// Loading a rendered ruleset into a node namespace of the packet tests (topology.ts).
import { renderIptables } from '../../backends/iptables/index.ts';
import { renderNftablesJson } from '../../backends/nftables/index.ts';
import { nftWithFile } from '../../cli/netns.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import type { Backend } from './matrix.ts';
import { createKubeProxyNfacct, type Netns } from './netns.ts';

function must(ns: Netns, cmd: string, args: string[], input: string): void {
  const r = ns.exec(cmd, args, input, 60_000);
  if (r.status !== 0) throw new Error(`[${ns.name}] ${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
}

/** nft reads a file: `nft -j -f -` cannot open /dev/stdin when stdin is a socket (as under node). */
export function nftFile(node: Netns, args: string[], content: string): void {
  const r = nftWithFile(node, args, content);
  if (r.status !== 0) throw new Error(`[${node.name}] nft ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
}

/** iptables-restore (ip6tables-restore) text: given, or rendered from the IR with the builtin-chain hooks. */
export function iptablesBackend(ir: IRProgram, text?: string): Backend {
  const restore = text ?? renderIptables(ir, { format: 'restore', hooks: true });
  return {
    name: 'iptables',
    load(node) {
      if (ir.environment.nfacct) createKubeProxyNfacct(node);
      must(node, ir.family === 'ipv6' ? 'ip6tables-restore' : 'iptables-restore', ['-w', '5'], restore);
    },
  };
}

/** The nftables JSON document (given, or rendered from the IR), loaded with `nft -j -f -`. */
export function nftablesBackend(ir: IRProgram, json?: string): Backend {
  const doc = json ?? renderNftablesJson(ir);
  return { name: 'nftables', load: (node) => nftFile(node, ['-j', '-f'], doc) };
}

/** A ruleset in nft syntax (hand-written cases), loaded with `nft -f -`. */
export function nftTextBackend(name: string, text: string): Backend {
  return { name, load: (node) => nftFile(node, ['-f'], text) };
}
