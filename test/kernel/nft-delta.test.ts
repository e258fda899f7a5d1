// Kernel tier for the nftables incremental update (root only; skips loudly otherwise): a namespace
// loaded with the old version's document, then given the delta (`compileNftablesDelta`, one
// `nft -j -f` transaction), holds exactly what a fresh namespace loaded with the new version holds
// — compared as `nft -j list ruleset` prints them (chains with their base specs, every rule in
// order, every set and map with its elements; handles and listing order aside). For kube-proxy's
// sequence of syncs (TestSyncProxyRulesRepeated) and random model edits, both families. And an
// affinity record (a client's endpoint) survives a delta for an unrelated edit, where the
// whole-table replace drops it. Every document and delta is version-stamped: an update made from
// another version than the one a namespace holds (or applied twice) is refused whole. And the
// check docs/nftables.md gives for a hand edit, which the stamp does not see, through the CLI.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load as loadKsvc } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import { compileNftables, compileNftablesDelta } from '../../api/nftables.ts';
import { nftWithFile } from '../../cli/netns.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { editedVersions, program, STEPS, SVC1, SVC2 } from '../unit/partial-steps.ts';
import { ksvc, write } from '../unit/verify-cli-support.ts';
import { nftFile } from './load.ts';
import { kernelTests, type Netns, withNetns } from './netns.ts';

type Obj = Record<string, Record<string, unknown>>;

/** What the kernel holds: chains, sets (elements sorted) and each chain's rules, by name. */
function held(ns: Netns): Record<string, unknown> {
  const r = ns.exec('nft', ['-j', 'list', 'ruleset']);
  assert.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout, (k, v: unknown) => (k === 'handle' ? undefined : v)) as { nftables: Obj[] };
  const out: Record<string, unknown> = {};
  for (const item of doc.nftables) {
    const [kind, body] = Object.entries(item)[0]!;
    if (kind === 'metainfo') continue;
    const where = `${body.family} ${body.table ?? body.name}`;
    if (kind === 'rule') {
      const key = `rules ${where} ${body.chain}`;
      out[key] = [...((out[key] as unknown[]) ?? []), JSON.stringify(body)];
    } else if (kind === 'set' || kind === 'map') {
      const elem = ((body.elem as unknown[]) ?? []).map((e) => JSON.stringify(e)).sort();
      out[`${kind} ${where} ${body.name}`] = { ...body, elem };
    } else out[`${kind} ${where} ${body.name}`] = body;
  }
  return out;
}

/** `nft -j -f` of `text` (load.ts: through a file); `what` names the step when it fails. */
function load(ns: Netns, text: string, what: string): void {
  try {
    nftFile(ns, ['-j', '-f'], text);
  } catch (e) {
    assert.unreachable(`${what}: ${(e as Error).message}`);
  }
}

/** Every document and update here is version-stamped, as `ksvc compile` writes them. */
const STAMP = { stamp: true };

/** Each version in turn by delta on one node; each state against a fresh load of that version. */
async function followVersions(tag: string, versions: IRProgram[][], label: (i: number) => string): Promise<void> {
  await withNetns(`${tag}-node`, async (node) => {
    load(node, compileNftables(versions[0]!, STAMP), 'the first version');
    for (let i = 1; i < versions.length; i++) {
      const delta = compileNftablesDelta(versions[i - 1]!, versions[i]!, STAMP);
      assert.ok(delta, label(i));
      load(node, delta!.text, label(i));
      const want = await withNetns(`${tag}-fresh`, (fresh) => {
        load(fresh, compileNftables(versions[i]!, STAMP), 'a fresh load');
        return held(fresh);
      });
      assert.equal(held(node), want, label(i));
    }
  });
}

{
  const test = kernelTests('nftables deltas');

  test("kube-proxy's repeated syncs: each delta leaves the kernel as a fresh load", async () => {
    const versions = [[program(SVC1, SVC2)], ...STEPS.map((s) => [program(...s.services)])];
    await followVersions('nft-delta', versions, (i) => STEPS[i - 1]!.what);
  });

  test('random model edits (both families): the delta leaves the kernel as a fresh load', async () => {
    for (const v of editedVersions(12, 2))
      await followVersions(`nft-delta-${v.seed}`, [[v.before], [v.after]], () => v.label);
  });

  test('an update from another version, or applied twice, is refused whole: the kernel holds what it held', async () => {
    const [v0, v1, v2] = [[program(SVC1, SVC2)], ...STEPS.slice(0, 2).map((s) => [program(...s.services)])];
    const update = (a: IRProgram[], b: IRProgram[]) => compileNftablesDelta(a, b, STAMP)!.text;
    const refused = (ns: Netns, text: string, what: string) => {
      const before = held(ns);
      const r = nftWithFile(ns, ['-j', '-f'], text);
      assert.ok(r.status !== 0, `${what}: refused`);
      assert.equal(held(ns), before, `${what}: nothing changed`);
    };
    await withNetns('nft-stamp', (ns) => {
      load(ns, compileNftables(v0!, STAMP), 'version 0');
      refused(ns, update(v1!, v2!), 'the update from version 1 on a node holding version 0');
      load(ns, update(v0!, v1!), 'the update from version 0');
      refused(ns, update(v0!, v1!), 'the same update again');
    });
  });

  test('a family added, then dropped: the table created whole, then deleted; refused where it already is', async () => {
    const text = readFileSync('examples/everything.ksvc', 'utf8');
    const at = (family?: 'ipv4') =>
      lower(loadKsvc(text).model!, { node: 'node-a', ...(family ? { family } : {}) }).programs;
    const [v4, both] = [at('ipv4'), at()];
    await followVersions('nft-family', [v4, both, v4], (i) => (i === 1 ? 'ip6 added' : 'ip6 dropped'));
    await withNetns('nft-family-twice', (ns) => {
      load(ns, compileNftables(both, STAMP), 'both families');
      // the ip table is the same in both versions (its stamp too): the create is what refuses it
      const r = nftWithFile(ns, ['-j', '-f'], compileNftablesDelta(v4, both, STAMP)!.text);
      assert.ok(r.status !== 0, 'refused');
    });
  });

  test('a hand edit keeps the stamp; `nft -j list ruleset | ksvc verify --nft - --model` sees it', async () => {
    const text = readFileSync('examples/everything.ksvc', 'utf8');
    const model = write('hand-edit.ksvc', text);
    const full = await ksvc('compile', model, '--node', 'node-a', '--backend', 'nftables');
    assert.is(full.code, 0, full.stderr);
    await withNetns('nft-hand-edit', async (ns) => {
      load(ns, full.stdout, 'the compiled document');
      const holds = async () => {
        const listing = ns.exec('nft', ['-j', 'list', 'ruleset']);
        assert.is(listing.status, 0, listing.stderr);
        const file = write('hand-edit.list.json', listing.stdout);
        return (await ksvc('verify', '--nft', file, '--model', model, '--node', 'node-a')).code;
      };
      assert.is(await holds(), 0, 'as compiled');
      const stamps = () => ns.exec('nft', ['list', 'ruleset']).stdout.match(/ksvc-version-\w+/g);
      const before = stamps();
      const r = ns.exec('nft', [
        'insert',
        'rule',
        'ip',
        'kube-proxy',
        'services',
        'ip',
        'daddr',
        '10.32.0.30',
        'tcp',
        'dport',
        '8080',
        'drop',
      ]);
      assert.is(r.status, 0, r.stderr);
      assert.equal(stamps(), before, 'the stamp does not see it');
      assert.is(await holds(), 1, 'the check does');
    });
  });

  test('an affinity timeout changes: the set is deleted and created again, the rest as a fresh load', async () => {
    const text = readFileSync('examples/everything.ksvc', 'utf8');
    assert.ok(text.includes('sessionAffinity clientIP 600'));
    const at = (t: string) => lower(loadKsvc(t).model!, { node: 'node-a' }).programs;
    const [before, after] = [
      at(text),
      at(text.replace('sessionAffinity clientIP 600', 'sessionAffinity clientIP 700')),
    ];
    const delta = compileNftablesDelta(before, after)!;
    assert.ok(delta.stats.setsRemoved > 0 && delta.stats.chainsChanged > 0, JSON.stringify(delta.stats));
    await followVersions('nft-redefine', [before, after], () => 'affinity timeout 600 -> 700');
  });

  test('affinity records survive a delta (an unrelated edit), and not a whole-table replace', async () => {
    const text = readFileSync('examples/everything.ksvc', 'utf8');
    const signalling = '  endpoints 10.64.3.20 on node-c\n';
    assert.ok(text.includes(signalling));
    const at = (t: string) => lower(loadKsvc(t).model!, { node: 'node-a' }).programs;
    const [before, after] = [at(text), at(text.replace(signalling, '  endpoints 10.64.3.21 on node-c\n'))];
    const set = 'affinity-MCOOVVSN-shop/storefront/tcp/http';
    const record = {
      add: {
        element: {
          family: 'ip',
          table: 'kube-proxy',
          name: set,
          elem: [{ elem: { val: { concat: ['203.0.113.9', '10.64.1.5', 8080] }, timeout: 600 } }],
        },
      },
    };
    const records = (ns: Netns) => {
      const r = ns.exec('nft', ['-j', 'list', 'set', 'ip', 'kube-proxy', set]);
      assert.is(r.status, 0, r.stderr);
      return r.stdout.includes('203.0.113.9');
    };
    for (const [what, update, kept] of [
      ['delta', compileNftablesDelta(before, after)!.text, true],
      ['replace', compileNftables(after), false],
    ] as const) {
      await withNetns(`nft-affinity-${what}`, (ns) => {
        load(ns, compileNftables(before), 'the old version');
        load(ns, JSON.stringify({ nftables: [record] }), 'an affinity record');
        assert.ok(records(ns), 'the record is there');
        load(ns, update, what);
        assert.is(records(ns), kept, what);
      });
    }
  });
}

test.run();
