// Names from a ruleset reach the terminal escaped: an affinity list name (xt_recent --name, an nft
// set name) that no model relates is printed as read, so a planted iptables-save or nft listing
// with control characters in one must not rewrite the user's terminal — in verify, diff and explain,
// text and GitHub output.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ksvc, tmp, WEB_PACKET, write } from './verify-cli-support.ts';

test('a planted affinity list name (control characters in an iptables-save): verify, diff and explain print it escaped', async () => {
  const ipt = path.join(tmp, 'ev.iptables');
  const nft = path.join(tmp, 'ev.nft.json');
  for (const [backend, out] of [
    ['iptables', ipt],
    ['nftables', nft],
  ] as const) {
    const c = await ksvc(
      'compile',
      'examples/everything.ksvc',
      '--node',
      'node-a',
      '--family',
      'ipv4',
      '--backend',
      backend,
      '-o',
      out,
    );
    assert.is(c.code, 0, c.stderr);
  }
  const text = readFileSync(ipt, 'utf8');
  const name = /--name (KUBE-SEP-\w+)/.exec(text)![1]!;
  // the list (and its chain) renamed: a name nothing in the model knows, so it is printed as read
  const evil = write('ev-evil.iptables', text.replaceAll(name, `${name.slice(0, -3)}\u001b[2J\u202e`));
  const runs = [
    await ksvc('verify', '--iptables', evil, '--nft', nft, '--family', 'ipv4'),
    await ksvc('verify', '--iptables', evil, '--nft', nft, '--family', 'ipv4', '--output', 'github'),
    await ksvc('diff', '--input', 'iptables', ipt, evil, '--traces'),
    await ksvc('diff', '--input', 'iptables', ipt, evil, '--output', 'github'),
    await ksvc('explain', '--iptables', evil, '--family', 'ipv4', ...WEB_PACKET),
  ];
  for (const r of runs) {
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    // the name is there, escaped
    assert.match(r.stdout, /KUBE-SEP-\w+\\u001b\[2J\\u202e/);
    assert.not.match(r.stdout + r.stderr, /[\u001b\u202e]/);
  }
  // an nft set name: the error on records a command document adds to a dynamic set names it
  const doc = readFileSync(nft, 'utf8');
  const set = /"name":"(affinity-[^"]+)"/.exec(doc)![1]!;
  const planted = `${set.slice(0, -2)}\\u001b[2J`;
  const element = `{"add":{"element":{"family":"ip","table":"kube-proxy","name":"${planted}","elem":[{"concat":["203.0.113.9","10.64.1.5",8080]}]}}}`;
  const renamed = doc.replaceAll(set, planted);
  const evilNft = write('ev-evil.nft.json', `${renamed.slice(0, renamed.lastIndexOf(']}'))},\n${element}\n]}\n`);
  const noted = await ksvc('verify', '--iptables', ipt, '--nft', evilNft, '--family', 'ipv4');
  assert.is(noted.code, 2, noted.stderr);
  assert.match(noted.stderr, /the dynamic set 'affinity-\S+\\u001b\[2J'/);
  assert.not.match(noted.stdout + noted.stderr, /\u001b/);
});

test.run();
