// Run by prepared-release.test.ts in a process of its own (node --expose-gc
// --no-concurrent-recompilation --import tsx): whether prepareVerify lets the iptables model go
// before it compiles the nft ruleset, with and without consumeArtifacts, and whether compiling a
// model chain by chain lets its compiled chains go while the rest compiles. Prints
// {"consumed": bool, "given": bool, "chainsFreed": {"consume": bool, "keep": bool}}: true where
// the model (or some of its chains) could be collected during that compile.
import type { IRProgram } from '../../compiler/ir/types.ts';
import { compileProgram } from '../../verifier/engine/compile.ts';
import { prepare } from '../../verifier/engine/setup.ts';
import type { NetfilterProgram } from '../../verifier/model/program.ts';
import { prepareVerify, type VerifyInput } from '../../verifier/verify.ts';
import { readBackArtifacts, smallAffinityIR, verifyInputOf } from './generated-setup.ts';

const gc = (globalThis as { gc?: () => void }).gc!;

/**
 * Whether the iptables model could be collected while the nft ruleset was being compiled: the
 * artifacts' canonicalList functions are called while each is read for constants and again while
 * each is compiled, in that order, so the first nft call after an iptables call after an nft call
 * is inside the nft compile. (A WeakRef read keeps its target for the rest of the job: read once.)
 */
async function iptablesModelFreeDuringNftCompile(consumeArtifacts: boolean): Promise<boolean | null> {
  const { i, iptables } = inputWithWeakIptables(smallAffinityIR(), consumeArtifacts);
  await new Promise((resolve) => setTimeout(resolve, 0)); // the WeakRef was made in an earlier job
  const calls: string[] = [];
  let free: boolean | null = null;
  const probed = (backend: string, list: (name: string) => string) => (name: string) => {
    if (backend === 'nftables' && free === null && calls.join(' ').includes('nftables iptables')) {
      gc();
      free = iptables.deref() === undefined;
    }
    calls.push(backend);
    return list(name);
  };
  withProbes(i, probed);
  prepareVerify(i);
  return free;
}

/**
 * Each artifact's canonicalList wrapped, in a frame of its own: the probe must not hold an artifact
 * (nor may a caller's frame hold the list given before), or it would keep the model.
 */
function withProbes(
  i: VerifyInput,
  probed: (backend: string, list: (name: string) => string) => (name: string) => string,
) {
  i.artifacts = i.artifacts.map((a) => ({ ...a, canonicalList: probed(a.backend, a.canonicalList) }));
}

/** The input in a frame of its own: only a weak reference to the iptables model leaves it. */
function inputWithWeakIptables(ir: IRProgram, consumeArtifacts: boolean) {
  const i = { ...verifyInputOf(ir), consumeArtifacts };
  return { i, iptables: new WeakRef(i.artifacts[0]!.program) };
}

/** Weak references to every step of a model's rules, made in a frame of their own. */
const weakSteps = (program: NetfilterProgram): WeakRef<object>[] =>
  [...program.chains.values()].flatMap((c) => c.rules.flatMap((r) => r.steps.map((s) => new WeakRef(s))));

/**
 * Whether any of the iptables model's rule steps could be collected by the time compileProgram names
 * the last affinity list it compiles (its canonicalList is called while a chain compiles; the
 * number of calls is counted first on a twin of the model, read back the same way).
 */
async function chainsFreedDuringCompile(consume: boolean): Promise<boolean> {
  const ir = smallAffinityIR();
  const { space } = prepare('ipv4', ir, readBackArtifacts(ir), { mode: 'concrete', addresses: ir.nodeIPs });
  const [twin] = readBackArtifacts(ir);
  let calls = 0;
  const counted = (name: string) => {
    calls++;
    return twin!.canonicalList(name);
  };
  compileProgram(twin!.program, { space, canonicalList: counted });
  const [artifact] = readBackArtifacts(ir);
  const steps = weakSteps(artifact!.program);
  await new Promise((resolve) => setTimeout(resolve, 0)); // the WeakRefs were made in an earlier job
  let seen = 0;
  let freed = false;
  const canonicalList = (name: string) => {
    if (++seen === calls) {
      gc();
      freed = steps.some((c) => c.deref() === undefined);
    }
    return artifact!.canonicalList(name);
  };
  compileProgram(artifact!.program, { space, canonicalList, consume });
  return freed;
}

const consumed = await iptablesModelFreeDuringNftCompile(true);
const given = await iptablesModelFreeDuringNftCompile(false);
const chainsFreed = { consume: await chainsFreedDuringCompile(true), keep: await chainsFreedDuringCompile(false) };
process.stdout.write(`${JSON.stringify({ consumed, given, chainsFreed })}\n`);
