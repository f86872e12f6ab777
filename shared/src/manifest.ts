import { z } from 'zod';

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
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`manifest has an unexpected shape: ${issues.join('; ')}`);
  }
  return parsed.data;
}
