/** Small pieces the pages share. */
import { Fragment, type ComponentChildren } from 'preact';
import type { Run, RunOutcome, StageName, StageState, StageStatus } from '../data/model';
import { STAGES } from '../data/model';
import { formatDuration, formatTime, OUTCOME_LABELS, stageDuration } from '../data/format';

export const STAGE_LABELS: Record<StageName, string> = {
  ingest: 'ingest',
  preprocess: 'preprocess',
  train: 'train',
  evaluate: 'evaluate',
  deploy: 'deploy',
  notify: 'notify',
};

const STATUS_LABELS: Record<StageStatus, string> = {
  pending: 'waiting',
  running: 'running',
  succeeded: 'done',
  failed: 'failed',
  rejected: 'rejected',
  skipped: 'skipped',
  unknown: 'unknown',
};

/** The stages the page shows: evaluate only once some run has an evaluation. */
export const shownStages = (hasEvaluations: boolean): StageName[] => STAGES.filter((name) => name !== 'evaluate' || hasEvaluations);

export function OutcomeBadge({ outcome }: { outcome: RunOutcome }) {
  return <span class={`badge outcome-${outcome}`}>{OUTCOME_LABELS[outcome]}</span>;
}

export function StatusDot({ status }: { status: StageStatus }) {
  return <span class={`dot status-${status}`} aria-hidden="true" />;
}

function stageTitle(name: StageName, state: StageState, now: Date): string {
  const parts = [`${STAGE_LABELS[name]}: ${STATUS_LABELS[state.status]}`];
  if (state.startedAt) parts.push(`start ${formatTime(state.startedAt)}`);
  if (state.endedAt) parts.push(`end ${formatTime(state.endedAt)}`);
  const duration = stageDuration(state, now);
  if (duration !== undefined) parts.push(`duration ${formatDuration(duration)}`);
  if (state.detail) parts.push(state.detail);
  return parts.join('\n');
}

/** Ingestion's start is the run id's time, to the second: under a second reads as such. */
export const shortDuration = (name: StageName, ms: number): string => (name === 'ingest' && ms < 1000 ? '< 1 s' : formatDuration(ms));

/** One cell per stage: status colour, duration. */
export function StageCell({ name, state, now }: { name: StageName; state: StageState; now: Date }) {
  const duration = stageDuration(state, now);
  return (
    <td class={`stage status-${state.status}`} title={stageTitle(name, state, now)} data-stage={name} data-status={state.status}>
      <StatusDot status={state.status} />
      <span class="stage-text">{duration !== undefined ? shortDuration(name, duration) : STATUS_LABELS[state.status]}</span>
    </td>
  );
}

export function Progress({ run }: { run: Run }) {
  const current = run.current;
  if (!current) return null;
  const progress = current.progress;
  if (progress) {
    const share = Math.min(1, progress.epoch / Math.max(1, progress.epochs));
    return (
      <span class="progress" title={progress.message}>
        <span class="progress-label">
          {STAGE_LABELS[current.stage]} · epoch {progress.epoch}/{progress.epochs}
        </span>
        <span class="bar">
          <span class="bar-fill" style={{ width: `${(share * 100).toFixed(0)}%` }} />
        </span>
      </span>
    );
  }
  const state = run.stages[current.stage];
  return (
    <span class="progress">
      <span class="progress-label">
        {STAGE_LABELS[current.stage]} · {STATUS_LABELS[state.status]}
      </span>
      {state.detail ? <span class="muted small"> {state.detail}</span> : null}
    </span>
  );
}

export function Time({ date }: { date?: Date }) {
  if (!date) return <span class="muted">—</span>;
  return <time dateTime={date.toISOString()}>{formatTime(date)}</time>;
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={id}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function KeyValues({ rows }: { rows: Array<[string, ComponentChildren]> }) {
  return (
    <table class="kv">
      <tbody>
        {rows.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Pager({ page, pages, href }: { page: number; pages: number; href: (page: number) => string }) {
  if (pages <= 1) return null;
  const numbers = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  return (
    <nav class="pager" aria-label="pages">
      <a href={href(Math.max(1, page - 1))} aria-disabled={page === 1} class={page === 1 ? 'disabled' : ''}>
        ‹ newer
      </a>
      {numbers.map((n, index) => (
        <Fragment key={n}>
          {index > 0 && n - numbers[index - 1]! > 1 ? <span class="muted">…</span> : null}
          <a href={href(n)} class={n === page ? 'current' : ''} aria-current={n === page ? 'page' : undefined}>
            {n}
          </a>
        </Fragment>
      ))}
      <a href={href(Math.min(pages, page + 1))} aria-disabled={page === pages} class={page === pages ? 'disabled' : ''}>
        older ›
      </a>
    </nav>
  );
}

export function Code({ children }: { children: ComponentChildren }) {
  return <code class="ref">{children}</code>;
}

export function ErrorNote({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}
