// What a ruleset holds: objects of an nft JSON document and of an iptables-restore text.

export interface NftCounts {
  chains: number;
  rules: number;
  /** Named sets and maps. */
  sets: number;
  elements: number;
}

/** Counts the `add` commands of a libnftables JSON document (ksvc's one-command-per-line layout or any other). */
export function countNft(json: string): NftCounts {
  const doc = JSON.parse(json) as { nftables: Record<string, Record<string, { elem?: unknown[] }>>[] };
  const c: NftCounts = { chains: 0, rules: 0, sets: 0, elements: 0 };
  for (const cmd of doc.nftables) {
    const add = cmd.add;
    if (!add) continue;
    if (add.chain) c.chains++;
    else if (add.rule) c.rules++;
    else if (add.set || add.map) c.sets++;
    else if (add.element) c.elements += add.element.elem?.length ?? 0;
  }
  return c;
}

export interface IptablesCounts {
  chains: number;
  rules: number;
}

/** Chains (`:NAME` lines, builtin ones included) and rules (`-A` lines) of iptables-restore text. */
export function countIptables(text: string): IptablesCounts {
  let chains = 0;
  let rules = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) chains++;
    else if (line.startsWith('-A ')) rules++;
  }
  return { chains, rules };
}
