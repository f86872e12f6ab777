/**
 * The pipeline console in a real browser (issue 13), as a user works with it: on a fresh local stack, the
 * DBpedia sample (classes.txt and train.csv) uploaded through the Drops page, the run watched on the Runs
 * page until it is deployed (live: no reload, at most 2 s behind the pipeline), the run's page (stages,
 * data, metrics, the email, the evaluation when there is one), the models chart, and a question to the
 * model. Screenshots go to test/e2e/screenshots/. Skipped without /usr/bin/chromium.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DescribeTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { trainingJobName } from '../../shared/src/names';
import { startSigningProxy } from '../../console/server/signing-proxy';
import { pipelineConfig } from '../../console/src/data/clients';
import { describeWithBrowser, openBrowser, type Browser } from '../support/browser';
import { log, ROOT, secondsSince, useDeployedStack } from '../support/stack';
import { getText, listKeys, readManifest, runIdOf, SUBJECT } from './support';

const SAMPLE = path.join(ROOT, '..', 'shared', 'data', 'dbpedia_sample');
/** How far behind the pipeline the page may be (the issue: a change appears within 2 s). */
const LIVE_MS = 2000;
const QUESTION = 'Clifford Thomas Ward was an English singer-songwriter and teacher who released eight albums';

describeWithBrowser('the pipeline console in a browser', () => {
  const e2e = useDeployedStack('console.test.ts');
  let browser: Browser;
  let runId = '';

  beforeAll(async () => {
    if (!existsSync(path.join(SAMPLE, 'train.csv'))) throw new Error(`the DBpedia sample is not at ${SAMPLE} (the checkout's ../shared/data)`);
    browser = await openBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(() => {
    const errors = browser?.console.filter((line) => line.startsWith('page error:')) ?? [];
    expect(errors).toEqual([]);
  });

  it('is served by the stack at stack.json consoleUrl and shows an empty pipeline', async () => {
    expect(e2e.info.consoleUrl).toBe(`${e2e.info.endpoint}/_console/`);
    await browser.page.goto(e2e.info.consoleUrl);
    await browser.page.getByText('No run yet').waitFor({ timeout: 15_000 });
    expect(await browser.page.locator('.live').textContent()).toMatch(/live/);
    await browser.screenshot('01-empty');
  }, 30_000);

  it('uploads the DBpedia sample from the Drops page, and shows the run moving until it is deployed', async () => {
    const { page } = browser;
    const seen = e2e.mail.mark();
    await page.goto(`${e2e.info.consoleUrl}#/drops`);
    await page.locator('.dropzone').waitFor();
    const started = Date.now();
    await page.setInputFiles('input[type=file]', [path.join(SAMPLE, 'classes.txt'), path.join(SAMPLE, 'train.csv')]);
    await page.locator('.uploads li[data-status=uploaded]').nth(1).waitFor({ timeout: 60_000 });
    log(`console: both files uploaded through the page in ${secondsSince(started)} s`);
    // classes.txt went first, and the data only once ingestion had kept it: the data found its names at once.
    expect(await page.locator('.uploads li .key').allTextContents()).toEqual(['incoming/classes.txt', 'incoming/train.csv']);
    expect(await listKeys(e2e, 'labeled/classes.')).toEqual([expect.stringMatching(/^labeled\/classes\.\d{8}T\d{6}Z\.[0-9a-f]{12}\.txt$/)]);

    await page.goto(`${e2e.info.consoleUrl}#/runs`);
    const row = page.locator('table.runs tbody tr').first();
    await page.locator('table.runs tbody tr[data-outcome=in-progress]').waitFor({ timeout: 60_000 });
    await browser.screenshot('02-run-in-progress');
    expect(await row.locator('.progress').count()).toBe(1);

    // Live: the page shows the run deployed and its email sent at most LIVE_MS after the email, without a reload.
    const [mail, shownAt] = await Promise.all([
      e2e.mail.next(SUBJECT['Model Deployed'], seen, 240_000).then((found) => ({ found, at: Date.now() })),
      page.locator('table.runs tbody tr[data-outcome=deployed] td[data-stage=notify][data-status=succeeded]').waitFor({ timeout: 240_000 }).then(() => Date.now()),
    ]);
    runId = runIdOf(mail.found);
    log(`console: run ${runId} deployed ${secondsSince(started)} s after the upload; the page showed its email ${shownAt - mail.at} ms after it was sent`);
    expect(shownAt - mail.at).toBeLessThanOrEqual(LIVE_MS);
    expect(await row.getAttribute('data-run-id')).toBe(runId);
    expect(await page.locator('table.runs tbody tr').count()).toBe(1);
    expect(await row.locator('.trigger').textContent()).toContain('train.csv');
    for (const stage of ['ingest', 'preprocess', 'train', 'deploy', 'notify']) {
      expect(await row.locator(`td[data-stage=${stage}]`).getAttribute('data-status')).toBe('succeeded');
    }
    await browser.screenshot('03-run-deployed');
  }, 360_000);

  it("opens the run's page: the stages as a chain, the data, the training metrics, the email", async () => {
    const { page } = browser;
    await page.locator(`a.run-link:text("${runId}")`).click();
    await page.locator(`.run-page[data-run-id="${runId}"][data-outcome=deployed]`).waitFor({ timeout: 15_000 });
    for (const stage of ['ingest', 'preprocess', 'train', 'deploy', 'notify']) {
      expect(await page.locator(`.chain g.node[data-stage=${stage}]`).getAttribute('data-status')).toBe('succeeded');
    }

    // rows per label and split, as the run's manifest says
    const manifest = await readManifest(e2e, runId);
    const labelRows = page.locator('table[aria-label="rows per label and split"] tbody tr');
    await labelRows.first().waitFor({ timeout: 15_000 });
    expect(await labelRows.count()).toBe(Object.keys(manifest.labels).length);
    const trainCells = await labelRows.locator('td:nth-child(2)').allTextContents();
    expect(trainCells.reduce((sum, cell) => sum + Number(cell.replaceAll(',', '')), 0)).toBe(manifest.rows.train);

    const job = await e2e.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingJobName('local', runId) }));
    const accuracy = job.FinalMetricDataList!.find((metric) => metric.MetricName === 'validation:accuracy')!.Value!;
    expect(accuracy).toBeGreaterThan(0.9);
    expect(await page.locator('tr[data-metric="validation:accuracy"] td.num').textContent()).toBe(`${(accuracy * 100).toFixed(2)}%`);

    const email = page.locator('article.email[data-email-type="Model Deployed"]');
    expect(await email.locator('.subject').textContent()).toMatch(SUBJECT['Model Deployed']);
    expect(await email.locator('pre.email-text').textContent()).toMatch(new RegExp(`Run: +${runId}\\n`));
    await email.getByRole('button', { name: 'HTML' }).click();
    // the HTML part, in a sandbox that runs nothing
    expect(await email.locator('iframe.email-html').getAttribute('sandbox')).toBe('');

    const evaluated = (await listKeys(e2e, `evaluations/${runId}/report.json`)).length > 0;
    if (evaluated) {
      // the evaluation stage (another issue) writes the report: its per-class table and confusion matrix
      const report = JSON.parse(await getText(e2e, `evaluations/${runId}/report.json`)) as { labels: string[] };
      expect(await page.locator('table[aria-label="per-class metrics"] tbody tr').count()).toBe(report.labels.length);
      expect(await page.locator('table[aria-label="confusion matrix"] tbody tr').count()).toBe(report.labels.length);
    } else {
      expect(await page.locator('.chain g.node[data-stage=evaluate]').count()).toBe(0);
    }
    await browser.screenshot('04-run-page');
  }, 60_000);

  it('draws the accuracy of the runs on the Models page, with the model in service', async () => {
    const { page } = browser;
    await page.goto(`${e2e.info.consoleUrl}#/models`);
    const chart = page.locator('.chart');
    await chart.locator('canvas').waitFor({ timeout: 15_000 });
    expect(Number(await chart.getAttribute('data-points'))).toBe(1);
    expect(await page.locator('#in-service a').textContent()).toBe(runId);
    expect(await page.locator('#endpoint-history tr.serving').count()).toBe(1);
    await browser.screenshot('05-models');
  }, 30_000);

  it('asks the model a question and shows the labels the endpoint answers', async () => {
    const { page } = browser;
    await page.goto(`${e2e.info.consoleUrl}#/try`);
    await page.locator('textarea').fill(QUESTION);
    await page.getByRole('button', { name: 'classify' }).click();
    const labels = page.locator('.predictions li');
    await labels.first().waitFor({ timeout: 15_000 });
    expect(await labels.count()).toBe(3);
    // the same answer as the project's inference client gives through the SDK
    const direct = await e2e.classifier.classifyOne(QUESTION, { k: 3 });
    expect(await labels.evaluateAll((items) => items.map((item) => item.getAttribute('data-label')))).toEqual(direct.map((prediction) => prediction.label));
    expect(direct[0]!.label).toBe('Artist');
    await browser.screenshot('06-try-the-model');
  }, 30_000);

  it("works the same behind npm run console's signing proxy (AWS mode), the local stack standing in for AWS", async () => {
    const proxy = await startSigningProxy({
      port: 0,
      credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }),
      page: { ...pipelineConfig('local', e2e.info.region, '000000000000', e2e.info.dataBucket), incomingPrefix: 'incoming/' },
      // path-style, as the local stack is; on AWS, each service's regional endpoint (signing-proxy.test.ts)
      upstream: (_service, _region, requestPath) => ({ origin: e2e.info.endpoint, path: requestPath }),
    });
    try {
      const { page } = browser;
      await page.goto(proxy.consoleUrl);
      await page.locator(`table.runs tbody tr[data-run-id="${runId}"][data-outcome=deployed]`).waitFor({ timeout: 15_000 });
      expect(await page.locator('header.top').textContent()).toContain(`AWS ${e2e.info.region}`);
      await page.goto(`${proxy.consoleUrl}#/try`);
      await page.locator('textarea').fill(QUESTION);
      await page.getByRole('button', { name: 'classify' }).click();
      await page.locator('.predictions li').first().waitFor({ timeout: 15_000 });
      expect(await page.locator('.predictions li').first().getAttribute('data-label')).toBe('Artist');
      expect(proxy.stats.refused).toBe(0);
      expect(proxy.stats.relayed).toBeGreaterThan(5);
      await browser.screenshot('07-aws-mode-through-the-proxy');
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
