import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { readManifest, runOutputOf } from './manifest';
import { findObject, listObjects, objectExists, readText } from './s3';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });
const text = (value: string) => ({ Body: { transformToString: async () => value } as never });

beforeEach(() => s3.reset());

describe('S3 helpers', () => {
  it('find a key by listing it, not by a longer key it prefixes', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'prepared/r1/manifest.json' }).resolves({ Contents: [{ Key: 'prepared/r1/manifest.json', Size: 7, ETag: '"e"' }] });
    s3.on(ListObjectsV2Command, { Prefix: 'labeled/a.csv' }).resolves({ Contents: [{ Key: 'labeled/a.csv.gz', Size: 1 }] });
    await expect(findObject(client, 'b', 'prepared/r1/manifest.json')).resolves.toEqual({
      key: 'prepared/r1/manifest.json',
      size: 7,
      etag: '"e"',
      lastModified: undefined,
    });
    await expect(objectExists(client, 'b', 'labeled/a.csv')).resolves.toBe(false);
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: 'b', Prefix: 'labeled/a.csv', MaxKeys: 1 });
  });

  it('list every page of a prefix', async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({ Contents: [{ Key: 'a' }], IsTruncated: true, NextContinuationToken: 't' });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't' }).resolves({ Contents: [{ Key: 'b' }], IsTruncated: false });
    expect((await listObjects(client, 'b', 'labeled/')).map((object) => object.key)).toEqual(['a', 'b']);
  });

  it('read an object as text', async () => {
    s3.on(GetObjectCommand, { Bucket: 'b', Key: 'k' }).resolves(text('héllo'));
    await expect(readText(client, 'b', 'k')).resolves.toBe('héllo');
  });
});

describe('readManifest', () => {
  const location = runOutputOf('s3://b/prepared/r1').manifest;

  it('finds the manifest beside the run output', () => {
    expect(runOutputOf('s3://b/prepared/r1')).toEqual({ bucket: 'b', prefix: 'prepared/r1/', manifest: { bucket: 'b', key: 'prepared/r1/manifest.json' } });
    expect(runOutputOf('s3://b/prepared/r1/').manifest).toEqual(location);
  });

  it('reads it, says it is missing, or says what is wrong with it', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    await expect(readManifest(client, location)).resolves.toEqual({ status: 'missing', uri: 's3://b/prepared/r1/manifest.json' });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);

    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: location.key }] });
    s3.on(GetObjectCommand).resolves(text('{"run_id": "r1", "rows": {"train": 1, "validation": 0, "test": 0}, "labels": {}}'));
    await expect(readManifest(client, location)).resolves.toMatchObject({ status: 'read', manifest: { run_id: 'r1', sources: [] } });

    s3.on(GetObjectCommand).resolves(text('{"run_id": "r1"'));
    await expect(readManifest(client, location)).resolves.toMatchObject({ status: 'unreadable', reason: expect.stringMatching(/not JSON/) });
  });

  it('throws what S3 answers besides "missing"', async () => {
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(readManifest(client, location)).rejects.toThrow('Access Denied');
  });
});
