/** Tags given at creation and by AddTags, read back by ListTags, and kept across a restart. */
import { AddTagsCommand, CreateModelCommand, DeleteTagsCommand, ListTagsCommand } from '@aws-sdk/client-sagemaker';
import { BLAZINGTEXT_IMAGE, ROLE_ARN, useSageMakerRole } from './sagemaker-harness';
import { useProviderStack } from '../support/stack';

describe('SageMaker tags', () => {
  const stack = useProviderStack();
  useSageMakerRole(stack);

  it('keeps the tags of CreateModel and AddTags, lists them, deletes them, and survives a restart', async () => {
    const { ModelArn } = await stack.client.sagemaker.send(
      new CreateModelCommand({
        ModelName: 'tagged-model',
        ExecutionRoleArn: ROLE_ARN,
        PrimaryContainer: { Image: BLAZINGTEXT_IMAGE, ModelDataUrl: 's3://bucket/model.tar.gz' },
        Tags: [{ Key: 'runId', Value: 'r1' }],
      }),
    );
    await stack.client.sagemaker.send(new AddTagsCommand({ ResourceArn: ModelArn, Tags: [{ Key: 'replaces', Value: 'old-model' }] }));
    const listed = await stack.client.sagemaker.send(new ListTagsCommand({ ResourceArn: ModelArn }));
    expect(listed.Tags).toEqual([
      { Key: 'runId', Value: 'r1' },
      { Key: 'replaces', Value: 'old-model' },
    ]);
    await stack.client.sagemaker.send(new DeleteTagsCommand({ ResourceArn: ModelArn, TagKeys: ['replaces'] }));
    await stack.restart();
    const afterRestart = await stack.client.sagemaker.send(new ListTagsCommand({ ResourceArn: ModelArn }));
    expect(afterRestart.Tags).toEqual([{ Key: 'runId', Value: 'r1' }]);
  });

  it('refuses a malformed ARN and an empty key', async () => {
    await expect(stack.client.sagemaker.send(new ListTagsCommand({ ResourceArn: 'not-an-arn' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      stack.client.sagemaker.send(new AddTagsCommand({ ResourceArn: 'arn:aws:sagemaker:us-east-1:000000000000:model/x', Tags: [{ Key: '', Value: 'v' }] })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
