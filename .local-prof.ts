import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { FastTextModel } from './local-stack/src/providers/sagemaker/model/fasttext/model';
import { parseInvocation, renderPredictions } from './local-stack/src/providers/sagemaker/model/invocation-formats';
const FT = process.argv[2]!;
const bin = '/tmp/i12sim/c.bin';
const texts = readFileSync('/tmp/i12sim/texts4.txt', 'utf8').trimEnd().split('\n');
const body = Buffer.from(texts.map((t) => JSON.stringify({ source: t })).join('\n'));
const t = () => performance.now();
let s = t();
const model = FastTextModel.parse(readFileSync(bin));
console.log('load', (t() - s).toFixed(0), 'ms');
for (let r = 0; r < 3; r++) {
  s = t(); const items = parseInvocation('jsonlines', body); const a = t() - s;
  s = t(); const preds = items.map((item) => model.predict(item.text, item.k)); const b = t() - s;
  s = t(); renderPredictions('jsonlines', preds); const c = t() - s;
  s = t(); execFileSync(FT, ['predict', bin, '/tmp/i12sim/texts4.txt'], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 }); const d = t() - s;
  s = t(); execFileSync(FT, ['predict-prob', bin, '/tmp/i12sim/texts4.txt'], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 }); const e = t() - s;
  console.log(`rows ${texts.length} parse ${a.toFixed(0)} predict ${b.toFixed(0)} render ${c.toFixed(0)} ms | native predict ${d.toFixed(0)} predict-prob ${e.toFixed(0)} ms`);
}
