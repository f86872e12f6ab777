/**
 * A real AWS CLI (v1 or v2, test/support/aws-cli.ts) against the local server: S3 (including a 20 MB
 * multipart round trip), STS, SES v2. SQS, EventBridge and Glue, against a stack with the services
 * deployed, are in stack-cli.test.ts; SageMaker in sagemaker-cli.test.ts. Skipped without a CLI.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AwsCli, describeWithCli } from '../support/aws-cli';
import { useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';

describeWithCli('AWS CLI against the local server', () => {
  const stack = useProviderStack();
  let workDir: string;
  let cli: AwsCli;
  const aws = (...args: string[]) => cli.run(...args);
  const awsOk = (...args: string[]) => cli.ok(...args);

  beforeAll(async () => {
    workDir = temporaryDirectory('aws-cli').dir;
    cli = new AwsCli(() => stack.url, workDir);
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('makes a bucket, copies 20 MB up and down (multipart) byte for byte, lists, heads and removes', async () => {
    await awsOk('s3', 'mb', 's3://cli-bucket');
    await awsOk('s3api', 'put-bucket-notification-configuration', '--bucket', 'cli-bucket', '--notification-configuration', '{"EventBridgeConfiguration":{}}');
    const original = randomBytes(20 * 1024 * 1024);
    const upload = join(workDir, 'upload.bin');
    const download = join(workDir, 'download.bin');
    await writeFile(upload, original);

    await awsOk('s3', 'cp', upload, 's3://cli-bucket/data/train.bin', '--no-progress');
    await awsOk('s3', 'cp', 's3://cli-bucket/data/train.bin', download, '--no-progress');
    expect((await readFile(download)).equals(original)).toBe(true);

    const created = stack.publisher.ofType('Object Created').at(-1);
    expect(created?.detail).toMatchObject({ object: { key: 'data/train.bin', size: original.length }, reason: 'CompleteMultipartUpload' });

    expect(await awsOk('s3', 'ls', 's3://cli-bucket/')).toMatch(/PRE data\//);
    expect(await awsOk('s3', 'ls', 's3://cli-bucket/', '--recursive')).toMatch(/20971520 data\/train\.bin/);
    expect(await awsOk('s3', 'ls')).toMatch(/cli-bucket/);

    const head = JSON.parse(await awsOk('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'data/train.bin'));
    expect(head.ContentLength).toBe(original.length);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-\d+"$/);

    const listed = JSON.parse(await awsOk('s3api', 'list-objects-v2', '--bucket', 'cli-bucket', '--prefix', 'data/'));
    expect(listed.Contents.map((item: { Key: string }) => item.Key)).toEqual(['data/train.bin']);

    await awsOk('s3', 'rm', 's3://cli-bucket/data/train.bin');
    const afterRemove = await aws('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'data/train.bin');
    expect(afterRemove.code).not.toBe(0);
    expect(afterRemove.stderr).toMatch(/404|Not Found/);
  }, 90_000);

  it('reports a missing bucket as an error', async () => {
    const result = await aws('s3', 'ls', 's3://no-such-bucket-here');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('NoSuchBucket');
  }, 30_000);

  it('answers sts get-caller-identity', async () => {
    expect(JSON.parse(await awsOk('sts', 'get-caller-identity'))).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' });
  }, 30_000);

  it('sends an email with sesv2 send-email into the mail directory', async () => {
    const output = await awsOk(
      'sesv2',
      'send-email',
      '--from-email-address',
      'pipeline@example.com',
      '--destination',
      'ToAddresses=ops@example.com',
      '--content',
      JSON.stringify({ Simple: { Subject: { Data: '[local] Model deployed: ep-1' }, Body: { Text: { Data: 'accuracy 0.91' } } } }),
    );
    const { MessageId } = JSON.parse(output) as { MessageId: string };
    const files = await readdir(stack.mailDir);
    const file = files.find((name) => name.endsWith(`-${MessageId}.eml`));
    expect(file).toBeDefined();
    const message = await readFile(join(stack.mailDir, file as string), 'utf8');
    expect(message).toContain('Subject: [local] Model deployed: ep-1');
    expect(message).toContain('accuracy 0.91');
  }, 30_000);
});
