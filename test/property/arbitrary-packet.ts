// Random packets for an IRProgram, made of the program's own constants (and a few outsiders), and
// the programs a random model lowers to: shared by the IR property tests (ir.test.ts,
// ir-evaluate-plan.test.ts).
import fc from 'fast-check';
import { formatIP, type IPText, ipOf } from '../../common/ip.ts';
import { affinityListId, CT_STATES, L4_PROTOCOLS, type Packet } from '../../compiler/ir/packet.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { lowerModel } from '../../compiler/lower/index.ts';

/** Every program of the model: each node (or none), default and alternative environment. */
export function programsOf(model: Parameters<typeof lowerModel>[0]): IRProgram[] {
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
export function packetArb(ir: IRProgram): fc.Arbitrary<Packet> {
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

/** Like packetArb, but addressed to one of the program's frontends (cluster, external, LB IP or NodePort) most of the time. */
export function aimedPacketArb(ir: IRProgram): fc.Arbitrary<Packet> {
  const frontends = ir.servicePorts.flatMap((sp) => [
    ...[sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs].map((dst) => ({ dst, port: sp.port, sp })),
    ...(sp.nodePort === null
      ? []
      : [...ir.nodeIPs, ir.family === 'ipv4' ? '127.0.0.1' : '::1'].map((dst) => ({ dst, port: sp.nodePort!, sp }))),
  ]);
  if (frontends.length === 0) return packetArb(ir);
  return fc
    .tuple(packetArb(ir), fc.constantFrom(...frontends), fc.nat({ max: 9 }))
    .map(([p, f, roll]) =>
      roll < 8 ? { ...p, dst: f.dst as IPText, dport: f.port, protocol: f.sp.protocol, sport: p.sport } : p,
    );
}
