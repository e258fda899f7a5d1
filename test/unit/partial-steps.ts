// kube-proxy's TestSyncProxyRulesRepeated (pkg/proxy/iptables/proxier_test.go) as .ksvc
// versions: a cluster edited step by step, with the service chains kube-proxy's partial restore
// declares and deletes at each step (its hashed names). Used by the unit and the kernel tests of
// partial restores.
import * as assert from 'uvu/assert';
import { load } from '../../api/ksvc.ts';
import { lower } from '../../api/lower.ts';
import type { IRProgram } from '../../compiler/ir/types.ts';
import { applyRestore, type RestoreState } from '../../verifier/iptables/restore-state.ts';
import { editedCase } from '../verifier/random-edits.ts';

const HEAD = `cluster {
  masq from outside 10.0.0.0/8
}

node test-node {
  address 192.168.0.2
}
`;
export const SVC1 = 'service ns1/svc1 {\n  p80: ClusterIP 172.30.0.41:80/tcp -> endpoints\n  endpoints 10.0.1.1\n}\n';
export const SVC2 =
  'service ns2/svc2 {\n  p8080: ClusterIP 172.30.0.42:8080/tcp -> endpoints\n  endpoints 10.0.2.1\n}\n';
export const svc3 = (eps: string) =>
  `service ns3/svc3 {\n  p80: ClusterIP 172.30.0.43:80/tcp -> endpoints\n  endpoints ${eps}\n}\n`;
const SVC4_EMPTY = 'service ns4/svc4 {\n  p80: ClusterIP 172.30.0.44:80/tcp -> endpoints\n}\n';
const SVC4 = 'service ns4/svc4 {\n  p80: ClusterIP 172.30.0.44:80/tcp -> endpoints\n  endpoints 10.0.4.1\n}\n';

export function program(...services: string[]): IRProgram {
  const checked = load([HEAD, ...services].join('\n'));
  assert.ok(checked.model, checked.diagnostics.map((d) => d.message).join('\n'));
  const r = lower(checked.model!, { family: 'ipv4' });
  assert.is(r.diagnostics.filter((d) => d.severity === 'error').length, 0);
  return r.programs[0]!;
}

// kube-proxy's steps: the service chains each partial restore declares, and the chains it deletes
export const STEPS: { what: string; services: string[]; declares: string[]; deletes: string[] }[] = [
  {
    what: 'add svc3 with an endpoint: only its chains',
    services: [SVC1, SVC2, svc3('10.0.3.1')],
    declares: ['KUBE-SEP-BSWRHOQ77KEXZLNL', 'KUBE-SVC-X27LE4BHSL4DOUIK'],
    deletes: [],
  },
  {
    what: 'delete svc2: its chains declared and deleted, nothing else',
    services: [SVC1, svc3('10.0.3.1')],
    declares: ['KUBE-SEP-UHEGFW77JX3KXTOV', 'KUBE-SVC-2VJB64SDSIJUP5T6'],
    deletes: ['KUBE-SEP-UHEGFW77JX3KXTOV', 'KUBE-SVC-2VJB64SDSIJUP5T6'],
  },
  {
    what: 'add svc4 without endpoints: no service chain (a filter REJECT)',
    services: [SVC1, svc3('10.0.3.1'), SVC4_EMPTY],
    declares: [],
    deletes: [],
  },
  {
    what: 'svc4 gets an endpoint: its chains',
    services: [SVC1, svc3('10.0.3.1'), SVC4],
    declares: ['KUBE-SEP-AYCN5HPXMIRJNJXU', 'KUBE-SVC-4SW47YFZTEDKD3PK'],
    deletes: [],
  },
  {
    what: "svc3's endpoint changes: its SVC, the new SEP, the old one deleted",
    services: [SVC1, svc3('10.0.3.2'), SVC4],
    declares: ['KUBE-SEP-BSWRHOQ77KEXZLNL', 'KUBE-SEP-DKCFIS26GWF2WLWC', 'KUBE-SVC-X27LE4BHSL4DOUIK'],
    deletes: ['KUBE-SEP-BSWRHOQ77KEXZLNL'],
  },
  {
    what: 'svc3 gets a second endpoint: all its chains, the unchanged SEP too',
    services: [SVC1, svc3('10.0.3.2, 10.0.3.3'), SVC4],
    declares: ['KUBE-SEP-DKCFIS26GWF2WLWC', 'KUBE-SEP-JVVZVJ7BSEPPRNBS', 'KUBE-SVC-X27LE4BHSL4DOUIK'],
    deletes: [],
  },
  {
    what: 'no change: no service chain',
    services: [SVC1, svc3('10.0.3.2, 10.0.3.3'), SVC4],
    declares: [],
    deletes: [],
  },
];

/** A node's tables: chain -> rule lines (after the chain name), as iptables-restore leaves them. */
export type Tables = RestoreState;

/** Apply restore text (flushing every table it names, or --noflush); it must apply cleanly. */
export function restore(tables: Tables, text: string, noflush: boolean): Tables {
  const r = applyRestore(tables, text, noflush);
  assert.equal(r.problems, []);
  return r.state;
}

/** A random model and its edited version, one node and family: the programs before and after. */
export interface EditedVersions {
  seed: number;
  before: IRProgram;
  after: IRProgram;
  /** "seed N (family): the edits" */
  label: string;
}

/**
 * `count` random models with random model edits (1–3 edits, or `edits`), the families alternating
 * (seeds from 1): each as its program before and after the edits.
 */
export function editedVersions(count: number, edits?: number): EditedVersions[] {
  const out: EditedVersions[] = [];
  for (let seed = 1; out.length < count && seed < 8 * count + 100; seed++) {
    const c = editedCase(seed, 'model', { edits: edits ?? 1 + (seed % 3), family: seed % 2 === 0 ? 'ipv6' : 'first' });
    if (c === null) continue;
    const lowered = lower(c.edited.model, { ...(c.node === null ? {} : { node: c.node }), environment: c.environment });
    const after = lowered.programs.find((p) => p.family === c.ir.family);
    if (!after || lowered.diagnostics.some((d) => d.severity === 'error')) continue;
    out.push({ seed, before: c.ir, after, label: `seed ${seed} (${c.ir.family}): ${c.what}` });
  }
  if (out.length < count) throw new Error(`only ${out.length} of ${count} edited models`);
  return out;
}
