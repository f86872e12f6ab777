/**
 * The corpus: nothing silently changed, nothing silently lost.
 * - two numeric-label drops with different classes.txt files, one list dropped before its data and the other
 *   after, keep both sets of names apart (in the sidecars, the run's labels and the served model), and a later
 *   classes.txt renames nothing;
 * - the same content under a new name starts no run and gets one "Nothing new" email naming the original;
 * - a CSV with an unterminated quote on line 299 of 301 loses that row only, and the run's email says which.
 */
import { log, secondsSince, useDeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';
import {
  describeEndpoint,
  drop,
  getText,
  glueRuns,
  listKeys,
  readManifest,
  runIdOf,
  SUBJECT,
  vocabularyCsv,
  waitForLabeled,
  waitUntilIdle,
  type VocabularyClass,
} from './support';

const e2e = useDeployedStack('corpus.test.ts');

/** Two drops whose labels are both 1, 2, 3, meaning different things. */
const SHOPS: VocabularyClass[] = [
  { label: 1, words: 'bread flour oven pastry baker croissant dough cake bakery loaf yeast crust bun' },
  { label: 2, words: 'peak summit ridge glacier elevation climb alpine slope range metres ascent massif' },
  { label: 3, words: 'code release version developer platform application license programming api compiler library' },
];
const SHOP_NAMES = ['Bakery', 'Mountain', 'Software'];
const PLACES: VocabularyClass[] = [
  { label: 1, words: 'flows tributary basin delta bank estuary upstream waters source confluence stream' },
  { label: 2, words: 'fortress towers medieval keep walls moat lord ruins battlements drawbridge siege' },
  { label: 3, words: 'strings fret chord acoustic amplifier pickup guitarist neck electric tone riff' },
];
const PLACE_NAMES = ['River', 'Castle', 'Guitar'];
const lines = (names: string[]) => `${names.join('\n')}\n`;

const PROBES: Record<string, string> = {
  Bakery: 'the baker took the bread and the croissant dough out of the oven , a pastry and a cake',
  Mountain: 'the summit of the peak above the glacier , a climb up the ridge and the alpine slope',
  Software: 'the developer released a new version of the application with its api and compiler',
  River: 'the river flows from its source through the basin into the delta , a tributary upstream',
  Castle: 'the medieval fortress with towers , walls and a moat , the lord of the keep and its ruins',
  Guitar: 'the guitarist played a chord on the acoustic strings , the fret and the electric pickup',
};

const shopsCsv = vocabularyCsv(SHOPS, 200, 61);
let shopsKey = '';

describe('the corpus', () => {
  it('keeps the names of two numeric drops apart, whichever file of each came first; a later classes.txt renames nothing', async () => {
    const started = Date.now();
    // shops: its classes.txt first, then the data; places: the data first, its classes.txt a few seconds later
    await drop(e2e, 'shops/classes.txt', lines(SHOP_NAMES));
    await drop(e2e, 'shops/train.csv', shopsCsv);
    await drop(e2e, 'places/train.csv', vocabularyCsv(PLACES, 200, 62));
    // the places data waits for its list: not kept until it comes
    await waitFor('the shops data to be kept', async () => (await listKeys(e2e, 'labeled/shops/train.')).length > 0, 30_000);
    expect(await listKeys(e2e, 'labeled/places/')).toEqual([]);
    expect(await listKeys(e2e, 'incoming/places/')).toEqual(['incoming/places/train.csv']);
    await drop(e2e, 'places/classes.txt', lines(PLACE_NAMES));

    let seen = 'nothing yet';
    const { runs } = await waitFor(
      () => `a run over both drops to end; last seen: ${seen}`,
      async () => {
        const idle = await waitUntilIdle(e2e, 120_000);
        const last = [...idle.runs].sort((a, b) => a.StartedOn!.getTime() - b.StartedOn!.getTime()).at(-1)!;
        const manifest = await readManifest(e2e, last.Arguments!['--run_id']!);
        seen = JSON.stringify({
          runs: idle.runs.map((run) => `${run.Arguments?.['--run_id']} ${run.JobRunState} ${run.StartedOn?.toISOString()}`),
          lastSources: manifest.sources.map((source) => source.uri),
          incoming: await listKeys(e2e, 'incoming/'),
          labeled: await listKeys(e2e, 'labeled/'),
          mails: e2e.mail.all().map((mail) => mail.subject),
        });
        return manifest.sources.length === 2 && idle;
      },
      150_000,
      500,
    );
    log(`two numeric drops, two lists: idle after ${secondsSince(started)} s, ${runs.length} run(s)`);
    shopsKey = await waitForLabeled(e2e, 'shops/train.csv');
    const placesKey = await waitForLabeled(e2e, 'places/train.csv');

    // each kept file carries its own drop's names
    const sidecar = async (key: string) => JSON.parse(await getText(e2e, `${key}.classes.json`)) as { classes: string[]; classesUri: string };
    expect((await sidecar(shopsKey)).classes).toEqual(SHOP_NAMES);
    expect((await sidecar(placesKey)).classes).toEqual(PLACE_NAMES);
    expect((await sidecar(placesKey)).classesUri).toMatch(/\/labeled\/places\/classes\.\d{8}T\d{6}Z\.[0-9a-f]{12}\.txt$/);

    // the run's labels are the six names, 200 rows each, no number among them
    const lastRunId = [...runs].sort((a, b) => a.StartedOn!.getTime() - b.StartedOn!.getTime()).at(-1)!.Arguments!['--run_id']!;
    const manifest = await readManifest(e2e, lastRunId);
    const totals = Object.fromEntries(Object.entries(manifest.labels).map(([label, split]) => [label, split.train + split.validation + split.test]));
    expect(totals).toEqual(Object.fromEntries([...SHOP_NAMES, ...PLACE_NAMES].map((name) => [name, 200])));
    const email = e2e.mail.all().find((mail) => mail.subject.includes(lastRunId))!;
    expect(email.subject).toMatch(SUBJECT['Model Deployed']);
    expect(email.text).toMatch(/Labels \(6\): .*Bakery 200/);

    // the served model tells them apart: label 1 of each drop is its own class
    const answers = await e2e.classifier.classify(Object.values(PROBES));
    expect(answers.map((answer) => answer[0]?.label)).toEqual(Object.keys(PROBES));

    // a later classes.txt for the shops folder: kept, no run, the kept file keeps its names
    const runsBefore = (await glueRuns(e2e)).length;
    const renamed = new Date();
    await drop(e2e, 'shops/classes.txt', lines(['Renamed', 'Everything', 'Now']));
    await waitForLabeled(e2e, 'shops/classes.txt', 30_000, renamed);
    await waitFor('the classes.txt to be handled', async () => (await listKeys(e2e, 'incoming/shops/')).length === 0, 30_000);
    expect((await glueRuns(e2e)).length).toBe(runsBefore);
    expect((await sidecar(shopsKey)).classes).toEqual(SHOP_NAMES);
    expect(await e2e.classifier.classify([PROBES.Bakery!])).toMatchObject([[{ label: 'Bakery' }]]);
  }, 240_000);

  it('the same content under a new name: no run, one Nothing new email naming the original', async () => {
    expect(shopsKey).not.toBe('');
    const seen = e2e.mail.mark();
    const runsBefore = (await glueRuns(e2e)).length;
    const key = await drop(e2e, 'elsewhere/shops-copy.csv', shopsCsv);
    const mail = await e2e.mail.next(SUBJECT['Dataset Unchanged'], seen, 30_000);
    expect(mail.subject).toBe(`[local] Nothing new: ${key} duplicates ${shopsKey}`);
    expect(mail.text).toContain('no run started');
    await waitFor('the drop to leave incoming/', async () => (await listKeys(e2e, 'incoming/elsewhere/')).length === 0, 30_000);
    expect(await listKeys(e2e, 'labeled/elsewhere/')).toEqual([]);
    expect((await glueRuns(e2e)).length).toBe(runsBefore);
    // one email, nothing else
    expect(e2e.mail.all().filter((other) => !seen.has(other.file)).map((other) => other.subject)).toEqual([mail.subject]);
  }, 60_000);

  it('an unterminated quote on line 299 of 301 costs that row only, and the email says which', async () => {
    const seen = e2e.mail.mark();
    const good = vocabularyCsv(
      PLACE_NAMES.map((name, index) => ({ label: name, words: PLACES[index]!.words })),
      101,
      63,
    ).split('\n');
    const rows = good.slice(0, 301);
    rows[298] = '"Castle","Broken row","a quote that never closes on this line, the towers and walls';
    const key = await drop(e2e, 'quotes/named.csv', `${rows.join('\n')}\n`);
    const mail = await e2e.mail.next(/^\[local\] (Model deployed|Model rejected|Pipeline failed): /, seen, 120_000);
    const kept = await waitForLabeled(e2e, 'quotes/named.csv');
    expect(key).toBe('incoming/quotes/named.csv');

    const manifest = await readManifest(e2e, runIdOf(mail));
    const source = manifest.sources.find((candidate) => candidate.uri.endsWith(kept))!;
    expect(source).toMatchObject({ rows: 301, rejected: 1 });
    const rejected = (await getText(e2e, `prepared/${runIdOf(mail)}/rejected.jsonl`))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { source: string; line: number; reason: string });
    expect(rejected.filter((entry) => entry.source.endsWith(kept))).toEqual([expect.objectContaining({ line: 299, reason: 'malformed_csv' })]);
    // the rows after it were read: line 300 and 301 are in the splits
    const splits = ['train/train.txt', 'validation/validation.txt', 'test/test.txt'];
    const texts = (await Promise.all(splits.map((split) => getText(e2e, `prepared/${runIdOf(mail)}/${split}`)))).join('');
    const title300 = /"Entry ([0-9a-z]+)"/.exec(rows[299]!)![1]!;
    expect(texts).toContain(`entry ${title300}`);

    expect(mail.text).toMatch(new RegExp(`Rejected rows: +malformed_csv 1: ${kept.replaceAll('.', '\\.')} line 299\\r?\\n`));
    expect(mail.text).toContain(`s3://${e2e.info.dataBucket}/prepared/${runIdOf(mail)}/rejected.jsonl`);
    expect((await describeEndpoint(e2e))?.EndpointStatus).toBe('InService');
  }, 180_000);
});
