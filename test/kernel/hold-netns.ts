// A child for netns-signal.test.ts: create a namespace through withNetns, print its name, and wait
// (at most 30 s) to be stopped by a signal. Arguments: `throw` dies of an uncaught exception soon
// after printing (withNetns' `finally` never runs then); `busy` waits in synchronous work, as
// `verify --kernel` does between its commands (no event-loop turn for 30 s); `shrink` waits as
// `wait` does, after making and deleting another namespace.
import { withNetns } from './netns.ts';

const mode = process.argv[2];
await withNetns('signal', async (ns) => {
  // `shrink`: a second namespace made and deleted first, so the watchdog's state, longer for a
  // while, now holds one name in a file of two lines' length (cli/netns.ts writeHeld)
  if (mode === 'shrink') await withNetns('signal-before', async () => {});
  process.stdout.write(`${ns.name}\n`);
  if (mode === 'throw') {
    setTimeout(() => {
      throw new Error('hold-netns: an uncaught exception, on purpose');
    }, 200);
  }
  if (mode === 'busy') {
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      // synchronous: a signal handler would not run before this ends
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 30_000));
});
