// INTERIM, TEST-ONLY: a stand-in for kube-proxy's packet tracer (iptablesTracer / tracePacket in
// pkg/proxy/iptables/proxier_test.go) so that kube-proxy's packet-flow rows can be checked against
// ksvc's iptables output today. It is a stepping stone, not the verifier: `ksvc explain` replaces it
// (issue 9 item 6). It copies the tracer's simplifications on purpose (see
// test/verifier/packet-flow/README.md): rules that test history (--rcheck, --mark, --ctstate) never
// match, probabilities are ignored (every endpoint of a split is collected), only nat PREROUTING and
// four filter chains run, and a match the tracer does not model is assumed to match.
import { parseCIDRSloppy, parseIPSloppy } from '../../common/ip.ts';

/** A value of a parameter, possibly negated ("! -s 10.0.0.0/8"). */
interface Value {
  negated: boolean;
  value: string;
}

/** The parameters kube-proxy's test parser (ParseRule) reads; everything else it skips. */
interface TraceRule {
  raw: string;
  protocol?: Value;
  source?: Value;
  sourceType?: Value;
  destination?: Value;
  destinationType?: Value;
  destinationPort?: Value;
  jump?: Value;
  probability?: Value;
  dnatDestination?: Value;
  /** --rcheck, --mark and --ctstate: present (negated or not) means "never matches". */
  historyCheck: boolean;
}

type Tables = Map<string, Map<string, TraceRule[]>>;

const VALUE_PARAMS: Record<string, keyof TraceRule | 'ignored'> = {
  '-p': 'protocol',
  '-s': 'source',
  '--src-type': 'sourceType',
  '-d': 'destination',
  '--dst-type': 'destinationType',
  '--dport': 'destinationPort',
  '-j': 'jump',
  '--probability': 'probability',
  '--to-destination': 'dnatDestination',
  '--mark': 'historyCheck',
  '--ctstate': 'historyCheck',
  // read by ParseRule but unused by the tracer
  '--comment': 'ignored',
  '--name': 'ignored',
  '--seconds': 'ignored',
  '--mode': 'ignored',
  // not in ParseRule's table (it skips them word by word); listed so that anything else is an error
  '--nfacct-name': 'ignored',
  '--or-mark': 'ignored',
  '--xor-mark': 'ignored',
};
const FLAG_PARAMS: Record<string, 'historyCheck' | 'ignored'> = {
  '--rcheck': 'historyCheck',
  '--set': 'ignored',
  '--reap': 'ignored',
  '--random-fully': 'ignored',
};

/** Words of a rule; a double-quoted string is one word (kube-proxy's wordRegex). */
function words(line: string): string[] {
  return [...line.matchAll(/(?:^|\s)("[^"]*"|[^"\s]\S*)/g)].map((m) => m[1]!.replace(/^"|"$/g, ''));
}

function parseRule(line: string): { chain: string; rule: TraceRule } {
  const w = words(line);
  const rule: TraceRule = { raw: line, historyCheck: false };
  let negated = false;
  for (let i = 2; i < w.length; ) {
    const word = w[i]!;
    if (word === '-m') {
      i += 2; // kube-proxy skips "-m MODULE"
    } else if (word === '!') {
      negated = true;
      i++;
      continue;
    } else if (word in FLAG_PARAMS) {
      if (FLAG_PARAMS[word] === 'historyCheck') rule.historyCheck = true;
      i++;
    } else if (word in VALUE_PARAMS) {
      const field = VALUE_PARAMS[word]!;
      const value = w[i + 1];
      if (value === undefined) throw new Error(`parameter ${word} needs a value: ${line}`);
      if (field === 'historyCheck') rule.historyCheck = true;
      else if (field !== 'ignored') (rule as unknown as Record<string, Value>)[field] = { negated, value };
      i += 2;
    } else {
      // kube-proxy would skip it and treat the rule as matching; a stand-in should not guess.
      throw new Error(`interim tracer: unmodelled parameter ${word} in: ${line}`);
    }
    negated = false;
  }
  return { chain: w[1]!, rule };
}

/** iptables-restore text (with the builtin-chain jumps, as kube-proxy's fake iptables holds them). */
export function parseRestoreForTrace(text: string): Tables {
  const tables: Tables = new Map();
  let table: Map<string, TraceRule[]> | null = null;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith(':') || line.startsWith('-X ')) continue;
    if (line.startsWith('*')) {
      table = new Map();
      tables.set(line.slice(1), table);
    } else if (line === 'COMMIT') {
      table = null;
    } else if (line.startsWith('-A ') && table) {
      const { chain, rule } = parseRule(line);
      if (!table.has(chain)) table.set(chain, []);
      table.get(chain)!.push(rule);
    } else {
      throw new Error(`interim tracer: unexpected line: ${line}`);
    }
  }
  return tables;
}

/** kube-proxy's addressMatches: a CIDR contains the IP, or a bare IP equals it; then negation. */
function addressMatches(address: Value, ipText: string): boolean {
  const ip = parseIPSloppy(ipText);
  if (!ip.ok) throw new Error(`Bad IP in test case: ${ipText}`); // kube-proxy: t.Fatalf
  let matches: boolean;
  if (address.value.includes('/')) {
    const cidr = parseCIDRSloppy(address.value);
    if (!cidr.ok) throw new Error(`Bad CIDR in rules: ${address.value}`);
    matches =
      cidr.value.family === ip.value.family && ip.value.value >= cidr.value.first && ip.value.value <= cidr.value.last;
  } else {
    const other = parseIPSloppy(address.value);
    if (!other.ok) throw new Error(`Bad IP in rules: ${address.value}`);
    matches = other.value.family === ip.value.family && other.value.value === ip.value.value;
  }
  return address.negated !== matches;
}

/** IPTablesValue.Matches: string (in)equality. */
const valueMatches = (v: Value, s: string): boolean => (v.value === s) !== v.negated;

export interface TracePacket {
  sourceIP: string;
  /** lowercase, as in iptables rules */
  protocol: string;
  destIP: string;
  destPort: number;
}

export interface TraceResult {
  /** kube-proxy's `output`: matched terminal targets (DNAT destinations, ACCEPT/DROP/REJECT) joined by ", ". */
  output: string;
  /** kube-proxy's `masq`: some matched rule jumped to KUBE-MARK-MASQ. */
  masq: boolean;
  /** The raw rules that matched, in order (for failure messages). */
  matches: string[];
}

/** The tracer's tracePacket over parsed restore text; localIPs are the addresses --src/dst-type LOCAL sees. */
export function tracePacketLikeKubeProxy(tables: Tables, localIPs: readonly string[], p: TracePacket): TraceResult {
  const local = new Set(['127.0.0.1', '::1', ...localIPs]); // string set, as kube-proxy's sets.Set
  const outputs: string[] = [];
  const matches: string[] = [];
  let masq = false;
  const port = String(p.destPort);

  const ruleMatches = (r: TraceRule, destIP: string): boolean => {
    if (r.source && !addressMatches(r.source, p.sourceIP)) return false;
    if (r.sourceType && !valueMatches(r.sourceType, local.has(p.sourceIP) ? 'LOCAL' : 'not-matched')) return false;
    if (r.protocol && !valueMatches(r.protocol, p.protocol)) return false;
    if (r.destination && !addressMatches(r.destination, destIP)) return false;
    if (r.destinationType && !valueMatches(r.destinationType, local.has(destIP) ? 'LOCAL' : 'not-matched'))
      return false;
    if (r.destinationPort && !valueMatches(r.destinationPort, port)) return false;
    return !r.historyCheck; // "Any rule that checks for past state/history does not match"
  };

  const runChain = (table: string, chain: string, destIP: string): boolean => {
    const rules = tables.get(table)?.get(chain);
    if (!rules) return false;
    for (const r of rules) {
      if (!r.jump || !ruleMatches(r, destIP)) continue;
      matches.push(r.raw);
      const target = r.jump.value;
      if (target === 'KUBE-MARK-MASQ') {
        masq = true;
      } else if (target === 'ACCEPT' || target === 'REJECT' || target === 'DROP') {
        outputs.push(target);
        return true;
      } else if (target === 'DNAT') {
        outputs.push(r.dnatDestination?.value ?? '');
        return true;
      } else if (runChain(table, target, destIP) && !r.probability) {
        return true; // a --probability jump keeps collecting the chain's later endpoints
      }
    }
    return false;
  };

  runChain('nat', 'PREROUTING', p.destIP);
  // Pending DNAT: later rules see the first endpoint's IP (split at the first ':', as kube-proxy does,
  // which mangles "[fd00::1]:80"; no filter rule of the IPv6 fixtures tests -d after a DNAT).
  const destIP = outputs.length > 0 ? outputs[0]!.split(':')[0]! : p.destIP;
  for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'])
    runChain('filter', chain, destIP);
  return { output: outputs.join(', '), masq, matches };
}
