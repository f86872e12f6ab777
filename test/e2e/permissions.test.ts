/**
 * IAM from the templates, end to end: the training service's template as deployed, with one permission
 * taken away (the SageMaker execution role's s3:GetObject on prepared/), deployed again through the
 * stack's CloudFormation (UpdateStack, as `serverless deploy` would). The next drop preprocesses, its
 * training job is refused its channel by S3 as that role, and the run ends in a `Pipeline failed` email
 * naming the refused action.
 */
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { localCredentials, useDeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';
import { classesFile, drop, runIdOf, SUBJECT, syntheticCsv, waitForLabeled } from './support';

const e2e = useDeployedStack('permissions.test.ts');
const TRAINING_STACK = 'ml-pipeline-training-local';

interface Statement {
  Sid?: string;
  Resource: unknown;
}
type Template = { Resources: Record<string, { Type: string; Properties: { Policies?: Array<{ PolicyDocument: { Statement: Statement[] } }> } }> };

describe('a permission taken away from a role', () => {
  it("ends the run in a Pipeline failed email naming the refused action when the training role may no longer read prepared/", async () => {
    const cloudformation = new CloudFormationClient({ endpoint: e2e.info.endpoint, region: e2e.info.region, credentials: localCredentials });
    try {
      const template = JSON.parse((await cloudformation.send(new GetTemplateCommand({ StackName: TRAINING_STACK }))).TemplateBody!) as Template;
      const role = template.Resources.TrainingExecutionRole!;
      const statements = role.Properties.Policies![0]!.PolicyDocument.Statement;
      const read = statements.find((statement) => statement.Sid === 'ReadPreparedData')!;
      // Keep the checkpoints: only prepared/ goes.
      const resources = read.Resource as unknown[];
      expect(resources).toHaveLength(2);
      read.Resource = resources.filter((resource) => !JSON.stringify(resource).includes('/prepared/*'));
      expect(read.Resource).toHaveLength(1);

      const deployed = (await cloudformation.send(new DescribeStacksCommand({ StackName: TRAINING_STACK }))).Stacks![0]!;
      await cloudformation.send(
        new UpdateStackCommand({
          StackName: TRAINING_STACK,
          TemplateBody: JSON.stringify(template),
          Parameters: (deployed.Parameters ?? []).map((parameter) => ({ ParameterKey: parameter.ParameterKey, UsePreviousValue: true })),
          Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
        }),
      );
      await waitFor('the training stack to update', async () => {
        const status = (await cloudformation.send(new DescribeStacksCommand({ StackName: TRAINING_STACK }))).Stacks![0]!.StackStatus!;
        if (status.endsWith('_FAILED') || status.includes('ROLLBACK')) throw new Error(`the update ended ${status}`);
        return status === 'UPDATE_COMPLETE';
      }, 60_000);
    } finally {
      cloudformation.destroy();
    }

    const seen = e2e.mail.mark();
    await drop(e2e, 'dbpedia/classes.txt', classesFile());
    await waitForLabeled(e2e, 'dbpedia/classes.txt');
    await drop(e2e, 'dbpedia/part-1.csv', syntheticCsv({ rows: 2_000, seed: 7 }));
    const mail = await e2e.mail.next(SUBJECT['Pipeline Failed'], seen, 120_000);
    const runId = runIdOf(mail);
    expect(mail.subject).toBe(`[local] Pipeline failed: training of run ${runId}`);
    expect(mail.text).toMatch(/Failed step:\s+training/);
    expect(mail.text).toMatch(/State:\s+Failed/);
    // S3's refusal as SageMaker reports it, naming the role's session and the action.
    expect(mail.text).toMatch(
      new RegExp(
        `Reason:\\s+ClientError: Channel 'train': cannot read s3://${e2e.info.dataBucket}/prepared/${runId}/\\S*: User: arn:aws:sts::000000000000:assumed-role/ml-pipeline-training-local-TrainingExecutionRole-\\w+/SageMaker is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${e2e.info.dataBucket}/prepared/${runId}/`,
      ),
    );
    // Nothing else was sent for the run (no Model deployed).
    expect(e2e.mail.all().filter((other) => !seen.has(other.file)).map((other) => other.subject)).toEqual([mail.subject]);
  }, 240_000);
});
