/**
 * The BlazingText models loaded in the process, shared by endpoints and transform jobs: a model is
 * extracted from its `model.tar.gz` and parsed once per artifact version, however many endpoints and
 * jobs use it, and keeps one id in the prediction pool (whose workers then hold it once).
 *
 * Entries are keyed by the file holding the artifact's bytes, which S3 replaces at every write of the
 * object (the local counterpart of an ETag): a new artifact under the same key is a new entry. A model
 * nobody holds stays loaded while it is among the `maxIdle` most recently released, so a transform
 * job that follows another on the same model (or an endpoint that deploys the model a job evaluated)
 * does not load it again.
 *
 * On disk, `<dir>/<hash of that file>.bin` keeps the extracted `model.bin` of the `maxExtracted` most
 * recent artifacts: a model leaves the process, or the stack restarts, and the next load reads
 * model.bin as `fasttext predict` does, without gunzipping the archive again. A training job puts its
 * model.bin there when it writes the artifact (`keepExtracted`), and the cache loads it then and has the
 * prediction pool's workers take it, so its evaluation neither extracts nor parses it nor waits for them.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTempFiles, tempPathFor, writeFileAtomic } from '../../../core/persistence';
import type { ObjectStore } from '../../../core/types';
import { extractFromTarGz } from './artifact';
import { FastTextModel, type ModelData } from './fasttext/model';
import { artifactFile, ModelLoadError, readWholeFile } from './model-loader';
import { parseS3Uri } from './names';

export interface ModelLease {
  /** Unique per loaded model: what the prediction pool knows it by. */
  readonly modelId: number;
  readonly model: FastTextModel;
  /** Gives the model back (idempotent). */
  release(): void;
}

interface Entry {
  file: string;
  loading: Promise<{ modelId: number; model: FastTextModel }>;
  holders: number;
  modelId?: number;
  /** Increases at each release: the order of idle entries. */
  releasedAt: number;
}

let nextModelId = 1;

export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  private releases = 0;

  constructor(
    private readonly objects: ObjectStore,
    /** Where extracted models are kept. */
    private readonly dir: string,
    /**
     * Told when a model leaves the process (the prediction pool drops it from its workers), and when one a
     * training job just wrote is loaded (the pool gets its workers ready for it); warmed when a training job starts.
     */
    private readonly hosting:
      | { release(modelId: number): void; prepare?(modelId: number, model: FastTextModel): void; warm?(): void; parse?(file: string): Promise<ModelData | undefined> }
      | undefined,
    private readonly maxIdle = 2,
    private readonly maxExtracted = 4,
  ) {}

  /** Removes what a killed process left half-written. */
  async start(): Promise<void> {
    await removeStaleTempFiles(this.dir);
  }

  /**
   * Keeps `modelBin` (moved, not copied, when it can be) as the extracted model of the artifact just written
   * at `modelDataUrl`, and starts loading it in the background: a model is written to be evaluated and
   * served next, so its first batch transform job or endpoint finds it loaded or loading (write-through).
   */
  async keepExtracted(modelDataUrl: string, modelBin: string): Promise<void> {
    const { bucket, key } = parseS3Uri(modelDataUrl);
    const target = this.extractedPath(await this.objects.objectPath(bucket, key));
    await mkdir(this.dir, { recursive: true });
    const temp = tempPathFor(target);
    try {
      await rename(modelBin, temp).catch(() => copyFile(modelBin, temp));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await this.pruneExtracted();
    void this.acquire(modelDataUrl).then(
      (lease) => {
        this.hosting?.prepare?.(lease.modelId, lease.model);
        lease.release();
      },
      () => undefined, // whoever uses the model gets the error
    );
  }

  /** A training job started: its model is evaluated in large batches once written, so the pool starts its workers now. */
  expectModel(): void {
    this.hosting?.warm?.();
  }

  /** The model of the artifact at `modelDataUrl`, loaded unless it is already; throws ModelLoadError. */
  async acquire(modelDataUrl: string): Promise<ModelLease> {
    const file = await artifactFile(this.objects, modelDataUrl);
    let entry = this.entries.get(file);
    if (entry === undefined) {
      const created: Entry = {
        file,
        holders: 0,
        releasedAt: 0,
        loading: this.load(file, modelDataUrl).then((model) => {
          created.modelId = nextModelId++;
          return { modelId: created.modelId, model };
        }),
      };
      created.loading.catch(() => {
        if (this.entries.get(file) === created) this.entries.delete(file);
      });
      this.entries.set(file, created);
      entry = created;
    }
    const held = entry;
    held.holders++;
    let loaded;
    try {
      loaded = await held.loading;
    } catch (error) {
      held.holders--;
      throw error;
    }
    let released = false;
    return {
      ...loaded,
      release: () => {
        if (released) return;
        released = true;
        held.holders--;
        held.releasedAt = ++this.releases;
        this.evict();
      },
    };
  }

  /** How many models are loaded (held or idle). */
  get size(): number {
    return this.entries.size;
  }

  private extractedPath(artifact: string): string {
    return join(this.dir, `${createHash('sha256').update(artifact).digest('hex').slice(0, 32)}.bin`);
  }

  /** The model from its extracted model.bin, extracting (and keeping) it first if it is not on disk. */
  private async load(artifact: string, modelDataUrl: string): Promise<FastTextModel> {
    const extracted = this.extractedPath(artifact);
    const parsed = await this.parseOffLoop(extracted, modelDataUrl);
    if (parsed !== undefined) return parsed;
    let bin: Buffer | undefined = await readWholeFile(extracted).catch(() => undefined);
    if (bin !== undefined) {
      await utimes(extracted, new Date(), new Date()).catch(() => undefined);
    } else {
      let archive: Buffer;
      try {
        archive = await readWholeFile(artifact);
      } catch (error) {
        throw new ModelLoadError(`cannot read ${modelDataUrl}: ${(error as Error).message}`);
      }
      try {
        bin = await extractFromTarGz(archive, 'model.bin');
      } catch (error) {
        throw new ModelLoadError(`${modelDataUrl} does not hold a usable BlazingText model: ${(error as Error).message}`);
      }
    }
    let model: FastTextModel;
    try {
      model = FastTextModel.parse(bin);
    } catch (error) {
      throw new ModelLoadError(`${modelDataUrl} does not hold a usable BlazingText model: ${(error as Error).message}`);
    }
    if (!(await stat(extracted).catch(() => undefined))) {
      await writeFileAtomic(extracted, bin);
      await this.pruneExtracted();
    }
    return model;
  }

  /**
   * An extracted model parsed by the hosting's workers, off the event loop (undefined: not extracted, or
   * no workers; `load` then parses it here).
   */
  private async parseOffLoop(extracted: string, modelDataUrl: string): Promise<FastTextModel | undefined> {
    if (this.hosting?.parse === undefined || !(await stat(extracted).catch(() => undefined))) return undefined;
    let data: ModelData | undefined;
    try {
      data = await this.hosting.parse(extracted);
    } catch (error) {
      throw new ModelLoadError(`${modelDataUrl} does not hold a usable BlazingText model: ${(error as Error).message}`);
    }
    if (data === undefined) return undefined;
    await utimes(extracted, new Date(), new Date()).catch(() => undefined);
    return new FastTextModel(data);
  }

  /** Keeps the `maxExtracted` most recently used extracted models. */
  private async pruneExtracted(): Promise<void> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((name) => name.endsWith('.bin'));
    const files = await Promise.all(names.map(async (name) => ({ path: join(this.dir, name), mtime: (await stat(join(this.dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
    files.sort((a, b) => b.mtime - a.mtime);
    await Promise.all(files.slice(this.maxExtracted).map((file) => rm(file.path, { force: true })));
  }

  private evict(): void {
    const idle = [...this.entries.values()].filter((entry) => entry.holders === 0 && entry.modelId !== undefined).sort((a, b) => b.releasedAt - a.releasedAt);
    for (const entry of idle.slice(this.maxIdle)) {
      this.entries.delete(entry.file);
      this.hosting?.release(entry.modelId!);
    }
  }
}
