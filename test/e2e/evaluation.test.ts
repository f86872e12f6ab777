/**
 * The evaluation stage end to end, on the DBpedia sample: a drop ends in `Model deployed` with the test
 * metrics, and evaluations/<runId>/report.json whose per-class precision and recall are fastText's own
 * (`fasttext test-label` on the same model and test file); a second, deliberately worse drop (the other
 * half of the sample, labels shuffled on 95% of its rows) ends in `Model rejected`, decided against the model in service on the
 * same test rows, and the endpoint keeps that model.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classificationMetrics, evaluationReport, seededRandom, type EvaluationReport } from '@pipeline/shared';
import { fastTextCli, recallsByTest, testLabel, testLabelCli } from '../../scripts/lib/fasttext-cli';
import { cliPredictions, DBPEDIA_CSV, downloadModelBin } from '../local-stack/sagemaker-harness';
import { log, secondsSince, useDeployedStack } from '../support/stack';
import { pipelineConfig } from '../../console/src/data/clients';
import { PipelineStore } from '../../console/src/data/store';
import { temporaryDirectory } from '../support/temporary-directory';
import { describeEndpoint, drop, getText, listKeys, readManifest, runIdOf, SUBJECT, waitForLabeled } from './support';

const e2e = useDeployedStack('evaluation.test.ts');
const temp = temporaryDirectory('e2e-evaluation');
const SAMPLE_ROWS = readFileSync(DBPEDIA_CSV, 'utf8').split('\n').filter((line) => line !== '');
/** The first drop: half the sample. The worse drop is the other half (new texts: the Glue job keeps one row per text). */
const FIRST_HALF = `${SAMPLE_ROWS.slice(0, SAMPLE_ROWS.length / 2).join('\n')}\n`;
const SECOND_HALF = SAMPLE_ROWS.slice(SAMPLE_ROWS.length / 2);
const CLASSES = readFileSync(join(DBPEDIA_CSV, '..', 'classes.txt'), 'utf8');
const CLASS_COUNT = CLASSES.trim().split('\n').length;

/** The second half of the sample with the label of `share` of its rows replaced by another class, chosen at random (seeded). */
function shuffledLabels(share: number, seed: number): string {
  const random = seededRandom(seed);
  return SECOND_HALF
    .map((line) => {
      const match = /^"(\d+)",/.exec(line);
      if (!match || random() >= share) return line;
      const other = ((Number(match[1]) - 1 + 1 + Math.floor(random() * (CLASS_COUNT - 1))) % CLASS_COUNT) + 1;
      return `"${other}",${line.slice(match[0].length)}`;
    })
    .map((line) => `${line}\n`)
    .join('');
}

/** `<folder>/classes.txt`, kept before the data is dropped (so that the data's drop starts the one run), then the data. */
async function dropSample(folder: string, csv: string): Promise<void> {
  await drop(e2e, `${folder}/classes.txt`, CLASSES);
  await waitForLabeled(e2e, `${folder}/classes.txt`);
  await drop(e2e, `${folder}/train.csv`, csv);
}

async function report(runId: string): Promise<EvaluationReport> {
  return evaluationReport.parse(JSON.parse(await getText(e2e, `evaluations/${runId}/report.json`)));
}

/** Half a unit in the last of the 3 significant digits `fasttext test` prints (std::setprecision(3)). */
const halfUnitOf3Digits = (printed: number): number => (printed === 0 ? 1e-12 : 0.5 * 10 ** (Math.floor(Math.log10(printed)) - 2) + 1e-12);

const lineCount = (text: string): number => text.split('\n').filter((line) => line.trim() !== '').length;

let servingRunId = '';

afterAll(() => temp.remove());

describe('evaluation on the test split', () => {
  it('a drop of (half) the DBpedia sample: Model deployed with its test metrics, and per-class figures equal to fasttext test-label', async () => {
    const seen = e2e.mail.mark();
    const dropped = Date.now();
    await dropSample('dbpedia', FIRST_HALF);
    const mail = await e2e.mail.next(SUBJECT['Model Deployed'], seen, 240_000);
    log(`evaluation: DBpedia sample drop -> Model deployed email in ${secondsSince(dropped)} s`);
    servingRunId = runIdOf(mail);
    const job = `mlp-local-${servingRunId}`;

    const evaluated = await report(servingRunId);
    const manifest = await readManifest(e2e, servingRunId);
    expect(evaluated.testRows).toBe(manifest.rows.test);
    expect(evaluated.labels).toHaveLength(CLASS_COUNT);
    expect(evaluated.champion).toBeNull();
    expect(evaluated.challenger).toMatchObject({ trainingJob: job, modelArtifact: `s3://${e2e.info.dataBucket}/models/${job}/output/model.tar.gz` });
    expect(evaluated.challenger.accuracy).toBeGreaterThan(0.9);
    expect(evaluated.decision.deploy).toBe(true);
    expect(evaluated.challenger.confusion.flat().reduce((sum, count) => sum + count, 0)).toBe(evaluated.testRows);
    expect(mail.subject).toContain(`(${(evaluated.challenger.accuracy * 100).toFixed(2)}%)`);
    expect(mail.text).toMatch(new RegExp(`Test rows:\\s+${evaluated.testRows}\\r?\\n`));
    expect(mail.text).toMatch(/New model on them:\s+\d+\.\d\d% accuracy, macro-F1 \d+\.\d\d%/);
    expect(mail.text).toMatch(/Model in service on them:\s+none: no model was in service/);
    expect(mail.text).toMatch(/Weakest classes \(recall\):\s+\S/);
    expect(mail.text).toContain(`s3://${e2e.info.dataBucket}/evaluations/${servingRunId}/report.json`);
    expect(mail.text).toMatch(/The new model per class on the test split:\r?\nClass +Precision +Recall +F1 +Support\r?\n/);
    expect(await listKeys(e2e, `evaluations/${servingRunId}/`)).toEqual(
      [`evaluations/${servingRunId}/input/test.jsonl`, `evaluations/${servingRunId}/${job}-challenger/test.jsonl.out`, `evaluations/${servingRunId}/report.json`].sort(),
    );

    // The same model and test file through the fastText CLI.
    const modelBin = await downloadModelBin(e2e.s3, evaluated.challenger.modelArtifact, temp.dir);
    const testText = await getText(e2e, `prepared/${servingRunId}/test/test.txt`);
    const testFile = join(temp.dir, 'test.txt');
    writeFileSync(testFile, testText);
    const rows = testText.split('\n').filter((line) => line.startsWith('__label__'));
    // Recall as fastText counts it (`fasttext test` on each label's rows: P@1 to 3 significant digits), with any CLI.
    const recalls = await recallsByTest(modelBin, rows, temp.dir);
    expect([...recalls.keys()].sort()).toEqual([...evaluated.labels].sort());
    for (const [label, recall] of recalls) {
      expect([label, Math.abs(evaluated.challenger.perClass[label]!.recall - recall) <= halfUnitOf3Digits(recall)]).toEqual([label, true]);
    }
    const withTestLabel = testLabelCli();
    if (withTestLabel !== undefined) {
      const reference = await testLabel(modelBin, testFile, withTestLabel);
      expect([...reference.keys()].sort()).toEqual([...evaluated.labels].sort());
      let printedRecalls = 0;
      for (const [label, figures] of reference) {
        const ours = evaluated.challenger.perClass[label]!;
        // test-label prints 6 decimals; a label never predicted has dashes for its precision, as 0 in the report.
        expect([label, figures.precision ?? 0]).toEqual([label, expect.closeTo(ours.precision, 5)]);
        // fastText 0.9.2 prints dashes for every recall and an F1 from them (facebookresearch/fastText#1072): compared where printed.
        if (figures.recall !== undefined) {
          expect([label, figures.recall, figures.f1]).toEqual([label, expect.closeTo(ours.recall, 5), expect.closeTo(ours.f1, 5)]);
          printedRecalls++;
        }
      }
      log(`evaluation: report.json's per-class precision equals ${withTestLabel} test-label on ${reference.size} labels (recall printed for ${printedRecalls}), recall equals fasttext test per label on ${recalls.size}`);
    } else {
      log(`evaluation: no fastText CLI with test-label (${fastTextCli()} is fastText 0.1; FASTTEXT_TEST_LABEL_CLI=<fastText 0.9 CLI> adds it): recall compared with fasttext test per label, the rest with its predictions`);
    }
    // Either way: the report is what the CLI's own predictions score on the same rows.
    const truth = rows.map((line) => /^__label__(\S+)/.exec(line)![1]!);
    const texts = rows.map((line) => line.replace(/^(__label__\S+\s+)+/, ''));
    const predicted = (await cliPredictions(modelBin, texts, 1)).map((prediction) => prediction.label[0]!.replace(/^__label__/, ''));
    const cli = classificationMetrics(truth, predicted, evaluated.labels);
    expect(evaluated.challenger.accuracy).toBeCloseTo(cli.accuracy, 10);
    expect(evaluated.challenger.confusion).toEqual(cli.confusion);
  }, 300_000);

  it('a worse drop (labels shuffled on 95% of its rows): Model rejected against the model in service on the same rows; it keeps serving', async () => {
    expect(servingRunId).not.toBe('');
    const seen = e2e.mail.mark();
    // 95%: the test rows carry the noise too, so both models lose on the noisy rows; what sets the new model
    // apart is its training on them. At 80% the gap (3 points in the pipeline, 2.3-3 in CLI trials of this
    // data and seed) was too close to maxAccuracyDrop's 2 points; at 95% the CLI trials give 5.5-7.
    await dropSample('noisy', shuffledLabels(0.95, 12));
    const mail = await e2e.mail.next(/^\[local\] (Model rejected|Model deployed|Pipeline failed): /, seen, 240_000);
    expect(mail.subject).toMatch(SUBJECT['Model Rejected']);
    const rejectedRunId = runIdOf(mail);
    expect(rejectedRunId).not.toBe(servingRunId);

    const evaluated = await report(rejectedRunId);
    const championJob = /^(mlp-local-.+-champion-[0-9a-f]{6})\/test\.jsonl\.out$/;
    const outputs = (await listKeys(e2e, `evaluations/${rejectedRunId}/`)).map((key) => key.slice(`evaluations/${rejectedRunId}/`.length));
    const championOutput = outputs.find((key) => championJob.test(key));
    expect(championOutput).toBeDefined();
    // Both models scored the same rows: this run's test split, one prediction each, in its order.
    expect(evaluated.testRows).toBe((await readManifest(e2e, rejectedRunId)).rows.test);
    for (const output of [`mlp-local-${rejectedRunId}-challenger/test.jsonl.out`, championOutput!]) {
      expect(lineCount(await getText(e2e, `evaluations/${rejectedRunId}/${output}`))).toBe(evaluated.testRows);
    }
    expect(evaluated.champion).toMatchObject({ trainingJob: `mlp-local-${servingRunId}` });
    expect(evaluated.decision.deploy).toBe(false);
    const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;
    expect(evaluated.decision.reasons).toEqual([
      expect.stringContaining(`test accuracy ${percent(evaluated.challenger.accuracy)}`),
      expect.stringContaining(`(mlp-local-${servingRunId}) scores ${percent(evaluated.champion!.accuracy)} on the same ${evaluated.testRows} test rows`),
    ]);
    log(`evaluation: worse drop rejected, test accuracy ${percent(evaluated.challenger.accuracy)} against ${percent(evaluated.champion!.accuracy)} for the model in service on the same ${evaluated.testRows} rows`);

    expect(mail.text).toMatch(new RegExp(`Model in service on them:\\s+\\d+\\.\\d\\d% accuracy, macro-F1 \\d+\\.\\d\\d% \\(mlp-local-${servingRunId}\\)`));
    expect(mail.text).toContain('the model in service keeps serving');
    const endpoint = await describeEndpoint(e2e);
    expect(endpoint).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: `mlp-local-${servingRunId}` });

    // The console reads both reports as the deployment service wrote them, and shows each run's evaluation.
    const store = new PipelineStore(e2e, pipelineConfig(e2e.info.stage, e2e.info.region, '', e2e.info.dataBucket));
    await store.refresh();
    store.want({ runs: [servingRunId, rejectedRunId] });
    const snapshot = await store.refresh();
    expect(snapshot.reports.get(rejectedRunId)).toEqual(evaluated);
    const shown = (runId: string) => snapshot.runs.find((run) => run.runId === runId)!;
    expect(shown(rejectedRunId).stages.evaluate).toMatchObject({ status: 'succeeded', detail: `test accuracy ${percent(evaluated.challenger.accuracy)} on ${evaluated.testRows} rows` });
    expect(shown(rejectedRunId).stages.deploy.status).toBe('rejected');
    expect(shown(servingRunId).stages.evaluate.status).toBe('succeeded');
  }, 300_000);
});
