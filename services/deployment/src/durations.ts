import { runStartedAt } from '@pipeline/shared';

export interface RunTimes {
  runId: string;
  /** Tags the training service puts on each job (`preprocessingSeconds`, `droppedAt`, ...). */
  jobTags: Record<string, string>;
  trainingStartTime: Date | undefined;
  trainingEndTime: Date | undefined;
  /** When the endpoint reached its current state (the new model went into service). */
  inServiceAt: Date | undefined;
}

export interface RunDurations {
  preprocessingSeconds?: number;
  trainingSeconds?: number;
  deploymentSeconds?: number;
  totalSeconds?: number;
}

const seconds = (from: Date | undefined, to: Date | undefined): number | undefined => {
  if (!from || !to) return undefined;
  const value = Math.round((to.getTime() - from.getTime()) / 1000);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
};

function numberTag(tags: Record<string, string>, key: string): number | undefined {
  const value = Number(tags[key]);
  return tags[key] !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function dateTag(tags: Record<string, string>, key: string): Date | undefined {
  const value = tags[key] === undefined ? NaN : Date.parse(tags[key]);
  return Number.isNaN(value) ? undefined : new Date(value);
}

/**
 * How long each step of a run took. Deployment counts from the end of training (it includes the
 * quality gate and SageMaker bringing the endpoint up); the total counts from the drop that started
 * the run, or from the time in the run id when the drop time is unknown.
 */
export function runDurations(times: RunTimes): RunDurations {
  const startedAt = dateTag(times.jobTags, 'droppedAt') ?? runStartedAt(times.runId);
  const durations: RunDurations = {
    preprocessingSeconds: numberTag(times.jobTags, 'preprocessingSeconds'),
    trainingSeconds: seconds(times.trainingStartTime, times.trainingEndTime),
    deploymentSeconds: seconds(times.trainingEndTime, times.inServiceAt),
    totalSeconds: seconds(startedAt, times.inServiceAt),
  };
  return Object.fromEntries(Object.entries(durations).filter(([, value]) => value !== undefined));
}
