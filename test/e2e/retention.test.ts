/**
 * Nothing kept forever by accident: after five runs with keepModels 3, exactly the artifacts of the kept models
 * (the model in service among them) remain under models/, every other version gone; the data bucket carries its
 * lifecycle rules, and applied as of 100 days later (POST /_local/s3-lifecycle) they expire the old preprocessing
 * runs and never the corpus nor a kept model's artifact.
 */
import { GetBucketLifecycleConfigurationCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { ListModelsCommand } from '@aws-sdk/client-sagemaker';
import { rawRequest } from '../support/http';
import { log, useDeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';
import { describeEndpoint, drop, listKeys, runIdOf, SUBJECT, vocabularyCsv } from './support';

const e2e = useDeployedStack('retention.test.ts');

const CLASSES = [
  { label: 'Bakery', words: 'bread flour oven pastry baker croissant dough cake bakery loaf yeast crust bun' },
  { label: 'Mountain', words: 'peak summit ridge glacier elevation climb alpine slope range metres ascent massif' },
  { label: 'Software', words: 'code release version developer platform application license programming api compiler library' },
];
const KEEP_MODELS = 3; // the deployment service's keepModels (services/deployment/serverless.yml)

/** Every version (and delete marker) under a prefix, as `<key>` or `<key> (noncurrent)` / `(delete marker)`. */
async function versionsUnder(prefix: string): Promise<string[]> {
  const listing = await e2e.s3.send(new ListObjectVersionsCommand({ Bucket: e2e.info.dataBucket, Prefix: prefix }));
  return [
    ...(listing.Versions ?? []).map((version) => `${version.Key}${version.IsLatest ? '' : ' (noncurrent)'}`),
    ...(listing.DeleteMarkers ?? []).map((marker) => `${marker.Key} (delete marker)`),
  ].sort();
}

const artifactOf = (model: string) => `models/${model}/output/model.tar.gz`;

describe('retention', () => {
  const deployed: string[] = [];

  it(`after five runs with keepModels ${KEEP_MODELS}: exactly the artifacts of the kept models and the model in service remain`, async () => {
    for (let run = 1; run <= 5; run++) {
      const seen = e2e.mail.mark();
      await drop(e2e, `runs/part-${run}.csv`, vocabularyCsv(CLASSES, 100, 700 + run));
      const mail = await e2e.mail.next(/^\[local\] (Model deployed|Model rejected|Pipeline failed): /, seen, 120_000);
      expect(mail.subject).toMatch(SUBJECT['Model Deployed']);
      deployed.push(`mlp-local-${runIdOf(mail)}`);
      // the cleanup after a deployment runs once the email is out: wait for it to have taken the oldest model away
      if (deployed.length > KEEP_MODELS) {
        const gone = deployed[deployed.length - KEEP_MODELS - 1]!;
        await waitForModelGone(gone);
      }
    }
    const serving = (await describeEndpoint(e2e))?.EndpointConfigName;
    expect(serving).toBe(deployed.at(-1));

    const models = (await e2e.sagemaker.send(new ListModelsCommand({ NameContains: 'mlp-local-' }))).Models!.map((model) => model.ModelName!).sort();
    const kept = deployed.slice(-KEEP_MODELS).sort();
    expect(models).toEqual(kept);
    // every version under models/: the current artifact of each kept model, nothing else (no delete marker either)
    expect(await versionsUnder('models/')).toEqual(kept.map(artifactOf).sort());
    log(`retention: ${deployed.length} runs, models/ holds ${kept.length} artifacts`);
  }, 600_000);

  it('the data bucket has its lifecycle rules; applied 100 days later they expire old runs, never the corpus or a kept artifact', async () => {
    expect(deployed).toHaveLength(5);
    const rules = (await e2e.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: e2e.info.dataBucket }))).Rules ?? [];
    expect(Object.fromEntries(rules.map((rule) => [rule.ID, rule.Filter?.Prefix]))).toEqual({
      'expire-handled-drops': 'incoming/',
      'expire-noncurrent-versions': '',
      'expire-old-preprocessing-runs': 'prepared/',
      'expire-old-rejected-drops': 'rejected/',
      'expire-replaced-model-artifacts': 'models/',
      'expire-spot-checkpoints': 'checkpoints/',
      'abort-incomplete-uploads': '',
    });
    const labeled = await listKeys(e2e, 'labeled/');
    expect((await listKeys(e2e, 'prepared/')).length).toBeGreaterThan(0);

    // A month on: the runs expire (a delete marker each), and a day later their versions go.
    for (const days of [31, 100]) {
      // A control route changes state: signed like any request to the stack.
      const response = await rawRequest(e2e.info.endpoint, { method: 'POST', path: '/_local/s3-lifecycle', body: JSON.stringify({ days }), sign: 's3' });
      expect(response.status).toBe(200);
      log(`lifecycle as of ${days} days on: ${response.body.toString('utf8')}`);
    }
    expect(await versionsUnder('prepared/')).toEqual([]);
    expect(await listKeys(e2e, 'labeled/')).toEqual(labeled);
    expect(await versionsUnder('models/')).toEqual(deployed.slice(-KEEP_MODELS).map(artifactOf).sort());
    // the model in service still answers
    await expect(e2e.classifier.classify(['the baker took the bread out of the oven'])).resolves.toMatchObject([[{ label: 'Bakery' }]]);
  }, 60_000);
});

async function waitForModelGone(model: string): Promise<void> {
  await waitFor(
    `model ${model} and its artifact to be deleted`,
    async () => {
      const models = (await e2e.sagemaker.send(new ListModelsCommand({ NameContains: model }))).Models ?? [];
      return models.length === 0 && (await versionsUnder(`models/${model}/`)).length === 0;
    },
    60_000,
    200,
  );
}
