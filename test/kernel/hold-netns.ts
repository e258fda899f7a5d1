// A child for netns-signal.test.ts: create a namespace through withNetns, print its name, and wait
// (at most 30 s) to be stopped by a signal.
import { withNetns } from './netns.ts';

await withNetns('signal', async (ns) => {
  process.stdout.write(`${ns.name}\n`);
  await new Promise((resolve) => setTimeout(resolve, 30_000));
});
