// What iptables-restore leaves in a node's tables, read at the text level: per table, per chain,
// the rule lines in order. A table named by a restore is flushed first, unless --noflush; then a
// chain line (":NAME ...") creates the chain or, when it exists, flushes it (a builtin one: only
// its policy is set); "-A NAME ..." appends; "-X NAME" deletes an empty chain; builtin chains
// always exist. The restore fails (and changes nothing, in the kernel) on a rule for a chain that
// does not exist or that jumps to one not declared before it, on deleting a chain with rules, or
// when any rule jumps to a chain that is gone. Used to prove an update: a previous ruleset followed
// by a --noflush partial restore holds exactly the next ruleset's chains and rules.

/** The targets that are not chains (extensions and verdicts kube-proxy's rules use, and their kin). */
const TARGETS = new Set([
  'ACCEPT',
  'DROP',
  'RETURN',
  'REJECT',
  'DNAT',
  'SNAT',
  'MASQUERADE',
  'MARK',
  'CONNMARK',
  'LOG',
  'NFLOG',
  'QUEUE',
  'NFQUEUE',
]);

/** Each table's builtin chains: they always exist (a flush empties them; -X cannot delete them). */
const BUILTIN_CHAINS: Record<string, readonly string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** The chain or target a rule jumps or goes to (-j / -g), if any. */
const jumpTarget = (rule: string): string | undefined => /(?:^| )-[jg] (\S+)/.exec(rule)?.[1];

const flushedTable = (name: string) =>
  new Map<string, string[]>((BUILTIN_CHAINS[name] ?? []).map((chain) => [chain, []]));

/** table -> chain -> rule lines (the text after "-A CHAIN "), in order */
export type RestoreState = Map<string, Map<string, string[]>>;

/** `text` applied to a copy of `state`; the problems that would make iptables-restore fail. */
export function applyRestore(
  state: RestoreState,
  text: string,
  noflush: boolean,
): { state: RestoreState; problems: string[] } {
  const out: RestoreState = new Map(
    [...state].map(([t, chains]) => [t, new Map([...chains].map(([c, rules]) => [c, [...rules]]))]),
  );
  const problems: string[] = [];
  let table: Map<string, string[]> | null = null;
  let tableName = '';
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const at = `line ${i + 1}`;
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      const name = line.slice(1);
      if (!noflush || !out.has(name)) out.set(name, flushedTable(name));
      table = out.get(name)!;
      tableName = name;
    } else if (line === 'COMMIT') table = null;
    else if (table === null) problems.push(`${at}: outside a table`);
    else if (line.startsWith(':')) {
      // a builtin chain's line only sets its policy: iptables-restore flushes a user-defined chain
      // alone (measured with --noflush: `:INPUT ACCEPT` and a rule, twice, leave the rule twice)
      const name = line.slice(1).split(' ')[0]!;
      if (!table.has(name) || !BUILTIN_CHAINS[tableName]?.includes(name)) table.set(name, []);
    } else if (line.startsWith('-A ')) {
      const space = line.indexOf(' ', 3);
      const chain = space < 0 ? line.slice(3) : line.slice(3, space);
      const rules = table.get(chain);
      const rule = space < 0 ? '' : line.slice(space + 1);
      // the target is looked up as the rule is read: a chain declared further down is not there yet
      // (iptables-restore: "Couldn't load target", iptables-nft: "Chain ... does not exist")
      const target = jumpTarget(rule);
      if (!rules) problems.push(`${at}: a rule for chain ${chain}, which does not exist`);
      else if (target !== undefined && !TARGETS.has(target) && !table.has(target))
        problems.push(`${at}: a rule jumps to ${target}, which does not exist (yet)`);
      else rules.push(rule);
    } else if (line.startsWith('-X ')) {
      const chain = line.slice(3);
      const rules = table.get(chain);
      if (rules === undefined) problems.push(`${at}: -X ${chain}, which does not exist`);
      else if (BUILTIN_CHAINS[tableName]?.includes(chain)) problems.push(`${at}: -X ${chain}, a builtin chain`);
      else if (rules.length > 0) problems.push(`${at}: -X ${chain}, which still has rules`);
      else table.delete(chain);
    } else problems.push(`${at}: not a restore line`);
  }
  for (const [name, chains] of out) {
    for (const [chain, rules] of chains) {
      for (const r of rules) {
        const target = jumpTarget(r);
        if (target !== undefined && !TARGETS.has(target) && !chains.has(target)) {
          problems.push(`table ${name}: ${chain} jumps to ${target}, which does not exist`);
        }
      }
    }
  }
  return { state: out, problems };
}

/** The first way two states differ ("table nat, chain X: rule 3 differs"), or null when they are equal. */
export function stateDifference(a: RestoreState, b: RestoreState): string | null {
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(name) ?? new Map<string, string[]>(), b.get(name) ?? new Map<string, string[]>()];
    for (const chain of new Set([...x.keys(), ...y.keys()])) {
      const [p, q] = [x.get(chain), y.get(chain)];
      if (p === undefined || q === undefined) {
        return `table ${name}: chain ${chain} only in the ${p === undefined ? 'second' : 'first'}`;
      }
      for (let i = 0; i < Math.max(p.length, q.length); i++) {
        if (p[i] !== q[i])
          return `table ${name}, chain ${chain}: rule ${i + 1} differs (${p[i] ?? 'none'} / ${q[i] ?? 'none'})`;
      }
    }
  }
  return null;
}
