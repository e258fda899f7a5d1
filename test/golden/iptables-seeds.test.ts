// The seed captures (real iptables-save output of an older kube-proxy) against
// `ksvc compile --backend iptables --format save` of examples/seed-*.ksvc: every captured line,
// after the format differences between that kube-proxy (v1.24) and the current proxier.go, listed in
// test/golden/iptables/seed-captures.ts,
// appears verbatim in our output; replaced rules are absent and their replacement is present.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';
import { currentForm, SEED_CAPTURES } from './iptables/seed-captures.ts';

async function compileSave(example: string, node?: string): Promise<string> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    color: false,
    env: {},
    cwd: process.cwd(),
  };
  const args = [
    'compile',
    `examples/${example}`,
    '--backend',
    'iptables',
    '--format',
    'save',
    ...(node ? ['--node', node] : []),
  ];
  const code = await runCli(args, io);
  assert.is(code, 0, `ksvc ${args.join(' ')}: ${err}`);
  return out;
}

for (const seed of SEED_CAPTURES) {
  test(`${seed.example}${seed.node ? ` --node ${seed.node}` : ''}: captured lines, in the current format`, async () => {
    const lines = new Set((await compileSave(seed.example, seed.node)).split('\n'));
    for (const [captured, mapping] of seed.lines) {
      const want = currentForm(captured, mapping);
      if (want !== null) {
        assert.ok(lines.has(want), `missing: ${want}${want !== captured ? `\n  (captured: ${captured})` : ''}`);
      } else if (mapping.kind === 'replaced') {
        assert.not.ok(lines.has(captured), `old-format line present: ${captured}`);
        assert.ok(lines.has(mapping.now), `replacement missing (${mapping.why}): ${mapping.now}`);
      }
    }
  });
}

test.run();
