import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fetchDbpedia } from './dbpedia';
import { download } from './download';

const TRAIN = '"1","E.D. Abbott Ltd","Abbott of Farnham E D Abbott Limited was a British coachbuilding business"\n';
const CLASSES = 'Company\nEducationalInstitution\n';

/** A tar.gz shaped like dbpedia_csv.tar.gz (or without train.csv), built with the system tar. */
function archive(dir: string, withTrain = true): Buffer {
  const source = path.join(dir, `source-${withTrain}`);
  mkdirSync(path.join(source, 'dbpedia_csv'), { recursive: true });
  if (withTrain) writeFileSync(path.join(source, 'dbpedia_csv', 'train.csv'), TRAIN);
  writeFileSync(path.join(source, 'dbpedia_csv', 'test.csv'), TRAIN);
  writeFileSync(path.join(source, 'dbpedia_csv', 'classes.txt'), CLASSES);
  const file = path.join(dir, `archive-${withTrain}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', source, 'dbpedia_csv']);
  return readFileSync(file);
}

describe('fetchDbpedia against a local HTTP server', () => {
  let dir: string;
  let server: http.Server;
  let base: string;
  const requests: string[] = [];
  let good: Buffer;
  let noTrain: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dbpedia-'));
    good = archive(dir);
    noTrain = archive(dir, false);
    server = http.createServer((request, response) => {
      requests.push(request.url ?? '');
      switch (request.url) {
        case '/raw/dbpedia_csv.tar.gz': // GitHub's /raw/ answers with a redirect, as here
          response.writeHead(302, { location: '/files/dbpedia_csv.tar.gz' }).end();
          return;
        case '/files/dbpedia_csv.tar.gz':
          response.writeHead(200, { 'content-length': good.length }).end(good);
          return;
        case '/files/no-train.tar.gz':
          response.writeHead(200, { 'content-length': noTrain.length }).end(noTrain);
          return;
        case '/files/truncated.tar.gz':
          // Promises the whole archive, sends half, then drops the connection.
          response.writeHead(200, { 'content-length': good.length });
          response.write(good.subarray(0, good.length >> 1), () => response.socket?.destroy());
          return;
        default:
          response.writeHead(404).end('Not Found');
      }
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((closed) => server.close(closed));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    requests.length = 0;
  });

  const cacheDir = (name: string) => path.join(dir, `cache-${name}`);

  it('follows the redirect, reports progress, extracts, and serves the second call from the cache', async () => {
    const progress: number[] = [];
    const first = await fetchDbpedia({ cacheDir: cacheDir('ok'), url: `${base}/raw/dbpedia_csv.tar.gz`, onProgress: (p) => progress.push(p.bytes) });
    expect(first.cached).toBe(false);
    expect(readFileSync(first.train, 'utf8')).toBe(TRAIN);
    expect(readFileSync(first.classes, 'utf8')).toBe(CLASSES);
    expect(requests).toEqual(['/raw/dbpedia_csv.tar.gz', '/files/dbpedia_csv.tar.gz']);
    expect(progress[progress.length - 1]).toBe(good.length);
    expect(readdirSync(cacheDir('ok'))).toEqual(['dbpedia_csv']);

    const second = await fetchDbpedia({ cacheDir: cacheDir('ok'), url: `${base}/raw/dbpedia_csv.tar.gz` });
    expect(second).toEqual({ ...first, cached: true });
    expect(requests).toHaveLength(2);
  });

  it('names the URL and the status of a failed request, and caches nothing', async () => {
    await expect(fetchDbpedia({ cacheDir: cacheDir('404'), url: `${base}/missing.tar.gz` })).rejects.toThrow(
      `cannot download ${base}/missing.tar.gz: HTTP 404 Not Found`,
    );
    expect(readdirSync(cacheDir('404'))).toEqual([]);
  });

  it('refuses a download cut short, leaves no partial file, and succeeds on the next try', async () => {
    const file = path.join(dir, 'cut', 'archive.tar.gz');
    await expect(download(`${base}/files/truncated.tar.gz`, file)).rejects.toThrow(/cannot download .*truncated\.tar\.gz: /);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.part`)).toBe(false);
    await expect(download(`${base}/files/dbpedia_csv.tar.gz`, file)).resolves.toBe(good.length);
    expect(readFileSync(file).equals(good)).toBe(true);
  });

  it('refuses an archive that is not the data set, and drops it so the next call downloads again', async () => {
    await expect(fetchDbpedia({ cacheDir: cacheDir('bad'), url: `${base}/files/no-train.tar.gz` })).rejects.toThrow(
      /has no dbpedia_csv\/train\.csv: not the DBpedia data set/,
    );
    expect(readdirSync(cacheDir('bad'))).toEqual([]);
  });

  it('explains an unreachable host', async () => {
    const closed = http.createServer();
    await new Promise<void>((listening) => closed.listen(0, '127.0.0.1', listening));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    await expect(download(`http://127.0.0.1:${port}/x.tar.gz`, path.join(dir, 'nowhere', 'x'))).rejects.toThrow(/ECONNREFUSED.*\(is this machine offline\?\)/);
  });
});
