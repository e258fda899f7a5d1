// A lazy compile (verifier/engine/compile.ts, what `explain` uses): each chain compiled when it is
// first read is the chain an eager compile makes, the program's mark bits are the eager compile's,
// and a chain nobody reads is never compiled — so a construct the engine refuses there does not
// stop the explanation of a packet that never meets it, and is refused where it is met.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileIptables } from '../../api/iptables.ts';
import type { IPText } from '../../common/ip.ts';
import type { Packet } from '../../compiler/ir/packet.ts';
import { compileProgram } from '../../verifier/engine/compile.ts';
import type { CChain } from '../../verifier/engine/compiled.ts';
import { prepare } from '../../verifier/engine/setup.ts';
import { UnsupportedRuleset } from '../../verifier/engine/unsupported.ts';
import { explain } from '../../verifier/explain.ts';
import { readIptables } from '../../verifier/iptables/index.ts';
import type { NetfilterProgram } from '../../verifier/model/program.ts';
import { generatedIR, readBackArtifacts } from './generated-setup.ts';

const L = suite('lazy compile');

/** A chain as data: interned objects and maps spelled out, BigInts as text. */
const chainText = (c: CChain): string =>
  JSON.stringify(c, (_, v) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v.entries()] : v instanceof Uint8Array ? [...v] : v,
  );

const shapes = [
  { services: 40, endpointsPerService: 4, seed: 11 },
  { services: 30, endpointsPerService: 3, seed: 5, affinityShare: 0.5 },
  { services: 25, endpointsPerService: 5, seed: 7, singlePort: true, etpLocalShare: 0.5 },
];

L('every chain read from a lazy program is the eager compile of it; hooks alike', () => {
  for (const options of shapes) {
    const ir = generatedIR(options);
    // the space from both artifacts and the IR, as verify and explain build it
    const { space } = prepare('ipv4', ir, readBackArtifacts(ir), { mode: 'concrete', addresses: ir.nodeIPs });
    for (const a of readBackArtifacts(ir)) {
      const eager = compileProgram(a.program, { space, canonicalList: a.canonicalList });
      const lazy = compileProgram(a.program, { space, canonicalList: a.canonicalList, lazy: true });
      assert.is(lazy.chains.length, eager.chains.length);
      assert.equal(JSON.stringify(lazy.hooks), JSON.stringify(eager.hooks));
      // read in reverse order, each twice: the same object the second time
      for (let i = eager.chains.length - 1; i >= 0; i--) {
        const c = lazy.chains[i]!;
        assert.is(lazy.chains[i], c);
        assert.is(chainText(c), chainText(eager.chains[i]!), `${a.backend} chain ${eager.chains[i]!.name}`);
      }
      // and whole, as an array
      assert.is(lazy.chains.map(chainText).join('\n'), eager.chains.map(chainText).join('\n'));
    }
  }
});

/** The iptables model of a small cluster with one more service chain that tests an output interface. */
function withOutputInterfaceChain(): { ir: ReturnType<typeof generatedIR>; program: NetfilterProgram } {
  const ir = generatedIR({ services: 6, endpointsPerService: 2, seed: 3, singlePort: true });
  const [filter, nat] = compileIptables(ir).split('*nat\n');
  assert.ok(nat !== undefined);
  const natWithChain = nat
    .replace(/^(:KUBE-SERVICES .*)$/m, '$1\n:KUBE-SVC-OUTPUTINTERFACE - [0:0]')
    .replace(
      /^COMMIT$/m,
      [
        '-A KUBE-SERVICES -d 10.99.99.99/32 -p tcp -m tcp --dport 9999 -j KUBE-SVC-OUTPUTINTERFACE',
        '-A KUBE-SVC-OUTPUTINTERFACE -o eth9 -j KUBE-MARK-MASQ',
        'COMMIT',
      ].join('\n'),
    );
  const r = readIptables(`${filter}*nat\n${natWithChain}`, { file: 'ipt', family: 'ipv4', assumeHooks: true });
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return { ir, program: r.program! };
}

L('a chain the packet never meets is not compiled: what the engine refuses there is refused only where met', () => {
  const { ir, program } = withOutputInterfaceChain();
  const artifacts = () => [{ backend: 'iptables' as const, program, canonicalList: (n: string) => n }];
  const locality = { mode: 'concrete' as const, addresses: ir.nodeIPs };
  // eagerly: the whole ruleset is refused, at the rule (its file and line, for the report)
  const ruleLine = program.chains.get('nat/KUBE-SVC-OUTPUTINTERFACE')!.rules[0]!.origin!.line!;
  assert.ok(ruleLine > 0);
  assert.throws(
    () => prepare('ipv4', ir, artifacts(), locality),
    (e: unknown) =>
      e instanceof UnsupportedRuleset &&
      /output-interface/.test((e as Error).message) &&
      e.origin?.file === 'ipt' &&
      e.origin.line === ruleLine,
  );
  const sp = ir.servicePorts[0]!;
  const packet = (dst: string, dport: number): Packet => ({
    path: 'arriving',
    src: '198.51.100.7' as IPText,
    dst: dst as IPText,
    protocol: 'tcp',
    sport: 40000,
    dport,
    inInterface: 'eth0',
    mark: 0,
    ct: { state: 'new', dnat: false },
    affinityAges: {},
  });
  // a packet for a service of the cluster: explained (DNATed to one of its endpoints)
  const ok = explain({ family: 'ipv4', ir: null, artifacts: artifacts(), packet: packet(sp.clusterIP, sp.port) });
  const outcomes = ok.results.iptables!.map((o) => o.outcome);
  assert.ok(outcomes.length > 0 && outcomes.every((o) => o.includes('dnat')), outcomes.join(' | '));
  // a packet for the added service meets the rule: refused
  assert.throws(
    () => explain({ family: 'ipv4', ir: null, artifacts: artifacts(), packet: packet('10.99.99.99', 9999) }),
    (e: unknown) => e instanceof UnsupportedRuleset && /output-interface/.test((e as Error).message),
  );
});

L.run();
