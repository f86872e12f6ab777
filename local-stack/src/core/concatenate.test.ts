import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { concatenateInto } from './concatenate';

/** A destination that keeps what it gets and the most listeners it ever had for each event. */
function recordingDestination(): { destination: Writable; text: () => string; mostListeners: Map<string | symbol, number> } {
  const chunks: Buffer[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const mostListeners = new Map<string | symbol, number>();
  destination.on('newListener', (event: string | symbol) => mostListeners.set(event, Math.max(mostListeners.get(event) ?? 0, destination.listenerCount(event) + 1)));
  return { destination, text: () => Buffer.concat(chunks).toString('utf8'), mostListeners };
}

describe('concatenateInto', () => {
  it('joins 50 sources in order through one set of listeners on the destination', async () => {
    const { destination, text, mostListeners } = recordingDestination();
    const sources = Array.from({ length: 50 }, (_, index) => () => Readable.from([`part ${index};`]));
    await concatenateInto(destination, sources);
    expect(text()).toBe(Array.from({ length: 50 }, (_, index) => `part ${index};`).join(''));
    // One pipeline's few, whatever the number of sources (Node warns past 10: MaxListenersExceededWarning).
    for (const event of ['error', 'close', 'finish', 'end']) expect(mostListeners.get(event) ?? 0).toBeLessThanOrEqual(3);
    expect(destination.writableFinished).toBe(true);
  });

  it('is what one pipeline per source is not (the pattern it replaces piles listeners up)', async () => {
    const { destination, mostListeners } = recordingDestination();
    for (let index = 0; index < 12; index++) await pipeline(Readable.from([`${index}`]), destination, { end: false });
    expect(mostListeners.get('error')).toBeGreaterThan(10);
  });

  it('ends lines between text sources when asked, and opens each source in its turn', async () => {
    const { destination, text } = recordingDestination();
    const opened: number[] = [];
    const source = (index: number, body: string) => async () => {
      opened.push(index);
      return Readable.from([body]);
    };
    await concatenateInto(destination, [source(0, 'a\nb'), source(1, 'c\n'), source(2, ''), source(3, 'd')], { terminateLines: true });
    expect(text()).toBe('a\nb\nc\nd\n');
    expect(opened).toEqual([0, 1, 2, 3]);
  });

  it('rejects, destroying the destination, when a source fails', async () => {
    const { destination } = recordingDestination();
    const failing = new PassThrough();
    const sources = [() => Readable.from(['fine']), () => failing];
    const done = concatenateInto(destination, sources);
    setImmediate(() => failing.destroy(new Error('disk gone')));
    await expect(done).rejects.toThrow('disk gone');
    expect(destination.destroyed).toBe(true);
  });
});
