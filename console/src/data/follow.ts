/**
 * The terminal's view of runs: one line per thing that happened to a run (a drop kept or refused, the
 * Glue run starting and ending, the training job and each of its epochs, the evaluation, the endpoint,
 * each email), found by comparing successive snapshots. `npm start`, `npm run demo` and the console share
 * the data layer; this turns it into lines.
 */
import type { Run, StageName } from './model';
import { formatDuration } from './format';
import type { PipelineStore, Snapshot } from './store';

export interface RunLine {
  runId: string;
  stage: StageName;
  text: string;
}

export interface FollowerOptions {
  /** Only runs for which this holds (default: all). */
  include?: (run: Run) => boolean;
  /** The first snapshot only marks what exists as seen, printing nothing (default true: no history at start). */
  quietStart?: boolean;
}

export class RunFollower {
  private readonly seen = new Set<string>();
  private started = false;

  constructor(private readonly options: FollowerOptions = {}) {}

  /** The lines for what changed since the last snapshot, in the order of the chain. */
  update(snapshot: Snapshot): RunLine[] {
    const quiet = !this.started && (this.options.quietStart ?? true);
    this.started = true;
    const lines: RunLine[] = [];
    const runs = [...snapshot.runs].reverse().filter((run) => this.options.include?.(run) ?? true);
    for (const run of runs) {
      for (const line of linesOf(run, snapshot)) {
        const key = `${run.runId} ${line.key}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        if (!quiet) lines.push({ runId: run.runId, stage: line.stage, text: line.text });
      }
    }
    return lines;
  }
}

interface KeyedLine {
  key: string;
  stage: StageName;
  text: string;
}

/** Everything there is to say about a run now, each with a key that says when it is the same news. */
export function linesOf(run: Run, snapshot: Snapshot): KeyedLine[] {
  const lines: KeyedLine[] = [];
  const { stages } = run;
  const add = (stage: StageName, key: string, text: string) => lines.push({ stage, key: `${stage} ${key}`, text });

  for (const drop of run.trigger.drops) {
    if (run.trigger.kind === 'unchanged-drop') add('ingest', `unchanged ${drop.droppedKey}`, `drop ${drop.droppedKey}: nothing new, the same content as ${drop.keptKey}; no run`);
    else if (run.trigger.kind === 'rejected-drop') add('ingest', `rejected ${drop.droppedKey}`, `drop ${drop.droppedKey} rejected: ${stages.ingest.detail ?? ''}`);
    else add('ingest', `kept ${drop.keptKey}`, `drop ${drop.droppedKey} accepted, kept as ${drop.keptKey}${drop.ownRunId ? ` (it arrived during another run)` : ''}`);
  }
  if (run.trigger.kind === 'rejected-drop' && run.trigger.drops.length === 0 && stages.ingest.status === 'rejected') {
    add('ingest', 'rejected', `drop rejected: ${stages.ingest.detail ?? ''}`);
  }

  const pre = stages.preprocess;
  if (run.refs.glueJobRunId) add('preprocess', 'started', `Glue run ${run.refs.glueJobRunId.slice(0, 15)}… started`);
  if (pre.status === 'succeeded') add('preprocess', 'done', `SUCCEEDED in ${formatDuration(durationOf(pre.startedAt, pre.endedAt))}`);
  if (pre.status === 'failed') add('preprocess', 'failed', `FAILED: ${pre.detail ?? ''}`);

  const train = stages.train;
  if (run.refs.trainingJobName) add('train', 'started', `training job ${run.refs.trainingJobName} (BlazingText)`);
  const progress = run.current?.stage === 'train' ? run.current.progress : undefined;
  if (progress) add('train', `epoch ${progress.epoch}/${progress.epochs}`, progress.message.replace(/^Training:\s*/, ''));
  // Said once the job's description is read, so that the line carries the accuracy.
  if (train.status === 'succeeded' && snapshot.trainingDetails.get(run.refs.trainingJobName ?? '')?.status === 'Completed') {
    const accuracy = run.validationAccuracy !== undefined ? `, validation accuracy ${run.validationAccuracy.toFixed(4)}` : '';
    add('train', 'done', `Completed in ${formatDuration(durationOf(train.startedAt, train.endedAt))}${accuracy}`);
  }
  if (train.status === 'failed') add('train', 'failed', `${run.refs.trainingJobName ? 'training job failed' : 'no training'}: ${train.detail ?? ''}`);

  const evaluation = stages.evaluate;
  if (evaluation.status === 'succeeded' && evaluation.detail) add('evaluate', 'done', evaluation.detail);

  const deploy = stages.deploy;
  if (deploy.status === 'running') add('deploy', `running ${deploy.detail}`, deploy.detail ?? 'deploying');
  if (deploy.status === 'succeeded') add('deploy', 'done', `${deploy.detail ?? 'deployed'}${deploy.startedAt && deploy.endedAt ? ` (${formatDuration(durationOf(deploy.startedAt, deploy.endedAt))})` : ''}`);
  if (deploy.status === 'rejected') add('deploy', 'rejected', `model rejected: ${deploy.detail ?? ''}`);
  if (deploy.status === 'failed') add('deploy', 'failed', `deployment failed: ${deploy.detail ?? ''}`);

  for (const key of run.refs.notificationKeys) {
    const email = snapshot.emails.get(key);
    if (email) add('notify', key, `email to ${email.to.join(', ')}: ${email.subject}`);
  }
  return lines;
}

const durationOf = (from: Date | undefined, to: Date | undefined): number | undefined => (from && to ? to.getTime() - from.getTime() : undefined);

/** `  run 20261125-110409-a1b2c3  train      Completed in 12 s, validation accuracy 0.9712`. */
export function formatRunLine(line: RunLine): string {
  return `run ${line.runId}  ${line.stage.padEnd(10)} ${line.text}`;
}

export interface FollowLoop {
  stop(): Promise<void>;
}

/**
 * Refreshes the store every `intervalMs` and hands the new lines to `onLines`, until stopped (or until
 * `onLines` returns true). Refresh errors go to `onError` and the loop goes on.
 */
export function followRuns(
  store: PipelineStore,
  follower: RunFollower,
  handlers: { onLines: (lines: RunLine[], snapshot: Snapshot) => boolean | void; onError?: (message: string) => void },
  intervalMs = 1000,
): FollowLoop & { done: Promise<void> } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  let lastError: string | undefined;
  const done = (async () => {
    while (!stopped) {
      const snapshot = await store.refresh();
      if (snapshot.error && snapshot.error !== lastError) handlers.onError?.(snapshot.error);
      lastError = snapshot.error;
      // Emails are what tells most news: read those of every run that is followed and still recent.
      store.want({ runs: snapshot.runs.slice(0, 20).map((run) => run.runId) });
      if (handlers.onLines(follower.update(snapshot), snapshot) === true) break;
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, intervalMs);
      });
    }
  })();
  return {
    done,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await done;
    },
  };
}

