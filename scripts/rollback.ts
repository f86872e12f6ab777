/**
 * `npm run rollback -- --stage <stage> [--to <version>] [--reason "..."] [--no-wait]`: puts the previous approved
 * version (or the one named) back in service through the registry (scripts/lib/operate/rollback.ts), then waits until
 * the endpoint serves it.
 */
import '../local-stack/src/cli/warnings';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { defineCommand, integerOption, parseCommandLine } from './lib/cli';
import { applyRollback, planRollback, waitForServing } from './lib/operate/rollback';
import { resolveStageTarget, runOperatorCommand, STAGE_OPTIONS } from './lib/operate/stage-target';

const COMMAND = defineCommand({
  usage: 'npm run rollback -- --stage <stage> [--to <version>] [--reason "<why>"] [--no-wait]',
  summary:
    'Puts the previous approved model version back in service (or the version --to names), through the registry: the version serving ' +
    'now is set Rejected, the other Approved, and the deployment deploys it as any approval; email "Model rolled back". Waits until the ' +
    'endpoint serves it.',
  options: {
    ...STAGE_OPTIONS,
    to: { type: 'string', value: 'version', description: 'the version to put back (npm run models lists them; default: the previous approved one)' },
    reason: { type: 'string', value: 'text', default: '', description: 'why, recorded in both versions and the email' },
    'no-wait': { type: 'boolean', default: false, description: 'return once the registry is updated' },
    'timeout-seconds': { type: 'string', value: 's', default: '900', description: 'how long to wait for the endpoint (AWS takes minutes)' },
  },
});

runOperatorCommand('rollback', async () => {
  const { values } = parseCommandLine(COMMAND);
  const to = values.to === undefined ? undefined : integerOption(COMMAND, 'to', values.to, { min: 1 });
  const timeoutSeconds = integerOption(COMMAND, 'timeout-seconds', values['timeout-seconds'], { min: 1 });
  const target = await resolveStageTarget(values.stage, values.region);
  const sagemaker = new SageMakerClient(target.clientConfig);
  const plan = await planRollback({ sagemaker, s3: new S3Client(target.clientConfig) }, target.stage, to);
  const started = Date.now();
  console.log(`rolling ${plan.models.endpointName} on ${target.where} back from ${plan.from ? `version ${plan.from.version}` : 'no version'} to version ${plan.to.version} (run ${plan.to.runId})`);
  await applyRollback(sagemaker, plan, values.reason);
  console.log(`registry updated: version ${plan.to.version} Approved${plan.from ? `, version ${plan.from.version} Rejected` : ''}`);
  if (values['no-wait'] || !plan.to.trainingJob) return;
  const waited = await waitForServing(sagemaker, plan.models.endpointName, plan.to.trainingJob, timeoutSeconds * 1000, (status) => console.log(`  endpoint ${status}`));
  console.log(`${plan.models.endpointName} serves version ${plan.to.version} again, ${((Date.now() - started) / 1000).toFixed(2)} s after the rollback started (${(waited / 1000).toFixed(2)} s waiting)`);
});
