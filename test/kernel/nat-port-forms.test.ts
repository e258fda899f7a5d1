// What nft really does with the DNAT-port cases of test/verifier/nat-port-cases.ts: each loads or
// is refused as the table says, so the reader's refusals (nft-reader-nat-ports.test.ts) are held
// against the kernel's own tool, not against a note.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { NAT_PORT_CASES, natPortDocument } from '../verifier/nat-port-cases.ts';
import { kernelTests, withNetns } from './netns.ts';

const test = kernelTests('nft: DNAT ports and transport protocol matches');

test('each case loads or is refused as nat-port-cases.ts says', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksvc-nat-port-'));
  try {
    await withNetns('nat-port', (ns) => {
      for (const c of NAT_PORT_CASES) {
        const file = join(dir, 'doc.json');
        writeFileSync(file, JSON.stringify(natPortDocument(c)));
        const r = ns.exec('nft', ['-j', '-f', file]);
        const got = r.status === 0 ? 'loads' : 'refuses';
        assert.is(got, c.nft, `${c.name}: ${r.stderr.trim()}`);
        if (got === 'refuses') assert.match(r.stderr, /transport protocol/, c.name);
        ns.exec('nft', ['flush', 'ruleset']);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
