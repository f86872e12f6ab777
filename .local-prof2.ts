import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { FastTextModel } from './local-stack/src/providers/sagemaker/model/fasttext/model';
import { PredictionPool } from './local-stack/src/providers/sagemaker/runtime/prediction-pool';
import { providerBundle } from './local-stack/src/providers/sagemaker/runtime/script-bundle';
import { consoleLogger } from './local-stack/src/core/logger';
const FT = process.argv[2]!;
const bin = '/tmp/i12sim/c.bin';
const texts = readFileSync('/tmp/i12sim/texts4.txt', 'utf8').trimEnd().split('\n');
const items = texts.map((text) => ({ text, k: 1 }));
const t = () => performance.now();
(async () => {
  const model = FastTextModel.parse(readFileSync(bin));
  const pool = new PredictionPool(providerBundle('runtime/prediction-worker', '/tmp/i12sim/rt'), 2, consoleLogger('x'));
  pool.prepare(1, model);
  await pool.predict(1, model, items.slice(0, 100));
  for (let r = 0; r < 4; r++) {
    let s = t(); await pool.predict(1, model, items); const a = t() - s;
    s = t(); items.map((item) => model.predict(item.text, item.k)); const b = t() - s;
    s = t(); execFileSync(FT, ['predict', bin, '/tmp/i12sim/texts4.txt'], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 }); const d = t() - s;
    console.log(`rows ${texts.length} pool ${a.toFixed(0)} main ${b.toFixed(0)} native ${d.toFixed(0)} ms`);
  }
  await pool.stop();
})();
