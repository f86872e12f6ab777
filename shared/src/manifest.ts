import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { describeIssues } from './zod-issues';
import { findObject, readText } from './s3';
import { parseS3Uri, s3Uri, type S3Location } from './s3-uri';

const count = z.number().int().nonnegative();
const splitCounts = z.object({ train: count, validation: count, test: count });

/**
 * `prepared/<runId>/manifest.json`, written by the Glue preprocessing job (glue_scripts/preprocess.py).
 * Loose: fields the consumers do not read may be added without breaking them.
 */
export const preprocessManifest = z.looseObject({
  run_id: z.string().min(1),
  input_rows: count.optional(),
  rejected_rows: count.optional(),
  duplicate_rows: count.optional(),
  rows: splitCounts,
  /** Examples per label and split. */
  labels: z.record(z.string(), splitCounts),
  /** The labeled/ objects the run read. */
  sources: z
    .array(
      z.looseObject({
        uri: z.string().min(1),
        etag: z.string().optional(),
        size: count.optional(),
        rows: count.optional(),
        rejected: count.optional(),
      }),
    )
    .default([]),
  /** Rejected rows per reason, the first few of each, and where all of them are (glue_scripts/README.md, Output). */
  rejection_reasons: z.record(z.string(), count).optional(),
  rejection_lines: z.record(z.string(), z.array(z.looseObject({ source: z.string(), line: z.number().int() }))).optional(),
  rejected_uri: z.string().optional(),
  /** The version of the text normalisation the Glue job applied (glue_scripts/NORMALIZATION.md). */
  normalization_version: z.string().min(1).optional(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  elapsed_seconds: z.number().nonnegative().optional(),
});
export type PreprocessManifest = z.infer<typeof preprocessManifest>;

/** Parses a manifest's text; the error names what is wrong with it. */
export function parseManifest(text: string): PreprocessManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`manifest is not JSON: ${(error as Error).message}`);
  }
  const parsed = preprocessManifest.safeParse(json);
  if (!parsed.success) throw new Error(`manifest has an unexpected shape: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** A preprocessing run's output folder and its manifest, from the run's `--output_uri` argument. */
export function runOutputOf(outputUri: string): { bucket: string; prefix: string; manifest: S3Location } {
  const { bucket, key: prefix } = parseS3Uri(outputUri.endsWith('/') ? outputUri : `${outputUri}/`);
  return { bucket, prefix, manifest: { bucket, key: `${prefix}manifest.json` } };
}

export type ManifestRead =
  | { status: 'read'; manifest: PreprocessManifest }
  | { status: 'missing'; uri: string }
  | { status: 'unreadable'; uri: string; reason: string };

/**
 * A run's manifest from S3: read, missing (the run did not get that far) or unreadable (not JSON, or of
 * an unexpected shape, the reason naming what is wrong). S3 errors other than "missing" are thrown.
 * Needs s3:ListBucket on the key's prefix and s3:GetObject on the key (see findObject).
 */
export async function readManifest(s3: S3Client, location: S3Location): Promise<ManifestRead> {
  const uri = s3Uri(location.bucket, location.key);
  if (!(await findObject(s3, location.bucket, location.key))) return { status: 'missing', uri };
  const text = await readText(s3, location.bucket, location.key);
  try {
    return { status: 'read', manifest: parseManifest(text) };
  } catch (error) {
    return { status: 'unreadable', uri, reason: (error as Error).message };
  }
}
