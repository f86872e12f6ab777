/**
 * The real AWS CLI v2 against the local server: S3 (including a 20 MB multipart round trip), STS,
 * SES v2. Skipped when /usr/bin/aws is not installed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestStack, type TestStack } from './server-harness';

const AWS_CLI = '/usr/bin/aws';
const cliInstalled = existsSync(AWS_CLI);
const describeWithCli = cliInstalled ? describe : describe.skip;
if (!cliInstalled) console.warn(`Skipping the AWS CLI tests: ${AWS_CLI} is not installed (Debian package awscli).`);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describeWithCli('AWS CLI v2 against the local server', () => {
  let stack: TestStack;
  let workDir: string;

  /**
   * `--endpoint-url` as well as AWS_ENDPOINT_URL: CLI releases before 2.13 (Debian 12 ships 2.9)
   * ignore the environment variable.
   */
  function aws(...args: string[]): Promise<CliResult> {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workDir,
      LANG: 'C.UTF-8',
      AWS_ENDPOINT_URL: stack.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(workDir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    };
    return new Promise((resolve) => {
      execFile(AWS_CLI, ['--endpoint-url', stack.url, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  async function awsOk(...args: string[]): Promise<string> {
    const result = await aws(...args);
    if (result.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  beforeAll(async () => {
    stack = await startTestStack();
    workDir = await mkdtemp(join(tmpdir(), 'aws-cli-'));
  });
  afterAll(async () => {
    await stack.close();
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
