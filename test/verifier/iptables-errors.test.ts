// Closed world: every construct the model cannot express, and every malformed ruleset, is an
// error with its own code at the line and column of the token it is about — in a chain the hooks
// reach. The same constructs in ignored chains and other software's rules are not errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Family } from '../../common/ip.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import { cachedTemplate, matchLineDirect } from '../../verifier/iptables/template.ts';
import { tokenizeLine } from '../../verifier/iptables/tokenize.ts';
import { codesAt, errorsOf } from './iptables-support.ts';

const test = suite('iptables reader: errors');

/** '¦' marks the column the diagnostic must point at; it is removed from the rule. */
interface Case {
  table: 'filter' | 'nat';
  rule: string;
  code: string;
}

const F = (rule: string, code: string): Case => ({ table: 'filter', rule, code });
const N = (rule: string, code: string): Case => ({ table: 'nat', rule, code });

const CASES: Case[] = [
  F('-A KUBE-A -m ¦physdev --physdev-is-in -j ACCEPT', 'ipt-unsupported-match'),
  F('-A KUBE-A -p tcp -m tcp ¦--syn -j ACCEPT', 'ipt-unsupported-option'),
  F('-A KUBE-A -j ¦LOG --log-prefix x', 'ipt-unsupported-target'),
  F('-A KUBE-A -j ¦LOG', 'ipt-unsupported-target'),
  F('-A KUBE-A -g ¦ACCEPT', 'ipt-unsupported-target'),
  F('-A KUBE-A -m addrtype --dst-type ¦UNICAST -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -m addrtype --dst-type LOCAL ¦--limit-iface-in -j ACCEPT', 'ipt-unsupported-option'),
  F('-A KUBE-A -m conntrack --ctstate ¦SNAT -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -m conntrack ¦--ctstatus DNAT -j ACCEPT', 'ipt-unsupported-option'),
  F('-A KUBE-A -m state --state ¦DNAT -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -m statistic --mode ¦nth -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -m statistic --mode nth ¦--every 2 -j ACCEPT', 'ipt-unsupported-option'),
  F('-A KUBE-A -m statistic --mode random --probability ¦1.5 -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -m recent --rcheck --seconds 10 --mask ¦255.255.255.0 --name L -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -m recent ¦--rcheck --name L -j ACCEPT', 'ipt-missing-option'),
  F('-A KUBE-A -m recent --rcheck ¦--hitcount 2 --seconds 5 -j ACCEPT', 'ipt-unsupported-option'),
  F('-A KUBE-A -m recent ! ¦--set --name L -j ACCEPT', 'ipt-negation-not-allowed'),
  F('-A KUBE-A -p ¦gre -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A ! ¦-p all -j ACCEPT', 'ipt-negation-not-allowed'),
  F('-A KUBE-A -s ¦! 10.0.0.1 -j ACCEPT', 'ipt-intrapositioned-negation'),
  F('-A KUBE-A -s ¦example.com -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -s ¦10.0.0.1,10.0.0.2 -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -s ¦10.0.0.300 -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -s ¦010.0.0.1 -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -d ¦10.0.0.0/255.0.255.0 -j ACCEPT', 'ipt-unsupported-value'),
  // iptables takes a protocol's options after -p alone; iptables-save always writes -m, the one form read
  F('-A KUBE-A -p tcp ¦--dport 80 -j ACCEPT', 'ipt-implicit-match'),
  F('-A KUBE-A -m comment --comment x -p udp ¦--sport 53 -j ACCEPT', 'ipt-implicit-match'),
  F('-A KUBE-A -p tcp -m comment --comment x ¦--syn -j ACCEPT', 'ipt-implicit-match'),
  F('-A KUBE-A -m ¦tcp --dport 80 -j ACCEPT', 'ipt-protocol-required'),
  F('-A KUBE-A -p udp -m ¦tcp --dport 80 -j ACCEPT', 'ipt-protocol-required'),
  F('-A KUBE-A -m ¦multiport --dports 80 -j ACCEPT', 'ipt-protocol-required'),
  F('-A KUBE-A -p tcp -m tcp --dport ¦http -j ACCEPT', 'ipt-unsupported-value'),
  // a leading zero: iptables reads tcp --dport 053 as 43, udp's as 53, a prefix /016 as /14, a DNAT
  // port and --seconds as octal too: refused rather than read either way
  F('-A KUBE-A -p tcp -m tcp --dport ¦053 -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -p udp -m udp --dport ¦053 -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -p tcp -m tcp --dport ¦050:060 -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -p tcp -m multiport --dports ¦80,053 -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -s ¦10.64.0.0/016 -j ACCEPT', 'ipt-unsupported-value'),
  F(
    '-A KUBE-A -m recent --rcheck --seconds ¦0600 --reap --name L --mask 255.255.255.255 --rsource -j ACCEPT',
    'ipt-unsupported-value',
  ),
  N('-A KUBE-B -p tcp -m tcp -j DNAT --to-destination ¦10.64.1.7:053', 'ipt-unsupported-value'),
  // what iptables-restore refuses: more than 15 multiport slots, brackets around an IPv4 DNAT address
  F('-A KUBE-A -p tcp -m multiport --dports ¦1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -p tcp -m multiport --dports ¦1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16 -j ACCEPT', 'ipt-invalid-value'),
  N('-A KUBE-B -p tcp -m tcp -j DNAT --to-destination ¦[10.64.1.7]:53', 'ipt-invalid-value'),
  F('-A KUBE-A -p tcp -m tcp --dport ¦70000 -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -p tcp -m tcp --dport ¦90:80 -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -p tcp -m tcp --dport ¦! 80 -j ACCEPT', 'ipt-intrapositioned-negation'),
  F('-A KUBE-A -j REJECT --reject-with ¦tcp-reset', 'ipt-protocol-required'),
  F('-A KUBE-A -j REJECT --reject-with ¦icmp-bogus', 'ipt-invalid-value'),
  F('-A KUBE-A -j ¦DNAT --to-destination 1.2.3.4', 'ipt-target-not-allowed'),
  F('-A KUBE-A -i ¦+ -j ACCEPT', 'ipt-unsupported-value'),
  F('-A KUBE-A -i ¦averyveryverylongname -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A ¦-f -j ACCEPT', 'ipt-unsupported-option'),
  F('-A KUBE-A -j ¦KUBE-NOPE', 'ipt-undefined-chain'),
  F('-A KUBE-A -j ¦INPUT', 'ipt-jump-to-builtin'),
  F('-A KUBE-A -m mark --mark ¦0x1/zz -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -m mark --mark ¦0x100000000 -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -m comment ! ¦--comment x -j ACCEPT', 'ipt-negation-not-allowed'),
  F('-A KUBE-A -m ¦comment -j ACCEPT', 'ipt-missing-option'),
  F('-A KUBE-A -j ACCEPT ¦-j DROP', 'ipt-duplicate-option'),
  F('-A KUBE-A -p tcp ¦-p udp -j ACCEPT', 'ipt-duplicate-option'),
  F('-A KUBE-A -m comment --comment ¦"open', 'ipt-unterminated-quote'),
  F('-A KUBE-A -m comment --comment x ¦stray -j ACCEPT', 'ipt-syntax'),
  F('-A KUBE-A -m comment --comment x -j ACCEPT !¦', 'ipt-syntax'),
  F('-A KUBE-A -m comment --comment¦', 'ipt-syntax'),
  F('¦-I KUBE-A -j ACCEPT', 'ipt-unsupported-command'),
  F('¦-N KUBE-Z', 'ipt-unsupported-command'),
  F('¦[bad] -A KUBE-A -j ACCEPT', 'ipt-invalid-value'),
  F('-A ¦KUBE-UNDECLARED -j ACCEPT', 'ipt-undeclared-chain'),
  N('-A KUBE-B -j MASQUERADE ¦--to-ports 1000', 'ipt-unsupported-option'),
  N('-A KUBE-B -j MASQUERADE ¦--random', 'ipt-unsupported-option'),
  N('-A KUBE-B -j ¦MASQUERADE', 'ipt-target-not-allowed'),
  N('-A KUBE-B -p tcp -j DNAT --to-destination ¦1.2.3.4:80-90', 'ipt-unsupported-value'),
  N('-A KUBE-B -p tcp -j DNAT --to-destination ¦1.2.3.4-1.2.3.9', 'ipt-unsupported-value'),
  N('-A KUBE-B -p tcp -j DNAT --to-destination ¦:80', 'ipt-unsupported-value'),
  N('-A KUBE-B -j DNAT --to-destination ¦1.2.3.4:80', 'ipt-protocol-required'),
  N('-A KUBE-B -p tcp -j DNAT ¦--random --to-destination 1.2.3.4', 'ipt-unsupported-option'),
  N('-A KUBE-B -j ¦DNAT', 'ipt-missing-option'),
  N('-A KUBE-B -j ¦REJECT', 'ipt-target-not-allowed'),
  // multiport ranges iptables-restore refuses (measured with 1.8.9)
  F('-A KUBE-A -p tcp -m multiport --dports ¦80: -j ACCEPT', 'ipt-invalid-value'),
  F('-A KUBE-A -p tcp -m multiport --dports ¦443,80:80 -j ACCEPT', 'ipt-invalid-value'),
  N('-A KUBE-B -j ¦SNAT --to-source 1.2.3.4', 'ipt-unsupported-target'),
  N('-A KUBE-B -j MARK --or-mark ¦0x1/0x1', 'ipt-invalid-value'),
  N('-A KUBE-B -j ¦MARK', 'ipt-missing-option'),
  N('-A KUBE-B -j MARK --or-mark 1 ¦--xor-mark 2', 'ipt-missing-option'),
  // characters outside the BMP before the place: one column each
  F('-A KUBE-A -m comment --comment "🙂🙂" -m ¦bogus -j ACCEPT', 'ipt-unsupported-match'),
];

function fileWith(c: Case): { text: string; line: number; column: number } {
  // columns count code points (an emoji is one), as every span's do
  const column = Array.from(c.rule.slice(0, c.rule.indexOf('¦'))).length + 1;
  const rule = c.rule.replace('¦', '');
  const head =
    c.table === 'filter'
      ? [
          '*filter',
          ':KUBE-NODEPORTS - [0:0]',
          ':KUBE-A - [0:0]',
          '-A INPUT -j KUBE-NODEPORTS',
          '-A KUBE-NODEPORTS -j KUBE-A',
        ]
      : [
          '*nat',
          ':KUBE-SERVICES - [0:0]',
          ':KUBE-B - [0:0]',
          '-A PREROUTING -j KUBE-SERVICES',
          '-A KUBE-SERVICES -j KUBE-B',
        ];
  return { text: [...head, rule, 'COMMIT', ''].join('\n'), line: head.length + 1, column };
}

for (const c of CASES) {
  test(`${c.code}: ${c.rule.replace('¦', '')}`, () => {
    const f = fileWith(c);
    const r = readIptables(f.text, { file: 'bad.rules' });
    assert.equal(r.program, undefined, 'no program from a ruleset with errors');
    assert.equal(codesAt(errorsOf(r.diagnostics)), [`${c.code}@${f.line}:${f.column}`]);
    assert.equal(r.diagnostics[0]!.file, 'bad.rules');
    assert.ok(r.diagnostics[0]!.message.length > 20, r.diagnostics[0]!.message);
  });
}

test('the cached path and a direct ohm match refuse the same lines', () => {
  for (const c of CASES) {
    const line = c.rule.replace('¦', '');
    const tokens = tokenizeLine(line);
    if (tokens.unterminatedQuoteAt >= 0) continue;
    const cachedFailed = cachedTemplate(tokens).kind === 'failure';
    assert.equal('failed' in matchLineDirect(line), cachedFailed, line);
  }
});

const ruleset = (...lines: string[]) => `${lines.join('\n')}\n`;

test('DROP in nat: a warning that iptables-restore refuses it, read as the drop the kernel runs (nft can write it)', () => {
  const r = readIptables(
    ruleset(
      '*nat',
      ':KUBE-SERVICES - [0:0]',
      '-A OUTPUT -j KUBE-SERVICES',
      '-A KUBE-SERVICES -d 10.9.9.8/32 -j DROP',
      'COMMIT',
    ),
    { file: 'drop' },
  );
  assert.equal(codesAt(r.diagnostics), ['ipt-restore-refuses@4:36']);
  assert.is(r.diagnostics[0]!.severity, 'warning');
  assert.ok(r.program, 'read');
  const rule = r.program!.chains.get('nat/KUBE-SERVICES')!.rules[0]!;
  assert.equal(rule.steps.at(-1), { kind: 'verdict', verdict: { kind: 'drop' } });
});

test('a loop of jumps is an error at the jump that closes it', () => {
  const r = readIptables(
    ruleset(
      '*nat',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-B - [0:0]',
      '-A OUTPUT -j KUBE-SERVICES',
      '-A KUBE-SERVICES -j KUBE-B',
      '-A KUBE-B -p tcp -j KUBE-SERVICES',
      'COMMIT',
    ),
    { file: 'loop' },
  );
  assert.equal(codesAt(r.diagnostics), ['ipt-loop@6:21']);
  assert.match(r.diagnostics[0]!.message, /KUBE-SERVICES -> KUBE-B -> KUBE-SERVICES/);
});

test('mixed families: an error at the first address of the other family', () => {
  const text = ruleset(
    '*nat',
    ':KUBE-SERVICES - [0:0]',
    '-A OUTPUT -j KUBE-SERVICES',
    '-A KUBE-SERVICES -s 10.0.0.1 -j RETURN',
    '-A KUBE-SERVICES -d fd00::1 -j RETURN',
    'COMMIT',
  );
  const r = readIptables(text, { file: 'mixed' });
  assert.equal(codesAt(r.diagnostics), ['ipt-family-mismatch@5:21']);
  assert.match(r.diagnostics[0]!.message, /'fd00::1' is IPv6 but this ruleset is IPv4 \(from '10.0.0.1' on line 4\)/);
  const given: Family = 'ipv6';
  const v6 = readIptables(text, { file: 'mixed', family: given });
  assert.equal(codesAt(v6.diagnostics), ['ipt-family-mismatch@4:21']);
});

test('mixed families count in ignored chains too (one file is one family)', () => {
  const r = readIptables(
    ruleset(
      '*filter',
      ':OTHER - [0:0]',
      ':KUBE-NODEPORTS - [0:0]',
      '-A INPUT -j KUBE-NODEPORTS',
      '-A OTHER -s 10.0.0.1 -j DROP',
      '-A KUBE-NODEPORTS -s fd00::1 -j DROP',
      'COMMIT',
    ),
    { file: 'mixed' },
  );
  assert.equal(codesAt(r.diagnostics), ['ipt-family-mismatch@6:22']);
});

test('structure: missing COMMIT, duplicate chain, bad policies, -X of a chain with rules, lines outside a table', () => {
  const check = (text: string, expected: string[]) =>
    assert.equal(codesAt(errorsOf(readIptables(text, { file: 's' }).diagnostics)), expected, text);
  check(ruleset('*nat', ':KUBE-A - [0:0]'), ['ipt-table-structure@3:1']);
  check(ruleset('*nat', ':KUBE-A - [0:0]', ':KUBE-A - [0:0]', 'COMMIT'), ['ipt-duplicate-chain@3:2']);
  check(ruleset('*nat', ':KUBE-A ACCEPT [0:0]', 'COMMIT'), ['ipt-bad-policy@2:9']);
  check(ruleset('*nat', ':OUTPUT - [0:0]', 'COMMIT'), ['ipt-bad-policy@2:9']);
  check(ruleset('*nat', ':KUBE-A - [0:0]', '-A KUBE-A -j RETURN', '-X KUBE-A', 'COMMIT'), ['ipt-delete-chain@4:4']);
  check(ruleset('-A KUBE-A -j RETURN'), ['ipt-table-structure@1:1']);
  check(ruleset('*nat', 'COMMIT', 'COMMIT'), ['ipt-table-structure@3:1']);
  check(ruleset('*nat', '*filter', 'COMMIT'), ['ipt-table-structure@2:1']);
  check(ruleset('*nat', 'COMMIT', '*nat', 'COMMIT'), ['ipt-table-structure@3:2']);
  // what iptables-restore refuses or reads otherwise: a name past 28 characters, a quoted chain line
  check(ruleset('*nat', `:KUBE-${'A'.repeat(24)} - [0:0]`, 'COMMIT'), ['ipt-invalid-value@2:2']);
  check(ruleset('*nat', `:KUBE-${'A'.repeat(23)} - [0:0]`, 'COMMIT'), []);
  check(ruleset('*nat', ':"KUBE-A" - [0:0]', 'COMMIT'), ['ipt-invalid-value@2:2']);
  // a byte-order mark: one error that says so, not one per line (iptables-restore: "line 1 failed")
  const bom = readIptables(`\ufeff${ruleset('*nat', ':KUBE-A - [0:0]', 'COMMIT')}`, { file: 's' });
  assert.equal(codesAt(bom.diagnostics), ['ipt-syntax@1:1']);
  assert.match(bom.diagnostics[0]!.message, /byte-order mark \(U\+FEFF\)/);
});

test('recent --reap that another check of its list looks past, reaping or not, makes a proof impossible (inconclusive)', () => {
  const rule = (seconds: number, reap: boolean) =>
    `-A KUBE-A -m recent --name L --rcheck --seconds ${seconds}${reap ? ' --reap' : ''} --mask 255.255.255.255 --rsource -j ACCEPT`;
  const text = (...rules: string[]) => ruleset('*filter', ':KUBE-A - [0:0]', '-A INPUT -j KUBE-A', ...rules, 'COMMIT');
  const inconclusive = (t: string) => {
    const r = readIptables(t, { file: 'r' });
    assert.equal(errorsOf(r.diagnostics), []);
    return (r.program!.inconclusive ?? []).map((i) => `${i.file}:${i.line}`);
  };
  assert.equal(inconclusive(text(rule(2, true), rule(10800, false))), ['r:4']);
  // a reaping longer check notices it too (a review: a short reap before kube-proxy's own)
  assert.equal(inconclusive(text(rule(1, true), rule(600, true))), ['r:4']);
  assert.match(
    readIptables(text(rule(1, true), rule(600, true)), { file: 'r' }).program!.inconclusive![0]!.message,
    'reap (--seconds 1) forgets records of list L that another check of it finds (--seconds 600)',
  );
  // kube-proxy's form: every check of the list reaps at the same age
  assert.equal(inconclusive(text(rule(10800, true), rule(10800, true))), []);
  assert.equal(inconclusive(text(rule(10800, true), rule(600, false))), []);
});

test('a recent list name past the 199 bytes iptables keeps is refused (two such names can be one list)', () => {
  const text = (name: string) =>
    ruleset(
      '*filter',
      ':KUBE-NODEPORTS - [0:0]',
      '-A INPUT -j KUBE-NODEPORTS',
      `-A KUBE-NODEPORTS -m recent --name ${name} --rcheck --seconds 10 --reap --mask 255.255.255.255 --rsource -j ACCEPT`,
      'COMMIT',
    );
  const codes = (t: string) => codesAt(errorsOf(readIptables(t, { file: 'r' }).diagnostics));
  assert.equal(codes(text('L'.repeat(199))), []);
  assert.equal(codes(text('L'.repeat(200))), ['ipt-invalid-value@4:36']);
  // bytes, not characters
  assert.equal(codes(text('é'.repeat(100))), ['ipt-invalid-value@4:36']);
});

test('a short IPv4 form is refused with the address iptables reads it as (it completes it with zeros)', () => {
  const text = ruleset(
    '*filter',
    ':KUBE-NODEPORTS - [0:0]',
    '-A INPUT -j KUBE-NODEPORTS',
    '-A KUBE-NODEPORTS -s 10.9 -j DROP',
    'COMMIT',
  );
  const [d] = errorsOf(readIptables(text, { file: 'r' }).diagnostics);
  assert.is(d?.code, 'ipt-unsupported-value');
  assert.match(d!.message, 'a short address form; iptables reads it as 10.9.0.0 (write that)');
  // a leading zero: the octal address iptables reads is said
  const octal = errorsOf(readIptables(text.replace('-s 10.9 ', '-s 010.32.0.1 '), { file: 'r' }).diagnostics)[0];
  assert.match(octal!.message, 'which iptables reads as octal, 8.32.0.1 here (write 10.32.0.1 if that is meant)');
  // a part past 255, or with a leading zero (octal to iptables), is no such reading
  for (const bad of ['300', '010.9']) {
    const t = text.replace('-s 10.9 ', `-s ${bad} `);
    const [e] = errorsOf(readIptables(t, { file: 'r' }).diagnostics);
    assert.ok(e, bad);
    assert.not.match(e!.message, 'short address form', bad);
  }
});

test('unsupported constructs outside what the hooks reach are ignored, not errors', () => {
  const text = ruleset(
    '*filter',
    ':DOCKER - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    '-A INPUT -m physdev --physdev-is-in -j DOCKER',
    '-A INPUT -j KUBE-NODEPORTS',
    '-A FORWARD -j LOG --log-prefix "x"',
    '-A DOCKER -m set --match-set s src -j TPROXY --on-port 1',
    '-A DOCKER -p gre -j DOCKER-MISSING',
    '-A KUBE-NODEPORTS -j ACCEPT',
    'COMMIT',
    '*raw',
    '-A PREROUTING -j CT --notrack',
    'COMMIT',
  );
  const r = readIptables(text, { file: 'node' });
  assert.equal(codesAt(r.diagnostics), []);
  assert.equal(
    r.program!.ignored.map((i) => `${i.kind} ${i.name} ${i.origin?.line}`),
    ['table raw 11', 'rule filter/INPUT 4', 'rule filter/FORWARD 6', 'chain filter/DOCKER 2'],
  );
});

test('what iptables-restore refuses wherever it stands is an error in an unreached chain too', () => {
  // a rule of a chain no hook reaches is not judged, but iptables-restore refuses the whole text for
  // it: a port match or DNAT port without its -p, REJECT tcp-reset without -p tcp (the kernel), an
  // option given twice, '!' after the option (measured with 1.8.9; found by `npm run
  // fuzz:edit-dumps -- --artifact iptables --family ipv6 --from 2011000 --count 1500`, seed 2011116)
  const text = ruleset(
    '*nat',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-X - [0:0]',
    '-A OUTPUT -j KUBE-SERVICES',
    '-A KUBE-NODEPORTS -m udp --dport 30014 -j KUBE-X',
    '-A KUBE-NODEPORTS -j DNAT --to-destination 1.2.3.4:80',
    '-A KUBE-NODEPORTS -p udp -m udp --dport 1 --dport 2 -j KUBE-X',
    '-A KUBE-NODEPORTS -s ! 10.0.0.1 -j KUBE-X',
    // what the verifier cannot model, or reads otherwise than iptables, stays unjudged there
    '-A KUBE-NODEPORTS -m physdev --physdev-is-in -m recent ! --set --name L -j LOG',
    'COMMIT',
  );
  const r = readIptables(text, { file: 'unreached' });
  assert.equal(codesAt(errorsOf(r.diagnostics)), [
    'ipt-protocol-required@6:22',
    'ipt-protocol-required@7:44',
    'ipt-duplicate-option@8:43',
    'ipt-intrapositioned-negation@9:22',
  ]);
});

test('a line iptables-restore would split, and a NUL byte it would cut at, are refused (they read otherwise there)', () => {
  // 10,239 bytes load as one rule; from 10,240 the rest is read as another line (iptables-restore 1.8.9)
  const rule = (length: number, pad = ' ') => `-A KUBE-NODEPORTS${pad.repeat(length - 27)} -j RETURN`;
  const text = (line: string) => ruleset('*filter', ':KUBE-NODEPORTS - [0:0]', line, 'COMMIT');
  assert.is(rule(10239).length, 10239);
  assert.equal(codesAt(errorsOf(readIptables(text(rule(10239)), { file: 'l' }).diagnostics)), []);
  assert.equal(codesAt(errorsOf(readIptables(text(rule(10240)), { file: 'l' }).diagnostics)), ['ipt-syntax@3:1']);
  // counted in bytes: 5,120 two-byte characters in a comment line are 10,240 bytes
  assert.equal(codesAt(errorsOf(readIptables(text(`#${'é'.repeat(5120)}`), { file: 'l' }).diagnostics)), [
    'ipt-syntax@3:1',
  ]);
  const nul = readIptables(text('-A KUBE-NODEPORTS -m comment --comment "x\u0000" -j RETURN'), { file: 'n' });
  assert.equal(codesAt(nul.diagnostics), ['ipt-syntax@3:42']); // at the NUL itself
  assert.match(nul.diagnostics[0]!.message, 'line 3 holds a NUL byte');
});

test('Windows line ends: refused once, at the first line iptables-restore would refuse for its CR', () => {
  const crlf = ruleset('# Generated by iptables-save\r', '*filter\r', ':KUBE-NODEPORTS - [0:0]\r', 'COMMIT\r');
  assert.equal(codesAt(errorsOf(readIptables(crlf, { file: 'w' }).diagnostics)), ['ipt-syntax@2:8']);
});

test('a text without a table is nothing to verify, not an empty ruleset (a failed iptables-save)', () => {
  for (const text of ['', '\n', '# Generated by iptables-save\n', '  \r\n# only comments\n']) {
    const r = readIptables(text, { file: 'node.ipt' });
    assert.is(r.program, undefined, JSON.stringify(text));
    assert.equal(
      r.diagnostics.map((d) => [d.code, d.severity]),
      [['ipt-no-table', 'warning']],
      JSON.stringify(text),
    );
  }
  assert.ok(readIptables('*nat\nCOMMIT\n', { file: 'node.ipt' }).program);
});

test.run();
