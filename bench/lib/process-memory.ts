/**
 * Memory of a whole process tree (the local stack and everything it starts: Lambda workers, Glue's python3,
 * the trainer, prediction workers), sampled from /proc. PSS (proportional set size) shares each shared page
 * among the processes that map it, so the sum over the tree is the memory the tree really holds; the RSS sum
 * counts shared pages once per process and is an upper bound. Linux only: elsewhere the sampler reports nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface TreeMemory {
  pssBytes: number;
  rssBytes: number;
  processes: number;
}

function parentOf(pid: number): number | undefined {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: the parent pid follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `root` and all its descendants alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function kibField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

export function treeMemory(root: number): TreeMemory {
  let pssBytes = 0;
  let rssBytes = 0;
  let processes = 0;
  for (const pid of processTree(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pssBytes += kibField(rollup, 'Pss');
      rssBytes += kibField(rollup, 'Rss');
      processes++;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return { pssBytes, rssBytes, processes };
}

/** Samples the tree every `intervalMs` until stopped; keeps the peaks. */
export class PeakMemorySampler {
  private timer: NodeJS.Timeout | undefined;
  readonly peak: TreeMemory = { pssBytes: 0, rssBytes: 0, processes: 0 };
  samples = 0;

  constructor(
    private readonly root: number,
    private readonly intervalMs = 100,
  ) {}

  static supported(): boolean {
    return existsSync('/proc/self/smaps_rollup');
  }

  start(): this {
    if (!PeakMemorySampler.supported()) return this;
    const sample = () => {
      const now = treeMemory(this.root);
      this.samples++;
      this.peak.pssBytes = Math.max(this.peak.pssBytes, now.pssBytes);
      this.peak.rssBytes = Math.max(this.peak.rssBytes, now.rssBytes);
      this.peak.processes = Math.max(this.peak.processes, now.processes);
    };
    sample();
    this.timer = setInterval(sample, this.intervalMs);
    return this;
  }

  stop(): TreeMemory {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.peak;
  }
}
