import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventSchemaFiles } from './event-schemas';

const DIR = path.resolve(__dirname, '..', '..', 'docs', 'events');
const FIXTURES = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'aws-events');

describe('the events JSON Schemas in docs/events', () => {
  const generated = eventSchemaFiles();

  it('are what the zod schemas generate (npm run gen-event-schemas writes them)', () => {
    const committed = Object.fromEntries(
      readdirSync(DIR)
        .filter((name) => name.endsWith('.schema.json'))
        .map((name) => [name, readFileSync(path.join(DIR, name), 'utf8')]),
    );
    expect(Object.keys(committed).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, text] of Object.entries(generated)) expect({ name, text: committed[name] }).toEqual({ name, text });
  });

  it('describe the sample events: every required field of each detail is in its sample', () => {
    for (const [name, text] of Object.entries(generated)) {
      const sample = path.join(FIXTURES, `pipeline-${name.replace('.schema.json', '.json')}`);
      let event: { detail: Record<string, unknown> };
      try {
        event = JSON.parse(readFileSync(sample, 'utf8')) as typeof event;
      } catch {
        continue; // Retrain Requested has no sample
      }
      const schema = JSON.parse(text) as { properties: { detail: { required: string[] } } };
      for (const field of schema.properties.detail.required) expect({ name, field, present: field in event.detail }).toEqual({ name, field, present: true });
    }
  });
});
