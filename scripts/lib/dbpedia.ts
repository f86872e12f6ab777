/**
 * The real DBpedia ontology classification data set (Zhang, Zhao and LeCun, 2015: 560,000 training rows,
 * 70,000 test rows, 14 classes), fetched from the public copy SageMaker's BlazingText example downloads with
 * wget, and cached: a second call uses the extracted files and needs no network.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { download, DownloadError, type DownloadProgress } from './download';

export const DBPEDIA_URL = 'https://github.com/le-scientifique/torchDatasets/raw/master/dbpedia_csv.tar.gz';

export interface DbpediaFiles {
  train: string;
  test: string;
  classes: string;
  /** True when the files came from the cache. */
  cached: boolean;
}

export interface FetchOptions {
  /** Where the archive and its extracted folder live (the demo uses `.local/downloads`). */
  cacheDir: string;
  url?: string;
  onProgress?: (progress: DownloadProgress) => void;
}

const FOLDER = 'dbpedia_csv';

function filesIn(folder: string, cached: boolean): DbpediaFiles {
  return { train: path.join(folder, 'train.csv'), test: path.join(folder, 'test.csv'), classes: path.join(folder, 'classes.txt'), cached };
}

/** The extracted data set, downloading and unpacking it first when the cache does not hold it. */
export async function fetchDbpedia(options: FetchOptions): Promise<DbpediaFiles> {
  const folder = path.join(options.cacheDir, FOLDER);
  // The folder appears (by rename) only once extracted and checked: its presence means complete.
  if (existsSync(folder)) return filesIn(folder, true);
  mkdirSync(options.cacheDir, { recursive: true });
  const archive = path.join(options.cacheDir, `${FOLDER}.tar.gz`);
  if (!existsSync(archive)) await download(options.url ?? DBPEDIA_URL, archive, { onProgress: options.onProgress });
  const staging = path.join(options.cacheDir, `${FOLDER}.extracting`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  try {
    execFileSync('tar', ['-xzf', archive, '-C', staging], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // A damaged archive is downloaded again next time.
    rmSync(archive, { force: true });
    throw new DownloadError(`${archive} is not a readable .tar.gz: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`);
  }
  const extracted = filesIn(path.join(staging, FOLDER), false);
  const missing = [extracted.train, extracted.classes].filter((file) => !existsSync(file)).map((file) => path.relative(staging, file));
  if (missing.length > 0) {
    rmSync(staging, { recursive: true, force: true });
    rmSync(archive, { force: true });
    throw new DownloadError(`the archive from ${options.url ?? DBPEDIA_URL} has no ${missing.join(' or ')}: not the DBpedia data set`);
  }
  renameSync(path.join(staging, FOLDER), folder);
  rmSync(staging, { recursive: true, force: true });
  rmSync(archive, { force: true });
  return filesIn(folder, false);
}
