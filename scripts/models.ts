/**
 * `npm run models -- --stage <stage> [--region <region>] [--json]`: the stage's model versions (its registry group),
 * newest first, with status, test accuracy, macro-F1, run id, date, and which one the endpoint serves.
 */
import '../local-stack/src/cli/warnings';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { defineCommand, parseCommandLine } from './lib/cli';
import { resolveStageTarget, runOperatorCommand, STAGE_OPTIONS } from './lib/operate/stage-target';
import { formatVersions, stageModels } from './lib/operate/versions';

const COMMAND = defineCommand({
  usage: 'npm run models -- --stage <stage> [--region <region>] [--json]',
  summary:
    "The stage's model versions (SageMaker model package group ml-pipeline-<stage>-models), newest first: status, test accuracy, " +
    'macro-F1, run id, date; * marks the one the endpoint serves. Stage local reads the running local stack; another stage reads AWS.',
  options: {
    ...STAGE_OPTIONS,
    json: { type: 'boolean', default: false, description: 'print the versions as JSON' },
  },
});

runOperatorCommand('models', async () => {
  const { values } = parseCommandLine(COMMAND);
  const target = await resolveStageTarget(values.stage, values.region);
  const models = await stageModels(new SageMakerClient(target.clientConfig), target.stage);
  if (values.json) {
    console.log(JSON.stringify(models, null, 2));
    return;
  }
  console.log(`${models.group} on ${target.where}: ${models.versions.length} version(s); endpoint ${models.endpointName} ${models.endpointStatus ?? 'does not exist'}`);
  if (models.versions.length > 0) console.log(formatVersions(models));
  if (models.endpointStatus && !models.versions.some((v) => v.serving)) console.log(`(the endpoint serves ${models.servingConfig ?? 'nothing'}, which is no registry version)`);
});
