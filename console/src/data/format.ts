/** How times, durations and figures read, in the page and in the terminal alike. */
import type { RunOutcome, StageState } from './model';

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A stage's duration: start to end, or to `now` while it runs. */
export function stageDuration(state: StageState, now: Date): number | undefined {
  if (!state.startedAt) return undefined;
  const end = state.endedAt ?? (state.status === 'running' ? now : undefined);
  return end ? end.getTime() - state.startedAt.getTime() : undefined;
}

export const percent = (value: number | undefined, digits = 2): string => (value === undefined || !Number.isFinite(value) ? '' : `${(value * 100).toFixed(digits)}%`);

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** `2026-11-25 11:04:09` in UTC (run ids are UTC too). */
export function formatTime(date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '';
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

export const OUTCOME_LABELS: Record<RunOutcome, string> = {
  'in-progress': 'in progress',
  deployed: 'deployed',
  rejected: 'rejected',
  failed: 'failed',
  'rolled-back': 'rolled back',
  unchanged: 'nothing new',
  unknown: 'unknown',
};
