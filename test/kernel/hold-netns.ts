// A child for netns-signal.test.ts: create a namespace through withNetns, print its name, and wait
// (at most 30 s) to be stopped by a signal; with the argument `throw`, die of an uncaught
// exception instead, soon after printing (withNetns' `finally` never runs then).
import { withNetns } from './netns.ts';

const crash = process.argv[2] === 'throw';
await withNetns('signal', async (ns) => {
  process.stdout.write(`${ns.name}\n`);
  if (crash) {
    setTimeout(() => {
      throw new Error('hold-netns: an uncaught exception, on purpose');
    }, 200);
  }
  await new Promise((resolve) => setTimeout(resolve, 30_000));
});
