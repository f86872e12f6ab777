/**
 * `npm run gen-event-schemas`: writes docs/events/<detail type>.schema.json, the JSON Schema of each event another
 * application may react to, from shared/src/events.ts (shared/src/event-schemas.ts). Run it after changing an event;
 * shared/src/event-schemas.test.ts fails until the committed files match.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventSchemaFiles } from '../shared/src/event-schemas';
import { defineCommand, parseCommandLine } from './lib/cli';

const COMMAND = defineCommand({
  usage: 'npm run gen-event-schemas',
  summary: "Writes docs/events/*.schema.json, the JSON Schema of each pipeline event and of Retrain Requested, from the code's zod schemas.",
  options: {},
});

parseCommandLine(COMMAND);
const dir = path.resolve(__dirname, '..', 'docs', 'events');
mkdirSync(dir, { recursive: true });
const files = eventSchemaFiles();
for (const stale of readdirSync(dir).filter((name) => name.endsWith('.schema.json') && !(name in files))) rmSync(path.join(dir, stale));
for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
console.log(`wrote ${Object.keys(files).length} schemas to ${path.relative(process.cwd(), dir) || dir}`);
