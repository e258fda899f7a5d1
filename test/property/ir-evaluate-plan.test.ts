// Property: the reference evaluator with its per-program plans (compiler/ir/evaluate.ts,
// evaluate-plan.ts) means exactly what the plain evaluator it replaced means
// (test/support/ir-evaluate-reference.ts, a verbatim copy): for random models and random packets,
// the same normalized distribution and the same questions and lookups in the same order (so the
// verifier's class view splits the same way); and over whole packet classes (the verifier's
// explorer with its class view), the same classes with the same distributions. Besides the
// lowered programs it uses "twisted" copies whose endpoints sit where no pod does — on a node IP,
// on loopback, on another service's frontend, or twice in one set — so that a DNAT target meets
// every filter rule and every case the plans remember an outcome for.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type IPText, joinHostPort } from '../../common/ip.ts';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import { testKey } from '../../compiler/ir/evaluate-plan.ts';
import { type Distribution, normalizeDistribution } from '../../compiler/ir/outcome.ts';
import { concreteView, type KeyTable, type PacketView } from '../../compiler/ir/packet.ts';
import { tablesOf } from '../../compiler/ir/tables.ts';
import type { IREndpoint, IREndpointSet, IRProgram } from '../../compiler/ir/types.ts';
import { explore } from '../../verifier/engine/explore.ts';
import { classView, collectIRShardKeys } from '../../verifier/engine/ir-view.ts';
import { prepare, rootsByState } from '../../verifier/engine/setup.ts';
import { buildShards, emptyShardKeys } from '../../verifier/engine/shards.ts';
import { defaultLocality } from '../../verifier/verify.ts';
import { referenceConcreteView, referenceEvaluate } from '../support/ir-evaluate-reference.ts';
import { arbitraryModel } from './arbitrary-model.ts';
import { aimedPacketArb, programsOf } from './arbitrary-packet.ts';

/**
 * The program with some endpoints moved (`picks` chooses which and where) onto a node IP, loopback
 * or another frontend's address and port: outside what lowering produces, inside what the
 * evaluator must agree on.
 */
function twisted(ir: IRProgram, picks: readonly number[]): IRProgram {
  const addressOnly = [...ir.nodeIPs, ir.family === 'ipv4' ? '127.0.0.1' : '::1'].map((ip) => ({ ip, port: null }));
  const frontends = ir.servicePorts.flatMap((sp) => [
    ...[sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs].map((ip) => ({ ip, port: sp.port })),
    ...[sp.nodePort, sp.healthCheckNodePort].flatMap((port) =>
      port === null ? [] : ir.nodeIPs.map((ip) => ({ ip, port })),
    ),
  ]);
  const targets: { ip: string; port: number | null }[] = [...addressOnly, ...frontends];
  const moved = new Map<IREndpoint, IREndpoint>();
  let i = 0;
  const move = (e: IREndpoint): IREndpoint => {
    let m = moved.get(e);
    if (!m) {
      const pick = picks[i++ % picks.length]!;
      const t = pick % 3 === 0 ? targets[Math.floor(pick / 3) % targets.length] : undefined;
      const port = t?.port ?? e.port;
      m = t ? { ...e, ip: t.ip as IPText, port, hostPort: joinHostPort(t.ip, port) } : e;
      moved.set(e, m);
    }
    return m;
  };
  const set = (s: IREndpointSet | null): IREndpointSet | null => s && { ...s, endpoints: s.endpoints.map(move) };
  return {
    ...ir,
    servicePorts: ir.servicePorts.map((sp) => ({
      ...sp,
      endpoints: sp.endpoints.map(move),
      cluster: set(sp.cluster),
      local: set(sp.local),
    })),
  };
}

const seed = Number(process.env.KSVC_PROPERTY_SEED ?? 20261127);
const show = (d: Distribution) => JSON.stringify(d, (_, v) => (typeof v === 'bigint' ? String(v) : v));

/** A view that records each distinct question and table lookup, in first-asked order. */
function recording(ir: IRProgram, base: PacketView): { view: PacketView; asked: string[] } {
  const names = new Map<KeyTable<unknown>, string>(
    Object.entries(tablesOf(ir)).map(([name, table]) => [table as KeyTable<unknown>, name]),
  );
  const asked: string[] = [];
  const note = (what: string) => {
    if (!asked.includes(what)) asked.push(what);
  };
  return {
    asked,
    view: {
      test(t) {
        note(testKey(t));
        return base.test(t);
      },
      lookup(table) {
        note(`lookup ${names.get(table as KeyTable<unknown>) ?? 'an unknown table'}`);
        return base.lookup(table);
      },
    },
  };
}

test('random packets: the same normalized distribution and the same questions as the plain evaluator', () => {
  let packets = 0;
  let dnats = 0;
  fc.assert(
    fc.property(arbitraryModel(), fc.integer(), fc.array(fc.nat(), { minLength: 1 }), (model, packetSeed, picks) => {
      for (const ir of programsOf(model).flatMap((ir) => [ir, twisted(ir, picks)])) {
        for (const p of fc.sample(aimedPacketArb(ir), { numRuns: 60, seed: packetSeed })) {
          packets++;
          const before = recording(ir, referenceConcreteView(p));
          const now = recording(ir, concreteView(p));
          const expected = referenceEvaluate(ir, before.view);
          const got = evaluate(ir, now.view);
          const where = `${JSON.stringify(p)}\nexpected ${show(expected)}\ngot      ${show(got)}`;
          assert.equal(got, expected, where);
          assert.is(show(got), show(expected), `the same JSON (key order too): ${where}`);
          assert.equal(normalizeDistribution(got), got, `normalized: ${where}`);
          assert.equal(now.asked, before.asked, `questions: ${where}`);
          // again, now that every plan it needs is built
          assert.equal(evaluate(ir, concreteView(p)), expected, `second evaluation: ${where}`);
          if (got.some((w) => w.outcome.dnat)) dnats++;
        }
      }
    }),
    { numRuns: 150, seed },
  );
  assert.ok(packets >= 2 * 150 * 60, `${packets} packets`);
  assert.ok(dnats > packets / 10, `only ${dnats} of ${packets} packets were DNATed`);
});

test('packet classes (the verifier explorer and class view): the same classes and distributions', () => {
  let classes = 0;
  fc.assert(
    fc.property(
      arbitraryModel({ maxServices: 3, maxEndpoints: 4, maxNodes: 2 }),
      fc.array(fc.nat()),
      (model, picks) => {
        for (const lowered of programsOf(model).slice(0, 2)) {
          const ir = picks.length > 0 ? twisted(lowered, picks) : lowered;
          const { space, roots } = prepare(ir.family, ir, [], defaultLocality(ir));
          const keys = emptyShardKeys();
          collectIRShardKeys(keys, ir, space);
          const { fresh, other } = rootsByState(space, roots);
          for (const cls of [...fresh.flatMap((r) => buildShards(r, keys).map((s) => s.cls)), ...other]) {
            const expected = explore(space, cls, (q) => referenceEvaluate(ir, classView(q)));
            const got = explore(space, cls, (q) => evaluate(ir, classView(q)));
            assert.equal(got, expected);
            classes += got.length;
          }
        }
      },
    ),
    { numRuns: 40, seed },
  );
  assert.ok(classes > 1000, `only ${classes} classes`);
});

test.run();
