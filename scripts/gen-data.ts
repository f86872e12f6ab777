/**
 * `npm run gen-data -- --rows N --out file.csv [--seed S] [--label-noise 0.03]`: writes a deterministic
 * DBpedia-shaped labeled CSV and, beside it, its classes.txt.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { defineCommand, integerOption, parseCommandLine, usageError } from './lib/cli';
import { classesFile, csvLine, generateRows } from './lib/synthetic-dbpedia';

const COMMAND = defineCommand({
  usage: 'npm run gen-data -- [--rows N] [--out file.csv] [--seed S] [--label-noise 0.03]',
  summary: "Writes a deterministic DBpedia-shaped labeled CSV (the project's own generator) and, beside it, its classes.txt.",
  options: {
    rows: { type: 'string', value: 'n', default: '14000', description: 'how many rows' },
    out: { type: 'string', value: 'file', default: '.local/data/synthetic.csv', description: 'where to write the CSV' },
    seed: { type: 'string', value: 's', default: '42', description: 'the seed: the same seed writes the same rows' },
    'label-noise': { type: 'string', value: 'p', default: '0.03', description: 'the share of rows given a wrong label, in [0, 1)' },
  },
});

async function main(): Promise<void> {
  const { values } = parseCommandLine(COMMAND);
  const rows = integerOption(COMMAND, 'rows', values.rows, { min: 1 });
  const seed = integerOption(COMMAND, 'seed', values.seed);
  const labelNoise = Number(values['label-noise']);
  if (!(labelNoise >= 0 && labelNoise < 1)) usageError(COMMAND, `--label-noise must be in [0, 1), not "${values['label-noise']}"`);
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
