/** Every run, newest first, a page of 50 at a time: id, what started it, each stage, the outcome. */
import { useEffect, useMemo } from 'preact/hooks';
import type { Run, RunOutcome } from '../../data/model';
import type { Snapshot } from '../../data/store';
import { OUTCOME_LABELS } from '../../data/format';
import { OutcomeBadge, Pager, Progress, shownStages, StageCell, STAGE_LABELS, Time } from '../components';
import { useLive } from '../live';
import { runHref, withParams, type Route } from '../router';

export const RUNS_PER_PAGE = 50;
const FILTERS: Array<RunOutcome | 'all'> = ['all', 'in-progress', 'deployed', 'rejected', 'failed', 'unchanged'];

function Trigger({ run }: { run: Run }) {
  const { kind, drops } = run.trigger;
  if (kind === 'no-new-data') return <span class="muted" title="a follow-up run or a retrain">no new drop</span>;
  if (drops.length === 0) return <span class="muted">—</span>;
  const first = drops.find((drop) => !drop.droppedKey.endsWith('classes.txt')) ?? drops[0]!;
  const more = drops.length - 1;
  return (
    <span title={drops.map((drop) => `${drop.droppedKey} → ${drop.keptKey}`).join('\n')}>
      <span class="key">{first.droppedKey.replace(/^incoming\//, '')}</span>
      {more > 0 ? <span class="muted"> +{more}</span> : null}
    </span>
  );
}

export function RunsPage({ snapshot, route }: { snapshot: Snapshot; route: Route }) {
  const live = useLive();
  const filter = (route.params.get('outcome') ?? 'all') as RunOutcome | 'all';
  const search = route.params.get('q') ?? '';
  const runs = useMemo(
    () => snapshot.runs.filter((run) => (filter === 'all' || run.outcome.status === filter) && (!search || run.runId.includes(search))),
    [snapshot.runs, filter, search],
  );
  const pages = Math.max(1, Math.ceil(runs.length / RUNS_PER_PAGE));
  const page = Math.min(pages, Math.max(1, Number(route.params.get('page') ?? 1) || 1));
  const shown = runs.slice((page - 1) * RUNS_PER_PAGE, page * RUNS_PER_PAGE);
  const shownIds = shown.map((run) => run.runId).join(',');
  useEffect(() => {
    // The rows shown need their details (accuracy, failure reasons, emails): read those, and only those.
    live.store.want({ runs: shownIds ? shownIds.split(',') : [] });
    live.refreshSoon();
  }, [shownIds, live]);
  const stages = shownStages(snapshot.hasEvaluations);
  const href = (params: Record<string, string | number | undefined>) =>
    withParams('#/runs', { outcome: filter === 'all' ? undefined : filter, q: search || undefined, ...params });
  const counts = useMemo(() => {
    const byOutcome = new Map<string, number>();
    for (const run of snapshot.runs) byOutcome.set(run.outcome.status, (byOutcome.get(run.outcome.status) ?? 0) + 1);
    return byOutcome;
  }, [snapshot.runs]);

  return (
    <div>
      <div class="toolbar">
        <div class="filters" role="group" aria-label="outcome">
          {FILTERS.map((name) => (
            <a key={name} class={`chip ${filter === name ? 'selected' : ''}`} href={withParams('#/runs', { outcome: name === 'all' ? undefined : name, q: search || undefined })}>
              {name === 'all' ? 'all' : OUTCOME_LABELS[name]} <span class="count">{name === 'all' ? snapshot.runs.length : (counts.get(name) ?? 0)}</span>
            </a>
          ))}
        </div>
        <form
          class="search"
          onSubmit={(event) => {
            event.preventDefault();
            const value = (event.currentTarget.elements.namedItem('q') as HTMLInputElement).value.trim();
            location.hash = href({ q: value || undefined, page: undefined });
          }}
        >
          <input name="q" type="search" placeholder="run id" value={search} aria-label="search run id" />
        </form>
      </div>
      {snapshot.incoming.length > 0 || snapshot.drops.waiting.length > 0 ? (
        <p class="notice">
          {snapshot.incoming.length > 0 ? `${snapshot.incoming.length} drop(s) being inspected under incoming/. ` : ''}
          {snapshot.drops.waiting.length > 0 ? `${snapshot.drops.waiting.length} accepted drop(s) wait for the next run.` : ''}
        </p>
      ) : null}
      {runs.length === 0 ? (
        <p class="empty">
          {snapshot.runs.length === 0 ? (
            <>
              No run yet. Drop labeled data into <code>s3://{snapshot.config.dataBucket}/incoming/</code>, or upload it on the <a href="#/drops">Drops</a> page.
            </>
          ) : (
            'No run matches.'
          )}
        </p>
      ) : (
        <table class="runs" aria-label="runs">
          <thead>
            <tr>
              <th>run</th>
              <th>started</th>
              <th>started by</th>
              {stages.map((name) => (
                <th key={name} class="stage-head">
                  {STAGE_LABELS[name]}
                </th>
              ))}
              <th>outcome</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <tr key={run.runId} data-run-id={run.runId} data-outcome={run.outcome.status}>
                <td>
                  <a class="run-link" href={runHref(run.runId)}>
                    {run.runId}
                  </a>
                </td>
                <td class="nowrap">
                  <Time date={run.startedAt} />
                </td>
                <td class="trigger">
                  <Trigger run={run} />
                </td>
                {stages.map((name) => (
                  <StageCell key={name} name={name} state={run.stages[name]} now={snapshot.refreshedAt} />
                ))}
                <td class="outcome">
                  <OutcomeBadge outcome={run.outcome.status} />
                  {run.outcome.status === 'in-progress' ? <Progress run={run} /> : null}
                  {run.validationAccuracy !== undefined && run.outcome.status !== 'in-progress' ? (
                    <span class="muted small"> {(run.validationAccuracy * 100).toFixed(2)}%</span>
                  ) : null}
                  {run.outcome.reason ? (
                    <div class="reason" title={run.outcome.reason}>
                      {run.outcome.reason}
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={page} pages={pages} href={(n) => href({ page: n === 1 ? undefined : n })} />
      <p class="muted small">
        {runs.length} run(s){runs.length > RUNS_PER_PAGE ? `, ${RUNS_PER_PAGE} a page` : ''}. Hover a stage for its start, end and detail.
      </p>
    </div>
  );
}
