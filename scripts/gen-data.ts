/**
 * `npm run gen-data -- --rows N --out file.csv [--seed S] [--label-noise 0.03]`: writes a deterministic
 * DBpedia-shaped labeled CSV and, beside it, its classes.txt.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { classesFile, csvLine, generateRows } from './lib/synthetic-dbpedia';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '14000' },
      out: { type: 'string', default: '.local/data/synthetic.csv' },
      seed: { type: 'string', default: '42' },
      'label-noise': { type: 'string', default: '0.03' },
    },
  });
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  const labelNoise = Number(values['label-noise']);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows must be a positive whole number, not "${values.rows}"`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number, not "${values.seed}"`);
  if (!(labelNoise >= 0 && labelNoise < 1)) throw new Error(`--label-noise must be in [0, 1), not "${values['label-noise']}"`);
  const out = path.resolve(values.out);
  mkdirSync(path.dirname(out), { recursive: true });
  const stream = createWriteStream(out);
  let buffer = '';
  for (const row of generateRows({ rows, seed, labelNoise })) {
    buffer += csvLine(row);
    if (buffer.length > 1 << 20) {
      if (!stream.write(buffer)) await once(stream, 'drain');
      buffer = '';
    }
  }
  stream.end(buffer);
  await finished(stream);
  const classes = path.join(path.dirname(out), 'classes.txt');
  writeFileSync(classes, classesFile());
  console.log(`wrote ${rows} rows to ${out} and the class names to ${classes}`);
}

main().catch((error: Error) => {
  console.error(`gen-data: ${error.message}`);
  process.exit(1);
});
