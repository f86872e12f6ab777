/**
 * What the pipeline refuses, while a model serves: bad drops (empty, binary, wrong CSV columns,
 * unsupported extension) are each reported by a `Data rejected` email and kept under rejected/
 * with their reason; a drop of shuffled labels trains a worse model, which the quality gate
 * rejects by a `Model rejected` email. The endpoint keeps serving the same model throughout.
 */
import { ListEndpointConfigsCommand } from '@aws-sdk/client-sagemaker';
import { useDeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';
import {
  describeEndpoint,
  drop,
  dropWithClasses,
  getBytes,
  getText,
  glueRuns,
  listKeys,
  runIdOf,
  SUBJECT,
  syntheticCsv,
  trainingJobs,
} from './support';

const e2e = useDeployedStack('rejections.test.ts');

const PROBES = [
  'kavo ritema is a singer songwriter and guitarist , her solo career and recorded albums',
  'the village population census in the district municipality , county administrative rural',
];

let servingRunId = '';
let servingAnswers: unknown;

async function servingState(): Promise<{ config: string | undefined; status: string | undefined; answers: unknown }> {
  const endpoint = await describeEndpoint(e2e);
  const answers = await e2e.classifier.classify(PROBES, { k: 3 });
  return { config: endpoint?.EndpointConfigName, status: endpoint?.EndpointStatus, answers };
}

describe('rejections while a model serves', () => {
  it('deploys a first model', async () => {
    const seen = e2e.mail.mark();
    await dropWithClasses(e2e, 'good/part-1.csv', syntheticCsv({ rows: 3_000, seed: 11 }));
    const mail = await e2e.mail.next(SUBJECT['Model Deployed'], seen, 120_000);
    servingRunId = runIdOf(mail);
    const state = await servingState();
    expect(state.config).toBe(`mlp-local-${servingRunId}`);
    expect(state.status).toBe('InService');
    servingAnswers = state.answers;
  }, 180_000);

  const BAD_DROPS: Array<{ name: string; key: string; body: Uint8Array; reason: RegExp }> = [
    { name: 'an empty file', key: 'bad/empty.csv', body: new Uint8Array(0), reason: /The file is empty/ },
    {
      name: 'a binary file',
      key: 'bad/archive.txt',
      // a gzip header and compressed bytes under a .txt name
      body: Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x4b, 0x4c, 0x4a, 0x06, 0x00, 0xc2, 0x41, 0x24, 0x35, 0x03, 0, 0, 0]),
      reason: /not UTF-8|NUL bytes/,
    },
    {
      name: 'a CSV with the wrong columns',
      key: 'bad/customers.csv',
      body: new TextEncoder().encode('id,name,email,country,signup\n1,Ann,ann@example.com,SE,2024-01-01\n2,Bo,bo@example.com,NO,2024-02-01\n'),
      reason: /expected 3 columns \(label,title,content\), found 5/,
    },
    {
      name: 'an unsupported extension',
      key: 'bad/model.pkl',
      body: new TextEncoder().encode('"1","Title","some content"\n'),
      reason: /Only \.csv, \.jsonl and \.txt files/,
    },
  ];

  it('bad drops: each a Data rejected email naming the key and the reason, kept under rejected/ with its .error.json; the endpoint unchanged', async () => {
    expect(servingRunId).not.toBe('');
    const seen = e2e.mail.mark();
    const labeledBefore = await listKeys(e2e, 'labeled/');
    const runsBefore = (await glueRuns(e2e)).length;

    for (const bad of BAD_DROPS) await drop(e2e, bad.key, bad.body);

    for (const bad of BAD_DROPS) {
      const key = `incoming/${bad.key}`;
      const mail = await e2e.mail.next(SUBJECT['Dataset Rejected'], seen, 60_000, (candidate) => candidate.subject.includes(key));
      expect(mail.subject).toMatch(new RegExp(`^\\[local\\] Data rejected: ${key.replace(/\./g, '\\.')} \\(`));
      expect(mail.subject).toMatch(bad.reason);
      expect(mail.text).toMatch(bad.reason);
      expect(mail.text).toContain(`s3://${e2e.info.dataBucket}/rejected/${bad.key}.error.json`);

      // the drop is kept as it was, with its reason beside it, and gone from incoming/
      expect(Buffer.from(await getBytes(e2e, `rejected/${bad.key}`)).equals(Buffer.from(bad.body))).toBe(true);
      const report = JSON.parse(await getText(e2e, `rejected/${bad.key}.error.json`)) as Record<string, unknown>;
      expect(report).toMatchObject({ bucket: e2e.info.dataBucket, key, size: bad.body.length });
      expect(report.reason).toMatch(bad.reason);
      expect(await listKeys(e2e, key)).toEqual([]);
    }

    // one email per bad drop, nothing else; no run started, nothing added to the corpus, the same model serves
    const sent = e2e.mail.all().filter((mail) => !seen.has(mail.file));
    expect(sent).toHaveLength(BAD_DROPS.length);
    expect(sent.every((mail) => SUBJECT['Dataset Rejected'].test(mail.subject))).toBe(true);
    expect(await listKeys(e2e, 'labeled/')).toEqual(labeledBefore);
    expect((await glueRuns(e2e)).length).toBe(runsBefore);
    expect(await servingState()).toEqual({ config: `mlp-local-${servingRunId}`, status: 'InService', answers: servingAnswers });
  }, 120_000);

  it('a worse model (shuffled labels dominate the corpus): Model rejected email, the old model keeps serving', async () => {
    expect(servingRunId).not.toBe('');
    const seen = e2e.mail.mark();
    // every label replaced by a random one, twice as many rows as the good data
    await dropWithClasses(e2e, 'shuffled/part-2.csv', syntheticCsv({ rows: 6_000, seed: 12, labelNoise: 1 }));
    const mail = await e2e.mail.next(/^\[local\] (Model rejected|Model deployed|Pipeline failed): /, seen, 120_000);
    expect(mail.subject).toMatch(SUBJECT['Model Rejected']);
    const rejectedRunId = runIdOf(mail);
    expect(rejectedRunId).not.toBe(servingRunId);
    const scored = Number(/scored (\d+\.\d+)%/.exec(mail.subject)?.[1]) / 100;
    expect(scored).toBeLessThan(0.6);
    expect(mail.text).toMatch(new RegExp(`Model in service:\\s+mlp-local-${servingRunId} \\(\\d+\\.\\d\\d%\\)`));
    expect(mail.text).toMatch(/Reason:\s+\S/);
    expect(mail.text).toContain('the model in service keeps serving');

    // the rejected model was trained but never became a model version of the endpoint
    const jobs = await trainingJobs(e2e);
    expect(jobs.find((job) => job.TrainingJobName === `mlp-local-${rejectedRunId}`)?.TrainingJobStatus).toBe('Completed');
    const configs = await e2e.sagemaker.send(new ListEndpointConfigsCommand({ NameContains: 'mlp-local-' }));
    expect((configs.EndpointConfigs ?? []).map((config) => config.EndpointConfigName)).toEqual([`mlp-local-${servingRunId}`]);
    expect(await servingState()).toEqual({ config: `mlp-local-${servingRunId}`, status: 'InService', answers: servingAnswers });
    // the deployment service has nothing left to do for it: no other email
    await waitFor('every training job to end', async () => (await trainingJobs(e2e)).every((job) => job.TrainingJobStatus !== 'InProgress'), 10_000);
    expect(e2e.mail.all().filter((other) => !seen.has(other.file)).map((other) => other.subject)).toEqual([mail.subject]);
  }, 180_000);
});
