// A digest of every fresh shard's full shape text (bodies written out), in shard order, per node of
// each FILE, IPv4: the same digests before and after a change to the shape writer
// (verifier/engine/shape*.ts) mean it writes the same shapes. Not a test (the texts are no
// contract); a tool for a change that must not alter them.
//   node --max-old-space-size=4096 --import tsx bench/shape-digest.ts FILE.ksvc...
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { check, parse } from '../api/ksvc.ts';
import { lower } from '../api/lower.ts';
import { shapeText } from '../verifier/engine/shape.ts';
import { freshShapes, preparedFromIR } from './shard-shapes.ts';

for (const file of process.argv.slice(2)) {
  const model = check(parse(readFileSync(file, 'utf8'), { file })).model!;
  for (const node of model.nodes.map((n) => n.name)) {
    const ir = lower(model, { node, family: 'ipv4' }).programs[0]!;
    const { ctx, shapes } = freshShapes(preparedFromIR(ir), ir);
    const h = createHash('sha256');
    let n = 0;
    for (const s of shapes) {
      if (s === null) continue;
      h.update(shapeText(ctx, s));
      h.update('\0');
      n++;
    }
    console.log(file, node, n, h.digest('hex').slice(0, 16));
  }
}
