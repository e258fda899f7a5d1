// The reader's fast paths cannot change what a line means. The grammar is the definition:
//  - the reader's own path (scanLine over a line inside a larger text, the template found by the
//    skeleton's hash, values read in place or unquoted on demand) gives, for every corpus line and
//    for the same line with every value quoted, the template and the converted rule (steps and
//    errors with their columns) that a direct ohm match of the line gives;
//  - each value fast path (dotted quad, port range, protocol, DNAT target, counters) accepts only
//    what its parser accepts, with the same value, and does accept the common spellings.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../common/diagnostics.ts';
// the iptables reader's dotted-quad fast path
import { canonicalIPv4At as fastIPv4At } from '../../common/ip.ts';
import { newSharedSteps, type RuleContext, type Table } from '../../verifier/iptables/context.ts';
import { convertRule } from '../../verifier/iptables/convert.ts';
import { templateOfScan } from '../../verifier/iptables/skeletons.ts';
import { matchLineDirect, type RuleTemplate } from '../../verifier/iptables/template.ts';
import { newTokens, scanLine, type Tokens, tokenizeLine } from '../../verifier/iptables/tokenize.ts';
import {
  fastDnatAt,
  fastPortRangeAt,
  fastProtocolAt,
  isBracketCountersAt,
  parseAddress,
  parseDnatTarget,
  parsePortRange,
  parseProtocol,
} from '../../verifier/iptables/values.ts';
import { corpusLines } from './iptables-support.ts';

const test = suite('iptables reader: fast paths mean what the grammar says');

/** Convert in a fresh context: from the scanned tokens (the reader's way) or from token texts. */
function convert(
  table: Table,
  tpl: RuleTemplate,
  from: { tokens: Tokens } | { texts: string[]; starts: number[]; ends: number[] },
): { steps: unknown; errors: string[] } {
  const errors: Diagnostic[] = [];
  const starts = 'tokens' in from ? from.tokens.starts : from.starts;
  const ends = 'tokens' in from ? from.tokens.ends : from.ends;
  const ctx: RuleContext = {
    table,
    texts: 'texts' in from ? from.texts : [],
    ...('tokens' in from ? { tokens: from.tokens } : {}),
    where: (at) => ({
      file: 'f',
      span:
        at < 0
          ? null
          : {
              start: { line: 1, column: starts[at]! + 1, offset: starts[at]! },
              end: { line: 1, column: ends[at]! + 1, offset: ends[at]! },
            },
    }),
    line: 1,
    errors,
    fileErrors: errors,
    family: { family: null, from: '' },
    protocol: null,
    notes: null,
    shared: newSharedSteps(),
  };
  const steps = convertRule(ctx, tpl);
  return { steps, errors: errors.map((d) => `${d.code}@${d.span?.start.column}: ${d.message}`) };
}

/** The line with every value token quoted (what iptables-restore unquotes to the same text). */
function quoteValues(line: string): string {
  const tk = tokenizeLine(line);
  const out: string[] = [];
  for (let k = 0; k < tk.count; k++) {
    const raw = line.slice(tk.starts[k], tk.ends[k]);
    const plain = tk.quoteAt[k]! < 0;
    // ':' and '*' of a chain or table line are glued to the name: leave those lines alone.
    out.push(plain && !tk.literal[k] ? `"${tk.texts[k]!.replace(/[\\"]/g, '\\$&')}"` : raw);
  }
  return out.join(' ');
}

function checkLine(label: string, line: string, table: Table | null): boolean {
  const text = `# a line before\n${line}\nCOMMIT\n`;
  const from = text.indexOf('\n') + 1;
  const tk = scanLine(text, from, from + line.length, newTokens());
  const scanned = templateOfScan(tk);
  const direct = matchLineDirect(line);
  if ('failed' in direct) {
    assert.is(scanned.kind, 'failure', `${label}: the grammar refuses it, so must the reader`);
    return false;
  }
  assert.equal(scanned, direct.template, `${label}: template`);
  if (scanned.kind !== 'rule' || direct.template.kind !== 'rule' || table === null) return false;
  assert.equal(convert(table, scanned, { tokens: tk }), convert(table, direct.template, direct), `${label}: rule`);
  return true;
}

test('every corpus line, as written and with its values quoted: same template and rule both ways', () => {
  let rules = 0;
  let quoted = 0;
  for (const { label, line, table } of corpusLines()) {
    if (checkLine(label, line, table)) rules++;
    if (line.startsWith(':') || line.startsWith('*')) continue;
    const q = quoteValues(line);
    if (q !== line && checkLine(`${label} (quoted)`, q, table)) quoted++;
  }
  assert.ok(rules > 600, `only ${rules} rules compared`);
  assert.ok(quoted > 600, `only ${quoted} quoted rules compared`);
});

test('lines the grammar refuses are refused by the reader too', () => {
  const lines = [
    '-A KUBE-X -m tcp -p tcp --dport 80 -j KUBE-Y stray',
    '-A KUBE-X -m nosuchmodule -j ACCEPT',
    '-A KUBE-X -j DNAT --to-destination',
    '-A KUBE-X -s 10.0.0.1 -s',
    '-A KUBE-X --dport 80 -j ACCEPT',
  ];
  for (const line of lines) checkLine(line, line, 'nat');
});

test('skeletons whose hashes collide are told apart piece by piece', () => {
  const lines = [
    '-A KUBE-X -j ACCEPT',
    '-A KUBE-X -j DROP',
    '-A KUBE-X -j KUBE-Y',
    '-A KUBE-X -m tcp -p tcp -j ACCEPT',
    '-A KUBE-X -m udp -p udp -j ACCEPT',
    '-A KUBE-X -d 10.0.0.1 -j ACCEPT',
    '-A KUBE-X -s 10.0.0.1 -j ACCEPT',
  ];
  // Every line scanned with one hash, as if they all collided.
  const hash = 0x12345;
  for (const line of [...lines, ...lines]) {
    const tk = scanLine(line, 0, line.length, newTokens());
    tk.hash = hash;
    const direct = matchLineDirect(line);
    assert.ok(!('failed' in direct), line);
    if (!('failed' in direct)) assert.equal(templateOfScan(tk), direct.template, line);
  }
});

// ---- value fast paths against their parsers ----

const from = (alphabet: string, maxLength = 24) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), maxLength });
const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), from('0123456789', 4));
const quad = fc.array(octet, { minLength: 3, maxLength: 5 }).map((p) => p.join('.'));
const RUNS = { numRuns: 3000, seed: 7 };

test('dotted quads: fastIPv4At accepts only what parseAddress reads as that one address', () => {
  fc.assert(
    fc.property(fc.oneof(quad, from('0123456789./:', 20)), (s) => {
      const v = fastIPv4At(s, 0, s.length);
      if (v < 0) return true;
      const r = parseAddress(s);
      return r.ok && r.value.family === 'ipv4' && r.value.range[0] === BigInt(v) && r.value.range[1] === BigInt(v);
    }),
    RUNS,
  );
  assert.ok(fastIPv4At('10.96.0.1', 0, 9) === (10 << 24) + (96 << 16) + 1);
  assert.ok(fastIPv4At('x 255.255.255.255 y', 2, 17) === 0xffffffff);
  assert.is(fastIPv4At('010.0.0.1', 0, 9), -1, 'leading zeros are the parser’s to judge');
});

test('a netmask written as an address: IPv4 and IPv6 (ip6tables-save writes a contiguous one as /48)', () => {
  const range = (t: string) => {
    const r = parseAddress(t);
    return r.ok ? r.value.range.map((v) => v.toString(16)) : r;
  };
  assert.equal(range('10.1.2.3/255.255.0.0'), ['a010000', 'a01ffff']);
  assert.equal(range('fd00:64::1/ffff:ffff:ffff::'), [
    'fd000064000000000000000000000000',
    'fd0000640000ffffffffffffffffffff',
  ]);
  assert.equal(range('fd00::/::'), ['0', 'ffffffffffffffffffffffffffffffff']);
  // kept as written by ip6tables (measured): not one address range
  const odd = parseAddress('fd00::/ffff:0:ffff::');
  assert.is(odd.ok ? null : odd.code, 'ipt-unsupported-value');
  // a mask of the other family is no netmask
  assert.not.ok(parseAddress('fd00::/255.255.0.0').ok);
  assert.not.ok(parseAddress('10.0.0.0/ffff::').ok);
});

test('port ranges: fastPortRangeAt accepts only what parsePortRange reads, with the same range', () => {
  const port = fc.oneof(fc.integer({ min: 0, max: 70000 }).map(String), from('0123456789', 6));
  const spelled = fc.tuple(port, fc.constantFrom('', ':'), port).map(([a, c, b]) => `${a}${c}${c ? b : ''}`);
  fc.assert(
    fc.property(fc.oneof(spelled, from('0123456789:-', 12)), (s) => {
      const v = fastPortRangeAt(s, 0, s.length);
      if (v < 0) return true;
      const r = parsePortRange(s);
      return r.ok && r.value[0] === Math.floor(v / 65536) && r.value[1] === v % 65536;
    }),
    RUNS,
  );
  assert.is(fastPortRangeAt('8080', 0, 4), 8080 * 65536 + 8080);
  assert.is(fastPortRangeAt(':1024', 0, 5), 1024);
});

test('DNAT targets: fastDnatAt accepts only what parseDnatTarget reads, with the same address and port', () => {
  const target = fc
    .tuple(quad, fc.option(fc.oneof(fc.integer({ min: 0, max: 70000 }).map(String), from('0123456789', 6))))
    .map(([a, p]) => (p === null ? a : `${a}:${p}`));
  fc.assert(
    fc.property(fc.oneof(target, from('0123456789.:[]', 22)), (s) => {
      const v = fastDnatAt(s, 0, s.length);
      if (v < 0) return true;
      const r = parseDnatTarget(s);
      const ip = v === 0 ? s : s.slice(0, s.indexOf(':'));
      return r.ok && r.value.family === 'ipv4' && r.value.ip === ip && r.value.port === (v === 0 ? null : v);
    }),
    RUNS,
  );
  assert.is(fastDnatAt('10.64.1.5:8080', 0, 14), 8080);
  assert.is(fastDnatAt('10.64.1.5', 0, 9), 0);
});

test('protocols: fastProtocolAt accepts only what parseProtocol reads, with the same protocol', () => {
  const spellings = ['tcp', 'udp', 'sctp', 'icmp', 'TCP', 'Udp', 'all', '6', '17', 'ipv6-icmp', 'icmpv6', 'tc', 'tcpx'];
  fc.assert(
    fc.property(fc.oneof(fc.constantFrom(...spellings), from('tcpudsimx6', 6)), (s) => {
      const fast = fastProtocolAt(s, 0, s.length);
      if (fast === null) return true;
      const r = parseProtocol(s);
      return r.ok && r.value.protocol === fast.protocol && r.value.family === fast.family;
    }),
    RUNS,
  );
  for (const p of ['tcp', 'udp', 'sctp']) assert.ok(fastProtocolAt(p, 0, p.length) !== null, p);
});

test('counters: isBracketCountersAt is the [PACKETS:BYTES] pattern', () => {
  const digits = from('0123456789a', 4);
  const shaped = fc
    .tuple(fc.constantFrom('[', '', '('), digits, fc.constantFrom(':', '', '::'), digits, fc.constantFrom(']', '', ')'))
    .map((p) => p.join(''));
  fc.assert(
    fc.property(fc.oneof(shaped, from('[]:0123456789a', 10)), (s) => {
      return isBracketCountersAt(s, 0, s.length) === /^\[[0-9]+:[0-9]+\]$/.test(s);
    }),
    RUNS,
  );
  assert.ok(isBracketCountersAt('x [12:345] y', 2, 10));
});

test.run();
