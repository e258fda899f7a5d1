// `ksvc explain`: one packet's path through the rules — every rule it matched, per random choice —
// and its exact outcome distribution, for the IR, iptables and nftables side by side.
import type { Diagnostic } from '../common/diagnostics.ts';
import { familyOf, parseIPStrict } from '../common/ip.ts';
import { isInterfaceName } from '../common/name-validation.ts';
import type { SourceFile } from '../common/source.ts';
import { CT_STATES, type CtState, type Packet } from '../compiler/ir/packet.ts';
import { capRepeated } from '../compiler/shared-rules/cap.ts';
import { inputError, LOWERING_FLAGS, loweringOptions, parseCommandArgs, usageError as usage } from './args.ts';
import type { Command } from './command.ts';
import { destinationFromFlags, hasPorts, portOf, serviceDestination } from './explain-target.ts';
import { type CliIO, EXIT_OK, EXIT_USAGE, inputName, MAX_ARTIFACT_BYTES, readInputFile } from './io.ts';
import { KUBE_SETTING_FLAGS, kubeSettingOptions } from './kube-setting-flags.ts';
import { type LoadedInput, loadKsvcFile, loadKubernetesFiles } from './load-input.ts';
import { renderDiagnostics, withArtifactSources } from './render-diagnostics.ts';
import type { AssumedDefault } from './render-explain.ts';

const HELP = `Usage: ksvc explain FILE.ksvc --src IP --dst IP --proto P [--dport N] [options]
       ksvc explain FILE.ksvc --src IP --to NAMESPACE/NAME[:PORT] [options]
       ksvc explain --iptables FILE [--nft FILE] [--model FILE.ksvc] --src IP --dst IP ...

Follow one packet through the IR, the iptables rules and the nftables rules: every rule it
matched on each way it can go, and the exact probability of each outcome. With a .ksvc file both
rulesets are compiled in memory; --iptables/--nft explain rulesets from anywhere.

Options:
  --src IP, --dst IP        the packet's addresses (required; --to instead of --dst)
  --proto tcp|udp|sctp|icmp|other  (required without --to)
  --dport N, --sport N      ports (tcp, udp, sctp; --sport default 40000)
  --to NAMESPACE/NAME[:PORT]  instead of --dst, --proto and --dport: the cluster IP (of --src's
                            family), protocol and port of that service port of the model (PORT: its
                            name or number; not needed when the service has one port)
  --from external|pod|node  arriving from outside or from a pod, or generated on the node itself
                            (default external); whether a source is a pod's is up to --src (its
                            address) and --iface, as the rules decide
  --iface NAME              the input interface of an arriving packet (default eth0; --from pod:
                            the pod interface when the model detects pods by interface)
  --mark N                  the packet's mark on entry (default 0)
  --ct STATE                conntrack state: new (default), established, related, invalid,
                            untracked; established+dnat / related+dnat for a DNATed connection
  --affinity LIST=AGE       a session-affinity record for this source, AGE seconds old
                            (LIST as the verifier names it: ns/name:port/proto/ip:port); repeatable
  --backend ir|iptables|nftables|all  which to show (default all)
  --node NAME, --family ipv4|ipv6  as for verify (the family defaults to the addresses')
  --from-k8s                the input is Kubernetes YAML/JSON; with it, as for import:
                            --iptables-masquerade-bit, --nodeport-addresses,
                            --service-node-port-range
  --iptables FILE, --nft FILE, --model FILE.ksvc, --nft-table NAME  as for verify
  --output text|json        (default text)

Exit codes: 0 explained (the ways may differ between backends: explain shows them, verify and diff
judge them), 2 input or usage error.
`;

const FLAGS = {
  src: { type: 'string' },
  dst: { type: 'string' },
  to: { type: 'string' },
  proto: { type: 'string' },
  dport: { type: 'string' },
  sport: { type: 'string' },
  from: { type: 'string' },
  iface: { type: 'string' },
  mark: { type: 'string' },
  ct: { type: 'string' },
  affinity: { type: 'string', multiple: true },
  backend: { type: 'string' },
  node: { type: 'string' },
  family: { type: 'string' },
  'from-k8s': { type: 'boolean' },
  iptables: { type: 'string' },
  nft: { type: 'string' },
  'nft-table': { type: 'string' },
  model: { type: 'string' },
  output: { type: 'string' },
  ...LOWERING_FLAGS,
  ...KUBE_SETTING_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

export const explainCommand: Command = { name: 'explain', help: HELP, run: runExplain };

async function runExplain(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(io, 'explain', argv, FLAGS);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  if (v.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  const fail = (m: string) => usage(io, 'explain', m);
  if (v.output !== undefined && v.output !== 'text' && v.output !== 'json') return fail('--output is text or json');
  const output = v.output === 'json' ? 'json' : 'text';
  /** the lowering flags' warnings, shown with the input's diagnostics */
  let flagWarnings: readonly Diagnostic[] = [];
  /** With --output json and no explanation to come (`failed`) the diagnostics are the report: on stdout, as verify prints them. */
  const showDiagnostics = (input: readonly Diagnostic[], sources: ReadonlyMap<string, SourceFile>, failed: boolean) => {
    const diags = [...flagWarnings, ...input];
    if (failed && output === 'json') io.stdout(renderDiagnostics(diags, sources, 'json', false));
    else if (diags.length > 0) io.stderr(renderDiagnostics(diags, sources, 'text', io.color));
  };
  if (v.src === undefined) return fail('--src is required');
  const src = parseIPStrict(v.src);
  if (!src.ok) return fail(`--src: ${src.reason}`);
  if (v.to !== undefined && (v.dst !== undefined || v.proto !== undefined || v.dport !== undefined))
    return fail('--to gives the destination, protocol and port: leave out --dst, --proto and --dport');
  // with --to, the destination is looked up once the model is read
  const given = v.to === undefined ? destinationFromFlags(v) : null;
  if (typeof given === 'string') return fail(given);
  if (v.family !== undefined && v.family !== 'ipv4' && v.family !== 'ipv6') return fail('--family is ipv4 or ipv6');
  const family = (v.family ?? familyOf(given?.dst ?? src.value.text)) as 'ipv4' | 'ipv6';
  if (given && src.value.family !== familyOf(given.dst)) return fail('--src and --dst are of different IP families');
  if (family !== src.value.family) return fail(`--family ${family} does not match the addresses`);
  const sport = portOf(v.sport, 40000);
  if (sport === null) return fail('a port is a number from 0 to 65535');
  const from = v.from ?? 'external';
  if (from !== 'external' && from !== 'pod' && from !== 'node') return fail('--from is external, pod or node');
  if (from === 'node' && v.iface !== undefined) return fail('--iface is for arriving packets (--from external or pod)');
  if (v.iface !== undefined && !isInterfaceName(v.iface))
    return fail(`--iface: '${v.iface}' is not an interface name (1 to 15 bytes, no '/', ':', space or control)`);
  // decimal or 0x hex only: Number() also took '', ' ' (as 0), 1e3 and 0b101
  const mark = v.mark === undefined ? 0 : /^(?:\d+|0x[0-9a-f]+)$/i.test(v.mark) ? Number(v.mark) : Number.NaN;
  if (!Number.isInteger(mark) || mark < 0 || mark > 0xffffffff)
    return fail('--mark is a number from 0 to 0xffffffff (decimal, or hex with 0x)');
  const [ctState, ctDnat] = (v.ct ?? 'new').split('+') as [string, string | undefined];
  if (!CT_STATES.includes(ctState as CtState) || (ctDnat !== undefined && (ctDnat !== 'dnat' || ctState === 'new'))) {
    return fail('--ct is new, established, related, invalid or untracked (established+dnat, related+dnat)');
  }
  const affinityAges: Record<string, number> = {};
  for (const a of v.affinity ?? []) {
    const m = /^(.+)=(\d{1,9})$/.exec(a);
    if (!m) return fail(`--affinity: '${a}' is not LIST=AGE`);
    affinityAges[m[1]!] = Number(m[2]);
  }
  const backend = v.backend ?? 'all';
  if (!['ir', 'iptables', 'nftables', 'all'].includes(backend))
    return fail('--backend is ir, iptables, nftables or all');
  const settings = kubeSettingOptions(v, Boolean(v['from-k8s']));
  if (typeof settings === 'string') return fail(settings);
  const setup = await loweringOptions(io, 'explain', v);
  if (typeof setup === 'number') return setup;
  const lowering = setup.options;
  flagWarnings = setup.warnings;

  const artifactsMode = v.iptables !== undefined || v.nft !== undefined;
  const modelFile = artifactsMode ? v.model : parsed.positionals[0];
  if (!artifactsMode && parsed.positionals.length === 0) return fail('expected a FILE.ksvc (or --iptables/--nft)');
  if (v['from-k8s'] && parsed.positionals.length === 0)
    return fail('--from-k8s reads the Kubernetes YAML or JSON files given: name at least one');
  // a --model another model source would leave unread
  if (v.model !== undefined && (!artifactsMode || v['from-k8s']))
    return fail('--model goes with --iptables/--nft, in place of a FILE.ksvc or --from-k8s');
  if (v['nft-table'] !== undefined && v.nft === undefined) return fail('--nft-table goes with --nft');
  if (!v['from-k8s']) {
    // a FILE beside --iptables/--nft would not be read: the model of artifacts is --model
    if (artifactsMode && parsed.positionals.length > 0)
      return fail('give either a FILE.ksvc (compiled in memory) or --iptables/--nft (with --model for the model)');
    if (parsed.positionals.length > 1) return fail('one FILE.ksvc: a packet is explained against one model');
  }
  const hasModel = modelFile !== undefined || Boolean(v['from-k8s']);
  if (backend === 'ir' && !hasModel)
    return fail('--backend ir evaluates the model: give FILE.ksvc, --from-k8s or --model');
  if (artifactsMode && backend === 'iptables' && v.iptables === undefined)
    return fail('--backend iptables needs --iptables (only --nft was given)');
  if (artifactsMode && backend === 'nftables' && v.nft === undefined)
    return fail('--backend nftables needs --nft (only --iptables was given)');
  if (v.to !== undefined && modelFile === undefined && !v['from-k8s'])
    return fail('--to names a service of the model: give FILE.ksvc, --from-k8s or --model');
  if ([v.iptables, v.nft, v.model, ...parsed.positionals].filter((f) => f === '-').length > 1)
    return fail("'-' (standard input) can be given only once");
  let loaded: LoadedInput | null = null;
  if (hasModel) {
    loaded = v['from-k8s']
      ? await loadKubernetesFiles(io, parsed.positionals, {
          node: v.node ?? null,
          skipUnknownKinds: false,
          ...settings,
        })
      : await loadKsvcFile(io, modelFile!);
    if (loaded.readError) return inputError(io, 'explain', loaded.readError, output);
    if (!loaded.model || loaded.diagnostics.some((d) => d.severity === 'error')) {
      showDiagnostics(loaded.diagnostics, loaded.sources, true);
      return EXIT_USAGE;
    }
  }
  const read = (file: string) => {
    const r = readInputFile(io, file, MAX_ARTIFACT_BYTES, 'artifact');
    return r.ok ? { text: r.text, file: inputName(file) } : r;
  };
  const iptables = v.iptables === undefined ? undefined : read(v.iptables);
  const nftables = v.nft === undefined ? undefined : read(v.nft);
  if (iptables !== undefined && 'reason' in iptables) return inputError(io, 'explain', iptables, output);
  if (nftables !== undefined && 'reason' in nftables) return inputError(io, 'explain', nftables, output);
  const model = loaded?.model ?? null;
  if (model && !artifactsMode && v.node === undefined && model.nodes.length > 1) {
    return fail(`the file names ${model.nodes.length} nodes: choose one with --node`);
  }
  const destination = given ?? serviceDestination(model!, v.to!, family, loaded?.skipped ?? []);
  if (typeof destination === 'string') return fail(destination);
  const packet: Packet = {
    path: from === 'node' ? 'local' : 'arriving',
    src: src.value.text,
    ...destination,
    sport: hasPorts(destination.protocol) ? sport : 0,
    inInterface: from === 'node' ? null : (v.iface ?? 'eth0'),
    mark,
    ct: { state: ctState as CtState, dnat: ctDnat === 'dnat' },
    affinityAges,
  };
  const api = await import('../api/verify.ts');
  const node = v.node ?? (model?.nodes.length === 1 ? model.nodes[0]!.name : null);
  const { explanation, diagnostics } = api.explainPacket({
    packet,
    family,
    ...(model ? { model: { model, node, lowering } } : {}),
    ...(iptables ? { iptables } : {}),
    ...(nftables ? { nftables } : {}),
    ...(v['nft-table'] !== undefined ? { nftTable: v['nft-table'] } : {}),
    ...(backend === 'all' ? {} : { backends: [backend as 'ir' | 'iptables' | 'nftables'] }),
    podInterface: from === 'pod' && v.iface === undefined,
  });
  showDiagnostics(
    capRepeated(diagnostics),
    withArtifactSources(loaded?.sources ?? new Map(), [iptables, nftables], diagnostics),
    !explanation,
  );
  if (!explanation) return EXIT_USAGE;
  const render = await import('./render-explain.ts');
  const assumed = assumedDefaults(v, explanation.packet);
  io.stdout(
    output === 'json'
      ? render.renderExplainJson(explanation, assumed)
      : render.renderExplainText(explanation, io.color, assumed),
  );
  return EXIT_OK;
}

/** The packet's fields the command line did not give, with the value explained. */
function assumedDefaults(v: Record<string, unknown>, p: Packet): AssumedDefault[] {
  const out: AssumedDefault[] = [];
  const ports = hasPorts(p.protocol);
  if (v.from === undefined) out.push({ option: '--from', value: 'external' });
  if (ports && v.sport === undefined) out.push({ option: '--sport', value: String(p.sport) });
  if (p.inInterface !== null && v.iface === undefined) out.push({ option: '--iface', value: p.inInterface });
  if (v.mark === undefined) out.push({ option: '--mark', value: `0x${p.mark.toString(16)}` });
  if (v.ct === undefined) out.push({ option: '--ct', value: p.ct.state });
  if (v.affinity === undefined) out.push({ option: '--affinity', value: 'none (no session-affinity record)' });
  return out;
}
