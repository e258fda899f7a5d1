// Property: for random valid models (arbitrary-model.ts), every IRProgram that lowering produces
// satisfies every invariant of compiler/ir/validate.ts (the facts the backends rely on), and the
// reference evaluator, run on random packets built from the program's own addresses and ports,
// never throws and gives a proper distribution: positive probabilities summing to exactly 1,
// deterministic, DNAT only to the program's endpoints, nat effects only on new connections.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import { addRational, type Rational, rational } from '../../compiler/ir/outcome.ts';
import { concreteView, type PacketView } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { validateIR } from '../../compiler/ir/validate.ts';
import { arbitraryModel } from './arbitrary-model.ts';
import { packetArb, programsOf } from './arbitrary-packet.ts';

const RUNS = 100;
const PACKETS = 40;
const seed = Number(process.env.KSVC_PROPERTY_SEED ?? 20261127);

test(`every lowered IR satisfies validateIR, and evaluate gives proper distributions (${RUNS} random models)`, () => {
  let programs = 0;
  let packets = 0;
  fc.assert(
    fc.property(arbitraryModel(), fc.integer(), (model, packetSeed) => {
      for (const ir of programsOf(model)) {
        programs++;
        assert.equal(validateIR(ir), [], JSON.stringify(ir));
        const endpoints = new Set(ir.servicePorts.flatMap((sp) => sp.endpoints.map((e) => `${e.ip} ${e.port}`)));
        for (const p of fc.sample(packetArb(ir), { numRuns: PACKETS, seed: packetSeed })) {
          packets++;
          const asked: string[] = [];
          const base = concreteView(p);
          const view: PacketView = {
            test(t) {
              asked.push(t.kind);
              return base.test(t);
            },
            lookup: (table) => base.lookup(table),
          };
          const d = evaluate(ir, view);
          const where = `${JSON.stringify(p)}\n${JSON.stringify(d, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`;
          let total: Rational = rational(0);
          for (const w of d) {
            assert.ok(w.p.num > 0n && w.p.den > 0n, where);
            total = addRational(total, w.p);
            const o = w.outcome;
            assert.ok(o.mark === 0 || o.mark === ir.masqueradeMark, where);
            if (o.dnat) assert.ok(endpoints.has(`${o.dnat.ip} ${o.dnat.port}`), where);
            assert.ok(o.affinityWrites.length <= 1, where);
            if (p.ct.state !== 'new') {
              assert.is(o.dnat, null, where);
              assert.is(o.masquerade, 'none', where);
              assert.equal(o.affinityWrites, [], where);
            }
          }
          assert.equal(total, rational(1), where);
          assert.equal(evaluate(ir, concreteView(p)), d, 'deterministic');
          // ct DNAT status is never needed: nat decides it for new packets, and the only rule that
          // reads it (localnet) exempts established and related connections anyway.
          assert.not.ok(asked.includes('ctDnat'), where);
        }
      }
    }),
    { numRuns: RUNS, seed },
  );
  assert.ok(programs >= RUNS, `${programs} programs`);
  assert.ok(packets >= RUNS * PACKETS, `${packets} packets`);
});

/** Replace one leaf (string, number, boolean) of a JSON value, keeping its type. */
function mutateLeaf(value: unknown, pick: number, replacement: { s: string; n: number }): unknown {
  let i = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return v;
    if (i++ !== pick) return v;
    return typeof v === 'string' ? replacement.s : typeof v === 'number' ? replacement.n : !v;
  };
  return walk(value);
}

test('validateIR reports, never throws, whatever values a well-shaped program holds', () => {
  let reported = 0;
  fc.assert(
    fc.property(
      arbitraryModel({ maxServices: 4 }),
      fc.nat(),
      fc.constantFrom('', '10.0.0.1', '10.00.0.1', 'fd00::1', '::ffff:1.2.3.4', '10.0.0.0/8', 'x y', 'veth+', 'tcp'),
      fc.oneof(fc.integer({ min: -2, max: 70000 }), fc.constant(0x4000), fc.double({ noNaN: false })),
      (model, pick, s, n) => {
        for (const ir of programsOf(model).slice(0, 2)) {
          const bad = mutateLeaf(ir, pick % 400, { s, n }) as IRProgram;
          if (validateIR(bad).length > 0) reported++;
        }
      },
    ),
    { numRuns: 200, seed },
  );
  assert.ok(reported > 50, `only ${reported} mutated programs reported`);
});

test.run();
