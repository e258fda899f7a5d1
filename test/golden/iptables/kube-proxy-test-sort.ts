// A TEST utility: kube-proxy's unit tests compare restore text after sortIPTablesRules, a canonical
// order that hides Go map iteration (sortIPTablesRules in pkg/proxy/iptables/proxier_test.go).
// Reproduced here so the
// expected dumps of proxier_test.go can be compared byte for byte. Not used by the backend.

interface TableText {
  name: string;
  chains: string[];
  rules: string[];
  deletes: string[];
}

function parseRestore(text: string): TableText[] {
  const tables: TableText[] = [];
  let cur: TableText | null = null;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('*')) tables.push((cur = { name: line.slice(1), chains: [], rules: [], deletes: [] }));
    else if (line === 'COMMIT') cur = null;
    else if (!cur) throw new Error(`line outside a table: ${line}`);
    else if (line.startsWith(':')) cur.chains.push(line.slice(1).split(' ')[0]!);
    else if (line.startsWith('-A ')) cur.rules.push(line);
    else if (line.startsWith('-X ')) cur.deletes.push(line);
    else throw new Error(`unexpected line: ${line}`);
  }
  return tables;
}

const chainOf = (rule: string) => rule.split(' ')[1]!;

function chainRank(c: string): [number, string] {
  if (c === 'KUBE-NODEPORTS') return [0, ''];
  if (c === 'KUBE-SERVICES') return [1, ''];
  if (c.startsWith('KUBE-')) return [2, c];
  return [3, c];
}

const cmpChains = (a: string, b: string) => {
  const [ra, na] = chainRank(a);
  const [rb, nb] = chainRank(b);
  return ra - rb || (na < nb ? -1 : na > nb ? 1 : 0);
};

const LAST_RULE = 'this must be the last rule in this chain';

/** The service name a rule's comment starts with (up to the first space or ':'), "" without one. */
function commentService(rule: string): string {
  const m = / --comment ("([^"]*)"|(\S+))/.exec(rule);
  if (!m) return '';
  const text = m[2] ?? m[3]!;
  return text.split(/[ :]/)[0]!;
}

export function sortIPTablesRulesLikeKubeProxyTests(text: string): string {
  const out: string[] = [];
  const tables = parseRestore(text).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const t of tables) {
    out.push(`*${t.name}`);
    const chains = [...t.chains].sort(cmpChains);
    for (const c of chains) out.push(`:${c} - [0:0]`);
    for (const c of chains) {
      let rules = t.rules.filter((r) => chainOf(r) === c);
      if (c === 'KUBE-NODEPORTS' || c === 'KUBE-SERVICES') {
        const last = rules.filter((r) => r.includes(LAST_RULE));
        const rest = rules
          .filter((r) => !r.includes(LAST_RULE))
          .map((r, i) => ({ r, i, k: commentService(r) }))
          .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
          .map((x) => x.r);
        rules = [...rest, ...last];
      }
      out.push(...rules);
    }
    out.push(...t.deletes, 'COMMIT');
  }
  return `${out.join('\n')}\n`;
}
