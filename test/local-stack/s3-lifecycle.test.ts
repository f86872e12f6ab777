/**
 * S3 lifecycle rules in the local stack, through the AWS SDK: PutBucketLifecycleConfiguration (checked as S3 checks
 * it), GetBucketLifecycleConfiguration, DeleteBucketLifecycle; the rules applied when the stack starts and as of
 * any time (the engine's evaluate, what POST /_local/s3-lifecycle calls), without waiting days.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ProviderStack, s3Client } from '../support/stack';

const DAY = 86_400_000;
const BUCKET = 'lifecycle';

const RULES: LifecycleRule[] = [
  { ID: 'old-runs', Status: 'Enabled', Filter: { Prefix: 'prepared/' }, Expiration: { Days: 30 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
  { ID: 'noncurrent', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 7 }, Expiration: { ExpiredObjectDeleteMarker: true } },
  { ID: 'uploads', Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } },
  { ID: 'off', Status: 'Disabled', Filter: { Prefix: 'labeled/' }, Expiration: { Days: 1 } },
];

describe('S3 lifecycle rules', () => {
  let stack: ProviderStack;
  let s3: S3Client;

  beforeEach(async () => {
    stack = await ProviderStack.start();
    s3 = s3Client(stack.url);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  });
  afterEach(async () => {
    s3.destroy();
    await stack.stop();
  });

  const versions = async () => {
    const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    return {
      objects: (listing.Versions ?? []).map((version) => `${version.Key}${version.IsLatest ? '' : ' (noncurrent)'}`).sort(),
      markers: (listing.DeleteMarkers ?? []).map((marker) => marker.Key).sort(),
    };
  };

  it('puts, gets and deletes a configuration, and refuses one S3 would refuse with its error', async () => {
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: { Rules: RULES } }));
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }));
    expect(got.Rules?.map((rule) => [rule.ID, rule.Status, rule.Expiration?.Days, rule.NoncurrentVersionExpiration?.NoncurrentDays])).toEqual([
      ['old-runs', 'Enabled', 30, 1],
      ['noncurrent', 'Enabled', undefined, 7],
      ['uploads', 'Enabled', undefined, undefined],
      ['off', 'Disabled', 1, undefined],
    ]);

    const refused = async (rules: LifecycleRule[]) =>
      s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: { Rules: rules } })).then(
        () => 'accepted',
        (error: Error) => `${error.name}: ${error.message}`,
      );
    expect(await refused([{ ID: 'a', Status: 'Enabled', Filter: { Prefix: '' } }])).toMatch(/^InvalidArgument: At least one action/);
    expect(await refused([{ ID: 'a', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 0 } }])).toMatch(/^InvalidArgument: 'Days' must be a positive integer/);
    expect(await refused([RULES[0]!, { ...RULES[1]!, ID: 'old-runs' }])).toMatch(/^InvalidArgument: Rule ID must be unique/);
    // the configuration put before is still the one in force
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }))).Rules).toHaveLength(4);

    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: BUCKET }));
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'NoSuchLifecycleConfiguration' });
  });

  it('expires current, noncurrent and delete markers and aborts old uploads when they are due, no earlier', async () => {
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: { Rules: RULES } }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'prepared/run-1/train.txt', Body: 'old run' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'labeled/a.csv', Body: 'v1' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'labeled/a.csv', Body: 'v2' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'incoming/gone.csv', Body: 'dropped' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'incoming/gone.csv' }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'incoming/big.csv' }));
    const now = Date.now();

    // a day later: nothing is due yet
    await expect(stack.s3.lifecycle.evaluate(new Date(now + DAY))).resolves.toMatchObject({ expired: 0, deletedVersions: 0, abortedUploads: 0 });
    // three days: the upload is aborted
    await expect(stack.s3.lifecycle.evaluate(new Date(now + 3 * DAY))).resolves.toMatchObject({ abortedUploads: 1, byRule: { 'lifecycle/uploads': 1 } });
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []).toEqual([]);
    // eight days: the noncurrent versions go; the delete marker over the dropped file is then alone, and goes too
    const week = await stack.s3.lifecycle.evaluate(new Date(now + 8 * DAY));
    expect(week).toMatchObject({ expired: 0, deletedVersions: 3, byRule: { 'lifecycle/noncurrent': 3 } });
    expect(await versions()).toEqual({ objects: ['labeled/a.csv', 'prepared/run-1/train.txt'], markers: [] });
    // a month: the old run expires (a delete marker over it, in a versioned bucket); the disabled rule did nothing
    await expect(stack.s3.lifecycle.evaluate(new Date(now + 31 * DAY))).resolves.toMatchObject({ expired: 1, byRule: { 'lifecycle/old-runs': 1 } });
    expect(await versions()).toEqual({ objects: ['labeled/a.csv', 'prepared/run-1/train.txt (noncurrent)'], markers: ['prepared/run-1/train.txt'] });
    expect(stack.publisher.ofType('Object Deleted')).toEqual([]); // the test bucket has no EventBridge notifications
  });

  it('applies the rules when the stack starts', async () => {
    await s3.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: BUCKET,
      LifecycleConfiguration: { Rules: [{ ID: 'all', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Date: new Date('2020-01-01T00:00:00Z') } }] },
    }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'any.txt', Body: 'x' }));
    s3.destroy();
    await stack.restart();
    s3 = s3Client(stack.url);
    expect(await versions()).toEqual({ objects: ['any.txt (noncurrent)'], markers: ['any.txt'] });
  });
});
