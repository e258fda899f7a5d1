// runCommand (cli/netns.ts), which verify --kernel runs every tool through: a command killed by a
// signal says so, where its stderr is often empty (an error message ended in ': ' before).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCommand } from '../../cli/netns.ts';

test('a command ended by a signal: status -1 and the signal named', () => {
  const r = runCommand('sh', ['-c', 'kill -9 $$']);
  assert.is(r.status, -1);
  assert.match(r.stderr, 'sh ended by SIGKILL');
});

test('an ordinary exit keeps its status and output', () => {
  const r = runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r, { status: 3, stdout: 'out\n', stderr: 'err\n' });
});

test.run();
