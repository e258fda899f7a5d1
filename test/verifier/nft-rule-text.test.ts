// The nft rule renderer used by traces: each construct the reader models, written back in nft
// syntax; anything else shown as its JSON; every rule of ksvc's own output for the rich example
// rendered without falling back to JSON.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { nftRuleText } from '../../verifier/nftables/rule-text.ts';

const Text = suite('nft rule text');

const rule = (chain: string, ...expr: unknown[]) => JSON.stringify({ family: 'ip', table: 'kube-proxy', chain, expr });
const daddr = { payload: { protocol: 'ip', field: 'daddr' } };
const saddr = { payload: { protocol: 'ip', field: 'saddr' } };
const l4 = { meta: { key: 'l4proto' } };
const thDport = { payload: { protocol: 'th', field: 'dport' } };
const mark = { meta: { key: 'mark' } };

Text('matches, lookups and verdict maps', () => {
  assert.is(
    nftRuleText(rule('services', { vmap: { key: { concat: [daddr, l4, thDport] }, data: '@service-ips' } })),
    'add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips',
  );
  assert.is(
    nftRuleText(
      rule(
        'x',
        { match: { op: '!=', left: saddr, right: { prefix: { addr: '10.64.0.0', len: 16 } } } },
        { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } },
        { match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } },
        { jump: { target: 'mark-for-masquerade' } },
      ),
    ),
    'add rule ip kube-proxy x ip saddr != 10.64.0.0/16 ct state { established, related } fib daddr type local jump mark-for-masquerade',
  );
  // after a binary operation nft writes ==; marks in hex
  assert.is(
    nftRuleText(
      rule('masquerading', { match: { op: '==', left: { '&': [mark, 16384] }, right: 0 } }, { return: null }),
    ),
    'add rule ip kube-proxy masquerading meta mark & 0x4000 == 0x0 return',
  );
  assert.is(
    nftRuleText(
      rule('m', { mangle: { key: mark, value: { '|': [mark, 16384] } } }, { counter: { packets: 3, bytes: 180 } }),
    ),
    'add rule ip kube-proxy m meta mark set meta mark | 0x4000 counter packets 3 bytes 180',
  );
  assert.is(
    nftRuleText(
      rule('s', {
        vmap: {
          key: { numgen: { mode: 'random', mod: 2, offset: 0 } },
          data: {
            set: [
              [0, { goto: { target: 'a' } }],
              [1, { goto: { target: 'b' } }],
            ],
          },
        },
      }),
    ),
    'add rule ip kube-proxy s numgen random mod 2 vmap { 0 : goto a, 1 : goto b }',
  );
  assert.is(
    nftRuleText(
      rule('r', { match: { op: '<', left: { '&': [{ meta: { key: 'random' } }, 2147483647] }, right: 715827883 } }),
    ),
    'add rule ip kube-proxy r meta random & 2147483647 < 715827883',
  );
});

Text('NAT, reject, affinity updates, comments', () => {
  const map = { map: { key: { concat: [daddr, l4, thDport] }, data: '@dnat-cluster-ips-0' } };
  assert.is(
    nftRuleText(rule('b', { dnat: { addr: map, port: 8080 } })),
    'add rule ip kube-proxy b dnat to (ip daddr . meta l4proto . th dport map @dnat-cluster-ips-0):8080',
  );
  assert.is(
    nftRuleText(rule('e', { dnat: { family: 'ip', addr: '10.64.1.5', port: 8080 } })),
    'add rule ip kube-proxy e dnat ip to 10.64.1.5:8080',
  );
  assert.is(
    nftRuleText(rule('e', { dnat: { addr: 'fd00::5', port: 80 } })),
    'add rule ip kube-proxy e dnat to [fd00::5]:80',
  );
  assert.is(nftRuleText(rule('e', { dnat: { addr: '10.64.1.5' } })), 'add rule ip kube-proxy e dnat to 10.64.1.5');
  assert.is(
    nftRuleText(
      JSON.stringify({
        family: 'ip',
        table: 't',
        chain: 'p',
        expr: [{ masquerade: { flags: ['fully-random'] } }],
        comment: 'SNAT',
      }),
    ),
    'add rule ip t p masquerade fully-random comment "SNAT"',
  );
  assert.is(nftRuleText(rule('r', { reject: null })), 'add rule ip kube-proxy r reject');
  assert.is(
    nftRuleText(rule('r', { reject: { type: 'icmp', expr: 'host-unreachable' } })),
    'add rule ip kube-proxy r reject with icmp host-unreachable',
  );
  // (ip saddr & 0.0.0.0) | c is the constant c, as ksvc writes the endpoint into a set key
  const key = {
    concat: [saddr, { '|': [{ '&': [saddr, '0.0.0.0'] }, '10.64.1.5'] }, { '|': [{ '&': [thDport, 0] }, 8080] }],
  };
  assert.is(
    nftRuleText(rule('svc', { match: { op: '==', left: key, right: '@affinity-x' } })),
    'add rule ip kube-proxy svc ip saddr . 10.64.1.5 . 8080 @affinity-x',
  );
  assert.is(
    nftRuleText(
      rule('ep', { set: { op: 'update', elem: { concat: [saddr, '10.64.1.5', 8080] }, set: '@affinity-x' } }),
    ),
    'add rule ip kube-proxy ep update @affinity-x { ip saddr . 10.64.1.5 . 8080 }',
  );
  assert.is(
    nftRuleText(rule('i', { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'veth*' } })),
    'add rule ip kube-proxy i iifname "veth*"',
  );
});

Text('what it does not know stays visible as JSON; text that is not a rule is returned as it is', () => {
  assert.is(nftRuleText(rule('q', { queue: { num: 1 } })), 'add rule ip kube-proxy q {"queue":{"num":1}}');
  assert.is(nftRuleText('{"truncated'), '{"truncated');
  assert.is(nftRuleText('"a string"'), '"a string"');
});

Text("every rule of ksvc's output for examples/everything.ksvc is rendered without JSON", () => {
  const file = new URL('../../examples/everything.ksvc', import.meta.url);
  const { model } = load(readFileSync(file, 'utf8'), { file: file.pathname });
  const doc = JSON.parse(compileNftables(lower(model!, { node: 'node-a' }).programs)) as {
    nftables: { add?: { rule?: unknown } }[];
  };
  const rules = doc.nftables.flatMap((i) => (i.add?.rule ? [i.add.rule] : []));
  assert.ok(rules.length > 40, `${rules.length} rules`);
  for (const r of rules) {
    const t = nftRuleText(JSON.stringify(r));
    assert.match(t, /^add rule ip6? kube-proxy \S+ /);
    assert.not.match(t, /[{[]"/, t);
  }
});

Text.run();
