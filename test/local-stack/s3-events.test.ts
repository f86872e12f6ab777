import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { readFully } from '../../local-stack/src/core/request-body';
import { clientsOf, useProviderStack } from '../support/stack';

describe('S3 EventBridge notifications and the in-process ObjectStore', () => {
  const stack = useProviderStack();
  const { s3 } = clientsOf(stack);
  const Bucket = 'events-on';

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    await s3.send(new CreateBucketCommand({ Bucket: 'events-off' }));
  });
  beforeEach(() => {
    stack.publisher.events.length = 0;
  });

  it('publishes Object Created for PutObject in AWS format', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'incoming/drop 1.csv', Body: 'a,b,c' }));
    expect(stack.publisher.events).toHaveLength(1);
    const event = stack.publisher.events[0];
    expect(event).toMatchObject({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      account: '000000000000',
      region: 'us-east-1',
      resources: [`arn:aws:s3:::${Bucket}`],
      detail: {
        version: '0',
        bucket: { name: Bucket },
        object: { key: 'incoming/drop 1.csv', size: 5, etag: createHash('md5').update('a,b,c').digest('hex') },
        'request-id': put.$metadata.requestId,
        requester: '000000000000',
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    });
    expect(event?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const object = (event?.detail as { object: Record<string, unknown> }).object;
    expect(object.sequencer).toMatch(/^[0-9A-F]{18}$/);
    expect(object).not.toHaveProperty('version-id');
  });

  it('orders sequencers of successive writes to a key', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'seq', Body: '1' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'seq', Body: '2' }));
    const [first, second] = stack.publisher.events.map((event) => (event.detail as { object: { sequencer: string } }).object.sequencer);
    expect((second as string) > (first as string)).toBe(true);
  });

  it('publishes for CopyObject and CompleteMultipartUpload with their reasons', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'events-off', Key: 'src', Body: 'copy' }));
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'copied', CopySource: 'events-off/src' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'multi' }));
    const part = await s3.send(new UploadPartCommand({ Bucket, Key: 'multi', UploadId, PartNumber: 1, Body: 'only part' }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key: 'multi', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(stack.publisher.events.map((event) => [(event.detail as { reason: string }).reason, (event.detail as { object: { key: string; etag: string } }).object.key])).toEqual([
      ['CopyObject', 'copied'],
      ['CompleteMultipartUpload', 'multi'],
    ]);
    const multipartEtag = (stack.publisher.events[1]?.detail as { object: { etag: string } }).object.etag;
    expect(multipartEtag).toMatch(/^[0-9a-f]{32}-1$/);
  });

  it('publishes Object Deleted for DeleteObject and DeleteObjects', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'gone-1', Body: '1' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'gone-2', Body: '2' }));
    stack.publisher.events.length = 0;
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'gone-1' }));
    await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'gone-2' }, { Key: 'never-existed' }] } }));
    const deleted = stack.publisher.ofType('Object Deleted');
    expect(deleted.map((event) => (event.detail as { object: { key: string } }).object.key)).toEqual(['gone-1', 'gone-2']);
    expect(deleted[0]?.detail).toMatchObject({ reason: 'DeleteObject', 'deletion-type': 'Permanently Deleted' });
  });

  it('reports version ids and delete markers in versioned buckets', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'events-versioned' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'events-versioned', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'events-versioned', NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'events-versioned', Key: 'k', Body: 'v' }));
    const removed = await s3.send(new DeleteObjectCommand({ Bucket: 'events-versioned', Key: 'k' }));
    const [created, deleted] = stack.publisher.events;
    expect(created?.detail).toMatchObject({ object: { key: 'k', 'version-id': put.VersionId } });
    expect(deleted?.detail).toMatchObject({ object: { key: 'k', 'version-id': removed.VersionId }, 'deletion-type': 'Delete Marker Created' });
  });

  it('publishes nothing for buckets without EventBridge notifications, or after they are turned off', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'events-off', Key: 'quiet', Body: 'x' }));
    expect(stack.publisher.events).toEqual([]);
    await s3.send(new CreateBucketCommand({ Bucket: 'events-toggled' }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'events-toggled', NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'events-toggled', NotificationConfiguration: {} }));
    await s3.send(new PutObjectCommand({ Bucket: 'events-toggled', Key: 'quiet', Body: 'x' }));
    expect(stack.publisher.events).toEqual([]);
  });

  it('does not publish when a conditional write is refused', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'once', Body: '1', IfNoneMatch: '*' }));
    await expect(s3.send(new PutObjectCommand({ Bucket, Key: 'once', Body: '2', IfNoneMatch: '*' }))).rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect(stack.publisher.events).toHaveLength(1);
  });

  describe('ObjectStore', () => {
    it('writes like PutObject (with the event) and reads back by stream and by path', async () => {
      const { etag } = await stack.s3.writeObject(Bucket, 'models/job-1/output/model.tar.gz', Buffer.from('model bytes'));
      expect(etag).toBe(`"${createHash('md5').update('model bytes').digest('hex')}"`);
      expect(stack.publisher.events.at(-1)).toMatchObject({
        'detail-type': 'Object Created',
        detail: { object: { key: 'models/job-1/output/model.tar.gz', size: 11 }, reason: 'PutObject' },
      });
      await stack.s3.writeObject(Bucket, 'models/job-1/output/metrics.json', Readable.from([Buffer.from('{"acc":'), Buffer.from('0.9}')]));

      expect(await stack.s3.listKeys(Bucket, 'models/job-1/')).toEqual(['models/job-1/output/metrics.json', 'models/job-1/output/model.tar.gz']);
      expect((await readFully(await stack.s3.readObject(Bucket, 'models/job-1/output/metrics.json'))).toString()).toBe('{"acc":0.9}');
      expect(await readFile(await stack.s3.objectPath(Bucket, 'models/job-1/output/model.tar.gz'), 'utf8')).toBe('model bytes');
    });

    it('throws NoSuchBucket and NoSuchKey as AwsErrors', async () => {
      await expect(stack.s3.listKeys('no-such-bucket', '')).rejects.toMatchObject({ code: 'NoSuchBucket', status: 404 });
      await expect(stack.s3.readObject(Bucket, 'no/such/key')).rejects.toMatchObject({ code: 'NoSuchKey', status: 404 });
      await expect(stack.s3.objectPath(Bucket, 'no/such/key')).rejects.toMatchObject({ code: 'NoSuchKey' });
      await expect(stack.s3.writeObject('no-such-bucket', 'k', Buffer.from('x'))).rejects.toMatchObject({ code: 'NoSuchBucket' });
    });
  });
});
