// `npm run examples`: the main job on the bundled examples, through the real CLI (in-process):
// check every .ksvc file, compile it for every node and IP family to iptables-restore text and
// nftables JSON under out/examples/, and prove both equivalent to each other and to the IR for
// every node (`verify --all-nodes`); import the Kubernetes YAML/JSON examples to .ksvc and verify
// them too (`verify --from-k8s`). The steps are in example-steps.ts. Exits non-zero when any step
// fails — an error, or an example the verifier does not prove equivalent.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliIO, processIO } from '../cli/io.ts';
import { exampleSteps, runSteps } from './example-steps.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(path.join(root, 'out', 'examples'), { recursive: true });

const io: CliIO = { ...processIO(), cwd: root };
const failures = await runSteps(exampleSteps(root), io, (line) => console.log(line));

console.log(
  failures === 0
    ? '\nall examples compiled and verified equivalent for every node; artifacts in out/examples/'
    : `\n${failures} step(s) failed`,
);
process.exitCode = failures === 0 ? 0 : 1;
