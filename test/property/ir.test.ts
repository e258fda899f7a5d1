// Property: for random valid models (arbitrary-model.ts), every IRProgram that lowering produces
// satisfies every invariant of compiler/ir/validate.ts (the facts the backends rely on), and the
// reference evaluator, run on random packets built from the program's own addresses and ports,
// never throws and gives a proper distribution: positive probabilities summing to exactly 1,
// deterministic, DNAT only to the program's endpoints, nat effects only on new connections.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIP, type IPText, ipOf } from '../../common/ip.ts';
import { evaluate } from '../../compiler/ir/evaluate.ts';
import { addRational, type Rational, rational } from '../../compiler/ir/outcome.ts';
import {
  affinityListId,
  CT_STATES,
  concreteView,
  L4_PROTOCOLS,
  type Packet,
  type PacketView,
} from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { validateIR } from '../../compiler/ir/validate.ts';
import { lowerModel } from '../../compiler/lower/index.ts';
import { arbitraryModel } from './arbitrary-model.ts';

const RUNS = 100;
const PACKETS = 40;
const seed = Number(process.env.KSVC_PROPERTY_SEED ?? 20261127);

function programsOf(model: Parameters<typeof lowerModel>[0]): IRProgram[] {
  const nodes: (string | undefined)[] = model.nodes.length > 0 ? model.nodes.map((n) => n.name) : [undefined];
  const out: IRProgram[] = [];
  for (const node of nodes) {
    for (const env of [{}, { nfacct: false, randomFully: false, conntrackLiberal: true }]) {
      const r = lowerModel(model, { ...(node === undefined ? {} : { node }), environment: env });
      out.push(...r.programs);
    }
  }
  return out;
}

/** A random packet made of the program's own constants (and a few outsiders). */
function packetArb(ir: IRProgram): fc.Arbitrary<Packet> {
  const v4 = ir.family === 'ipv4';
  const sps = ir.servicePorts;
  const near = (cidr: string) => formatIP(ir.family, ipOf(cidr.split('/')[0]!).value + 1n);
  const addresses = [
    ...ir.nodeIPs,
    ...(v4 ? ['127.0.0.1', '127.0.0.2'] : ['::1']),
    ...(v4 ? ['198.51.100.7', '10.244.0.9', '10.250.0.9'] : ['2001:db8:ffff::7', 'fd00:10:244::9']),
    ...sps.flatMap((sp) => [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs, ...sp.endpoints.map((e) => e.ip)]),
    ...sps.flatMap((sp) => (sp.firewall?.sourceRanges ?? []).map(near)),
    ...[ir.localDetector, ...sps.map((s) => s.localDetector)].flatMap((d) => (d.kind === 'cidr' ? [near(d.cidr)] : [])),
  ] as IPText[];
  const ports = [
    ...sps.flatMap((sp) => [sp.port, sp.nodePort, sp.healthCheckNodePort, ...sp.endpoints.map((e) => e.port)]),
    9999,
  ].filter((p): p is number => p !== null);
  const lists = sps.flatMap((sp) =>
    sp.affinity
      ? sp.endpoints.map((e) => ({
          id: affinityListId(sp.servicePortName, sp.protocol, e.hostPort),
          t: sp.affinity!.timeoutSeconds,
        }))
      : [],
  );
  return fc
    .record({
      local: fc.boolean(),
      src: fc.constantFrom(...addresses),
      dst: fc.constantFrom(...addresses),
      protocol: fc.constantFrom(...L4_PROTOCOLS, ...sps.map((s) => s.protocol)),
      sport: fc.integer({ min: 1, max: 65535 }),
      dport: fc.constantFrom(...ports),
      iface: fc.constantFrom('eth0', 'cbr0', 'veth1a2b'),
      mark: fc.constantFrom(0, ir.masqueradeMark, 0xffffffff, 0x4001),
      state: fc.oneof(fc.constant('new' as const), fc.constantFrom(...CT_STATES)),
      dnat: fc.boolean(),
      ages: fc.array(fc.tuple(fc.nat({ max: Math.max(0, lists.length - 1) }), fc.nat({ max: 90000 })), {
        maxLength: 3,
      }),
    })
    .map((r) => ({
      path: r.local ? 'local' : 'arriving',
      src: r.src,
      dst: r.dst,
      protocol: r.protocol,
      sport: r.sport,
      dport: r.dport,
      inInterface: r.local ? null : r.iface,
      mark: r.mark,
      ct: { state: r.state, dnat: r.state !== 'new' && r.state !== 'invalid' && r.state !== 'untracked' && r.dnat },
      affinityAges: Object.fromEntries(
        lists.length === 0 ? [] : r.ages.map(([i, age]) => [lists[i]!.id, age % (lists[i]!.t + 2)]),
      ),
    }));
}

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
