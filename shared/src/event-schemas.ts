/**
 * JSON Schemas (draft 2020-12) of the events another application may react to: each pipeline event of
 * PIPELINE_EVENTS and `Retrain Requested`, as the whole EventBridge event a rule's target receives, generated from
 * the zod schemas the code validates with. `npm run gen-event-schemas` writes them to docs/events/; a test fails
 * when the committed files are not what the schemas generate.
 */
import { z } from 'zod';
import { PIPELINE_DETAIL_TYPES, PIPELINE_EVENTS, retrainRequestedDetail } from './events';
import { detailTypeSlug, OPERATOR_SOURCE, PIPELINE_SOURCES } from './names';

const eventOf = (detailType: string, sources: string[], detail: z.ZodType) =>
  z
    .object({
      version: z.string(),
      id: z.string(),
      'detail-type': z.literal(detailType),
      source: z.enum(sources as [string, ...string[]]),
      account: z.string(),
      time: z.string(),
      region: z.string(),
      resources: z.array(z.string()),
      detail,
    })
    .meta({ title: detailType, description: `The EventBridge event ${detailType}, as a rule's target receives it.` });

const PIPELINE_EVENT_SOURCES: Record<string, string[]> = {
  'Dataset Rejected': [PIPELINE_SOURCES.ingestion],
  'Dataset Unchanged': [PIPELINE_SOURCES.ingestion],
  'Pipeline Failed': [PIPELINE_SOURCES.training, PIPELINE_SOURCES.deployment],
};

/** File name (docs/events/) -> JSON Schema text, for every event. */
export function eventSchemaFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const write = (detailType: string, sources: string[], detail: z.ZodType) => {
    const schema = { $id: `${detailTypeSlug(detailType)}.schema.json`, ...z.toJSONSchema(eventOf(detailType, sources, detail), { io: 'input' }) };
    files[`${detailTypeSlug(detailType)}.schema.json`] = `${JSON.stringify(schema, null, 2)}\n`;
  };
  for (const detailType of PIPELINE_DETAIL_TYPES) {
    write(detailType, PIPELINE_EVENT_SOURCES[detailType] ?? [PIPELINE_SOURCES.deployment], PIPELINE_EVENTS[detailType].detail);
  }
  write('Retrain Requested', [OPERATOR_SOURCE], retrainRequestedDetail);
  return files;
}
