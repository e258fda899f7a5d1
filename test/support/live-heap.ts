// The heap in use once everything unreachable is collected: for tests that a structure does not
// keep something alive (a reader's input text). Enables gc() for this process.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes in use after a few collections, each after the current job ends (its temporaries die). */
export async function liveHeap(): Promise<number> {
  /./.exec('.'); // V8 keeps the subject of the last regular-expression match alive
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
  return process.memoryUsage().heapUsed;
}
