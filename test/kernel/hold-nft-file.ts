// A child for netns-signal.test.ts: create a namespace and write an nft file for it through
// nftWithFile (the test puts a fake `nft` first on the PATH that waits), to be killed meanwhile.
import { nftWithFile } from '../../cli/netns.ts';
import { withNetns } from './netns.ts';

await withNetns('signal', async (ns) => {
  process.stdout.write(`${ns.name}\n`);
  nftWithFile(ns, ['-f'], 'table ip t {}\n');
});
