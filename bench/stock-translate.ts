// The stock iptables -> nftables path as a peer: `iptables-restore-translate` on ksvc's iptables
// output. What it produces, whether `nft -f` loads it, how long each step takes, and what it
// drops or changes:
//  - rules it cannot translate come out as `# …` comment lines (session affinity's `-m recent`,
//    the `-m nfacct` counters — which also takes the INVALID drop and the localhost NodePort rules
//    with them);
//  - `-m conntrack ! --ctstate …,DNAT` loses its negation (`ct status dnat`: the localnet block
//    then drops exactly the connections it should let through);
//  - `-p tcp -m tcp -j DNAT --to-destination ip:port` becomes `dnat to ip:port` without a protocol
//    match, which nft refuses ("transport protocol mapping is only valid after transport protocol
//    match"); and the builtin chains are not declared (iptables-nft creates them itself).
// A "patched" translation (base chains declared as iptables-nft would, each DNAT given its rule's
// protocol) is also loaded, to time what the stock path would cost if it worked.
import { readFileSync, writeFileSync } from 'node:fs';
import { withNetns } from '../test/kernel/netns.ts';
import { type Timing, timed } from './timed.ts';

export interface TranslateReport {
  translate: Timing;
  translateStatus: number;
  /** Rules written as comments (not translated), by the match that stopped them. */
  untranslated: { recent: number; nfacct: number; other: number };
  /** Input rules with a negated --ctstate (the translation drops the negation). */
  negatedCtstate: number;
  /** Translated DNAT rules with a port but no protocol match (nft refuses them). */
  dnatWithoutProtocol: number;
  /** `nft -f` of the translation as it is. */
  load: { status: number; timing: Timing; firstError: string };
  /** `nft -f` after declaring the base chains and giving each DNAT its protocol. */
  patchedLoad: { status: number; timing: Timing; firstError: string };
}

const BASE_CHAINS: Record<string, Record<string, [string, number]>> = {
  filter: { INPUT: ['input', 0], FORWARD: ['forward', 0], OUTPUT: ['output', 0] },
  nat: {
    PREROUTING: ['prerouting', -100],
    INPUT: ['input', 100],
    OUTPUT: ['output', -100],
    POSTROUTING: ['postrouting', 100],
  },
};

/** The translation with base chains declared and a protocol match before every port-mapping DNAT. */
export function patchTranslation(translated: string, restore: string): string {
  const protoOf = new Map<string, string>();
  for (const m of restore.matchAll(/^-A (\S+) .*-p (tcp|udp|sctp) .*-j DNAT /gm)) protoOf.set(m[1]!, m[2]!);
  const used = new Set<string>();
  const lines = translated.split('\n').map((line) => {
    const rule = /^add rule ip (\w+) (\S+) /.exec(line);
    if (rule && BASE_CHAINS[rule[1]!]?.[rule[2]!]) used.add(`${rule[1]} ${rule[2]}`);
    const m = /^add rule ip nat (\S+) (.*)dnat to (\S+:\d+)/.exec(line);
    if (!m || /\b(l4proto|tcp|udp|sctp)\b/.test(m[2]!)) return line;
    const proto = protoOf.get(m[1]!);
    return proto ? line.replace(/dnat to /, `meta l4proto ${proto} dnat to `) : line;
  });
  const declare: string[] = [];
  for (const key of used) {
    const [table, chain] = key.split(' ') as [string, string];
    const [hook, prio] = BASE_CHAINS[table]![chain]!;
    const type = table === 'nat' ? 'nat' : 'filter';
    declare.push(`add table ip ${table}`);
    declare.push(`add chain ip ${table} ${chain} { type ${type} hook ${hook} priority ${prio}; policy accept; }`);
  }
  return `${declare.join('\n')}\n${lines.join('\n')}`;
}

const firstError = (stderr: string): string =>
  (stderr.split('\n').find((l) => l.includes('Error')) ?? stderr.split('\n')[0] ?? '').slice(0, 200);

/** Translates `restoreFile` (written to `out`), and loads it as is and patched, each in a fresh namespace. */
export async function stockTranslate(restoreFile: string, out: string): Promise<TranslateReport> {
  const t = timed('iptables-restore-translate', ['-f', restoreFile]);
  writeFileSync(out, t.stdout);
  const restore = readFileSync(restoreFile, 'utf8');
  const comments = t.stdout.split('\n').filter((l) => l.startsWith('# -t '));
  const untranslated = { recent: 0, nfacct: 0, other: 0 };
  for (const c of comments) {
    if (c.includes('-m recent')) untranslated.recent++;
    else if (c.includes('-m nfacct')) untranslated.nfacct++;
    else untranslated.other++;
  }
  const negatedCtstate = (restore.match(/^-A .*! --ctstate /gm) ?? []).length;
  const dnatWithoutProtocol = t.stdout
    .split('\n')
    .filter((l) => /dnat to \S+:\d+/.test(l) && !/\b(l4proto|tcp|udp|sctp)\b/.test(l.split('dnat to')[0]!)).length;
  const load = await withNetns('bench-xlate', (ns) => {
    const r = timed('nft', ['-f', out], ns);
    return { status: r.status, timing: r.timing, firstError: r.status === 0 ? '' : firstError(r.stderr) };
  });
  const patchedFile = `${out}.patched`;
  writeFileSync(patchedFile, patchTranslation(t.stdout, restore));
  const patchedLoad = await withNetns('bench-xlatep', (ns) => {
    const r = timed('nft', ['-f', patchedFile], ns);
    return { status: r.status, timing: r.timing, firstError: r.status === 0 ? '' : firstError(r.stderr) };
  });
  return {
    translate: t.timing,
    translateStatus: t.status,
    untranslated,
    negatedCtstate,
    dnatWithoutProtocol,
    load,
    patchedLoad,
  };
}
