/**
 * `npm run teardown -- --stage <stage> [--yes] [--delete-data]`: says what it will delete and keep, asks, then
 * removes the stage's endpoint, its configs and models, and the four stacks (scripts/lib/operate/teardown.ts).
 */
import '../local-stack/src/cli/warnings';
import { createInterface } from 'node:readline/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { defineCommand, parseCommandLine } from './lib/cli';
import { OperatorError, resolveStageTarget, runOperatorCommand } from './lib/operate/stage-target';
import { describePlan, executeTeardown, planTeardown } from './lib/operate/teardown';

const COMMAND = defineCommand({
  usage: 'npm run teardown -- --stage <stage> [--region <region>] [--yes] [--delete-data]',
  summary:
    "Removes what the stage created: the endpoint, its configs and models, then the four stacks. Keeps the data bucket (the corpus) " +
    'and the model registry unless --delete-data. Says what it will delete and asks first; --yes answers for a script.',
  options: {
    stage: { type: 'string', value: 'stage', description: 'the stage (local: the running local stack)' },
    region: { type: 'string', value: 'region', description: "AWS's region for another stage (default AWS_REGION or the profile's)" },
    yes: { type: 'boolean', default: false, description: 'delete without asking' },
    'delete-data': { type: 'boolean', default: false, description: "also delete the data bucket and the registry (asks for the bucket's name, even with --yes on a terminal)" },
  },
});

runOperatorCommand('teardown', async () => {
  const { values } = parseCommandLine(COMMAND);
  if (!values.stage) throw new OperatorError('name the stage to tear down: --stage <stage> (local for the running local stack)');
  const target = await resolveStageTarget(values.stage, values.region);
  const clients = {
    sagemaker: new SageMakerClient(target.clientConfig),
    s3: new S3Client(target.clientConfig),
    cloudformation: new CloudFormationClient(target.clientConfig),
  };
  const plan = await planTeardown(clients, target, values['delete-data']);
  console.log(`On ${target.where}:`);
  for (const line of describePlan(plan)) console.log(line);

  const interactive = process.stdin.isTTY === true;
  if (!values.yes && !interactive) {
    throw new OperatorError('nothing deleted: there is no terminal to ask on; pass --yes to delete without asking');
  }
  if (interactive && (!values.yes || values['delete-data'])) {
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    try {
      if (!values.yes && !/^y(es)?$/i.test((await prompt.question('Delete all this? [y/N] ')).trim())) throw new OperatorError('nothing deleted');
      if (values['delete-data'] && plan.dataBucket.exists) {
        const typed = (await prompt.question(`Type the data bucket's name (${plan.dataBucket.name}) to delete it and the corpus: `)).trim();
        if (typed !== plan.dataBucket.name) throw new OperatorError(`nothing deleted: "${typed}" is not ${plan.dataBucket.name}`);
      }
    } finally {
      prompt.close();
    }
  } else if (values['delete-data'] && plan.dataBucket.exists && process.env.TEARDOWN_CONFIRM_BUCKET !== plan.dataBucket.name) {
    // A script deleting the corpus names the bucket too.
    throw new OperatorError(`nothing deleted: --delete-data without a terminal needs TEARDOWN_CONFIRM_BUCKET=${plan.dataBucket.name}`);
  }
  await executeTeardown(clients, plan, (line) => console.log(line));
  console.log(`stage ${plan.stage} torn down${plan.deleteData ? '' : `; kept ${plan.dataBucket.name} and ${plan.registry.group}`}`);
});
