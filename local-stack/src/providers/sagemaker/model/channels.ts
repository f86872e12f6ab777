/**
 * Input channels in File mode: every object under the channel's S3 prefix, staged as one local
 * file per channel (SageMaker's /opt/ml/input/data/<channel>/). A single uncompressed object is
 * hard-linked (no copy, and immune to the object being replaced meanwhile); several (or gzipped
 * ones) are concatenated in key order, each ending with a newline.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { concatenateInto } from '../../../core/concatenate';
import type { ObjectStore } from '../../../core/types';
import { AwsError } from '../../../core/types';
import { parseS3Uri } from './names';
import { ClientError } from './hyperparameters';

export const BLAZINGTEXT_CHANNELS = ['train', 'validation'] as const;
export type ChannelName = (typeof BLAZINGTEXT_CHANNELS)[number];

export interface ChannelConfig {
  ChannelName: string;
  DataSource: { S3DataSource?: { S3DataType: string; S3Uri: string }; FileSystemDataSource?: unknown };
  CompressionType?: string;
  InputMode?: string;
}

export interface StagedChannel {
  name: ChannelName;
  file: string;
  objects: number;
  bytes: number;
}

/** Checks the channels BlazingText accepts (before anything is downloaded). */
export function checkChannels(channels: readonly ChannelConfig[], jobInputMode: string): void {
  const names = channels.map((channel) => channel.ChannelName);
  const unexpected = names.filter((name) => !(BLAZINGTEXT_CHANNELS as readonly string[]).includes(name));
  if (unexpected.length > 0) {
    throw new ClientError(`Unsupported channel(s) ${unexpected.map((n) => `'${n}'`).join(', ')}: BlazingText supervised mode takes 'train' and 'validation'`);
  }
  if (!names.includes('train')) throw new ClientError("The 'train' channel is required");
  for (const channel of channels) {
    const mode = channel.InputMode ?? jobInputMode;
    if (mode === 'Pipe') throw new ClientError(`Channel '${channel.ChannelName}': Pipe input mode is not supported by the local BlazingText (use File)`);
    const source = channel.DataSource.S3DataSource;
    if (source === undefined) throw new ClientError(`Channel '${channel.ChannelName}': only S3 data sources are supported`);
    if (source.S3DataType !== 'S3Prefix') {
      throw new ClientError(`Channel '${channel.ChannelName}': S3DataType ${source.S3DataType} is not supported (use S3Prefix)`);
    }
    if (channel.CompressionType !== undefined && channel.CompressionType !== 'None' && channel.CompressionType !== 'Gzip') {
      throw new ClientError(`Channel '${channel.ChannelName}': unsupported CompressionType ${channel.CompressionType}`);
    }
  }
}

async function objectKeys(objects: ObjectStore, uri: string, channel: string): Promise<{ bucket: string; keys: string[] }> {
  const { bucket, key: prefix } = parseS3Uri(uri);
  const keys = (await objects.listKeys(bucket, prefix)).filter((key) => !key.endsWith('/'));
  if (keys.length === 0) throw new ClientError(`Channel '${channel}': no data found under ${uri}`);
  return { bucket, keys };
}

/**
 * Stages the channel; S3's refusals (no bucket, no key, AccessDenied for the job's role) fail the job
 * as SageMaker does, a ClientError quoting S3's message.
 */
export async function stageChannel(objects: ObjectStore, channel: ChannelConfig, dir: string): Promise<StagedChannel> {
  const uri = channel.DataSource.S3DataSource!.S3Uri;
  try {
    return await stageObjects(objects, channel, uri, dir);
  } catch (error) {
    if (error instanceof AwsError) throw new ClientError(`Channel '${channel.ChannelName}': cannot read ${uri}: ${error.message}`);
    throw error;
  }
}

async function stageObjects(objects: ObjectStore, channel: ChannelConfig, uri: string, dir: string): Promise<StagedChannel> {
  const name = channel.ChannelName as ChannelName;
  const gzipped = channel.CompressionType === 'Gzip';
  const { bucket, keys } = await objectKeys(objects, uri, name);
  const channelDir = join(dir, name);
  await mkdir(channelDir, { recursive: true });
  const file = join(channelDir, `${name}.txt`);
  await rm(file, { force: true });

  if (keys.length === 1 && !gzipped) {
    // fastText reads a last line without a newline fine; the link shares the object's bytes, never edit it.
    const source = await objects.objectPath(bucket, keys[0]!);
    await link(source, file).catch(() => copyFile(source, file));
  } else {
    const open = (key: string) => async (): Promise<Readable> => {
      const path = await objects.objectPath(bucket, key);
      return gzipped ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
    };
    await concatenateInto(createWriteStream(file), keys.map(open), { terminateLines: true });
  }
  const { size } = await stat(file);
  return { name, file, objects: keys.length, bytes: size };
}
