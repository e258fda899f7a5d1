// recent --reap forgets a list's records older than its --seconds (the kernel removes the list's
// oldest record, whoever's it is), which the model does not do. Where another check of the list
// looks back further, no proof of equivalence is possible: a review measured a targetless
// `--seconds 1 --reap` check put before kube-proxy's own affinity check re-balancing a client
// 2 s after its first connection, where nft kept it (verify had said "equivalent"). A difference
// found all the same is still reported (the mutation suite changes one check's --seconds).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import { check, parse } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables } from '../../api/nftables.ts';
import { verifyArtifacts } from '../../api/verify.ts';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/everything.ksvc');
const model = check(parse(readFileSync(file, 'utf8'), { file })).model!;
const ir = lower(model, { node: 'node-a', family: 'ipv4' }).programs[0]!;
const iptText = compileIptables(ir);
const nftables = { text: compileNftables([ir]), file: 'nftables' };

/** ksvc's iptables output with `line` put before the first affinity check of a list, and that list. */
function withLineBeforeCheck(line: (chain: string, list: string) => string): string {
  const lines = iptText.split('\n');
  const at = lines.findIndex((l) => l.includes('--rcheck'));
  assert.ok(at > 0, 'the example has an affinity check');
  const chain = lines[at]!.split(' ')[1]!;
  const list = /--name (\S+)/.exec(lines[at]!)![1]!;
  lines.splice(at, 0, line(chain, list));
  return lines.join('\n');
}

const verify = (iptablesText: string) =>
  verifyArtifacts({ iptables: { text: iptablesText, file: 'iptables' }, nftables, family: 'ipv4' });

test('a short reap another check of its list looks past: no proof, the rule named (verify-unsupported)', () => {
  assert.ok(verify(iptText).runs[0]!.report!.equivalent, 'the unedited artifacts are equivalent');
  const edited = withLineBeforeCheck(
    (chain, list) => `-A ${chain} -m recent --name ${list} --rcheck --seconds 1 --reap`,
  );
  const r = verify(edited);
  assert.is(r.runs[0]?.report ?? null, null);
  const d = r.diagnostics.find((x) => x.code === 'verify-unsupported');
  assert.ok(d, JSON.stringify(r.diagnostics.map((x) => x.code)));
  assert.match(d!.message, 'recent --reap is not modelled');
  const line = edited.split('\n').findIndex((l) => l.includes('--seconds 1 --reap')) + 1;
  assert.is(d!.span?.start.line, line);
});

test('a difference found beside a noticed reap is reported: not equivalent', () => {
  // a longer check of the same list that accepts: the list's own (shorter) reaping check is noticed
  const edited = withLineBeforeCheck(
    (chain, list) => `-A ${chain} -m recent --name ${list} --rcheck --seconds 100000 --reap -j ACCEPT`,
  );
  const r = verify(edited);
  assert.equal(
    r.diagnostics.filter((x) => x.severity === 'error').map((x) => x.code),
    [],
  );
  assert.is(r.runs[0]!.report!.equivalent, false);
});

test.run();
