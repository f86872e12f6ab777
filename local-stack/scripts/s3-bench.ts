/**
 * S3 provider latency and throughput on loopback, through the AWS SDK v3:
 * 1 KB PutObject / GetObject p50 and p95, 20 MB multipart upload (lib-storage) and download.
 *
 *     npx tsx local-stack/scripts/s3-bench.ts [iterations]
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineCommand, integerOption, parseCommandLine } from '../../scripts/lib/cli';
import { createLocalServer } from '../src/core/server';
import { S3Provider } from '../src/providers/s3';

const COMMAND = defineCommand({
  usage: 'npm run bench:s3 -- [iterations]',
  summary: 'S3 provider latency and throughput on loopback: 1 KB PutObject / GetObject p50 and p95, 20 MB multipart upload and download.',
  arguments: { name: 'iterations', description: 'small puts and gets timed (default 500)', max: 1 },
  options: {},
});

const MiB = 1024 * 1024;

function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const iterations = integerOption(COMMAND, 'iterations', parseCommandLine(COMMAND).positionals[0] ?? '500', { min: 1 });
  const stateDir = await mkdtemp(join(tmpdir(), 's3-bench-'));
  const server = await createLocalServer({ port: 0, providers: [new S3Provider({ stateDir })] });
  const s3 = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const Bucket = 'bench';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const small = randomBytes(1024);
    for (let index = 0; index < 50; index += 1) {
      await s3.send(new PutObjectCommand({ Bucket, Key: `warm/${index}`, Body: small }));
    }

    const puts: number[] = [];
    const gets: number[] = [];
    for (let index = 0; index < iterations; index += 1) {
      const Key = `small/${index}`;
      puts.push(await timed(() => s3.send(new PutObjectCommand({ Bucket, Key, Body: small }))));
      gets.push(
        await timed(async () => {
          const response = await s3.send(new GetObjectCommand({ Bucket, Key }));
          await response.Body?.transformToByteArray();
        }),
      );
    }

    const large = randomBytes(20 * MiB);
    const uploadMs = await timed(() =>
      new Upload({ client: s3, params: { Bucket, Key: 'large/20mb.bin', Body: large }, partSize: 5 * MiB, queueSize: 4 }).done(),
    );
    let downloaded = 0;
    const downloadMs = await timed(async () => {
      const response = await s3.send(new GetObjectCommand({ Bucket, Key: 'large/20mb.bin' }));
      downloaded = (await response.Body?.transformToByteArray())?.length ?? 0;
    });
    if (downloaded !== large.length) throw new Error(`downloaded ${downloaded} bytes, expected ${large.length}`);

    const format = (ms: number): string => `${ms.toFixed(2)} ms`;
    console.log(`1 KB PutObject (${iterations}x): p50 ${format(percentile(puts, 0.5))}, p95 ${format(percentile(puts, 0.95))}`);
    console.log(`1 KB GetObject (${iterations}x): p50 ${format(percentile(gets, 0.5))}, p95 ${format(percentile(gets, 0.95))}`);
    console.log(`20 MB multipart upload (4 x 5 MiB parts, 4 in flight): ${format(uploadMs)}, ${(20 / (uploadMs / 1000)).toFixed(0)} MiB/s`);
    console.log(`20 MB GetObject: ${format(downloadMs)}, ${(20 / (downloadMs / 1000)).toFixed(0)} MiB/s`);
  } finally {
    s3.destroy();
    await server.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
