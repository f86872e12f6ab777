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
 */
import type { ObjectStore } from '../../../core/types';
import type { FastTextModel } from './fasttext/model';
import { artifactFile, loadBlazingTextModelFile } from './model-loader';

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
    /** Told when a model leaves the process (the prediction pool drops it from its workers). */
    private readonly hosting: { release(modelId: number): void } | undefined,
    private readonly maxIdle = 2,
  ) {}

  /** The model of the artifact at `modelDataUrl`, loaded unless it is already; throws ModelLoadError. */
  async acquire(modelDataUrl: string): Promise<ModelLease> {
    const file = await artifactFile(this.objects, modelDataUrl);
    let entry = this.entries.get(file);
    if (entry === undefined) {
      const created: Entry = {
        file,
        holders: 0,
        releasedAt: 0,
        loading: loadBlazingTextModelFile(file, modelDataUrl).then((model) => {
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

  private evict(): void {
    const idle = [...this.entries.values()].filter((entry) => entry.holders === 0 && entry.modelId !== undefined).sort((a, b) => b.releasedAt - a.releasedAt);
    for (const entry of idle.slice(this.maxIdle)) {
      this.entries.delete(entry.file);
      this.hosting?.release(entry.modelId!);
    }
  }
}
