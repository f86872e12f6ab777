/**
 * One run: its chain and timeline, the data it prepared (manifest), the training job (hyperparameters,
 * metrics, status transitions), the evaluation (per-class table, confusion heat map, champion against
 * challenger) when there is one, the emails it sent, and the names of everything it touched.
 */
import { useEffect, useState } from 'preact/hooks';
import type { EmailRecord, EvaluationReport, ModelEvaluation, Run } from '../../data/model';
import type { Snapshot } from '../../data/store';
import type { RunDetails } from '../../data/details';
import { formatBytes, formatDuration, percent, stageDuration } from '../../data/format';
import { ChainGraph, Timeline } from '../chain';
import { Code, ErrorNote, KeyValues, OutcomeBadge, Progress, Section, shortDuration, shownStages, StageCell, STAGE_LABELS, Time } from '../components';
import { useLive } from '../live';
import { runHref } from '../router';

/** Reloads the details whenever the run's stages change (a new epoch does not: the snapshot has it). */
function useRunDetails(run: Run | undefined, config: Snapshot['config']) {
  const live = useLive();
  const [details, setDetails] = useState<RunDetails | undefined>();
  const [error, setError] = useState<string | undefined>();
  const signature = run ? `${run.runId} ${Object.values(run.stages).map((stage) => stage.status).join(',')} ${run.refs.notificationKeys.length} ${run.refs.reportKey ?? ''}` : '';
  useEffect(() => {
    if (!run) return;
    let current = true;
    // Loaded on demand: the manifest's schema (zod) is not in the page's first script.
    import('../../data/details')
      .then(({ loadRunDetails }) => loadRunDetails(live.clients, config, run))
      .then((loaded) => current && (setDetails(loaded), setError(undefined)))
      .catch((failure: Error) => current && setError(`${failure.name}: ${failure.message}`));
    return () => {
      current = false;
    };
    // Reloaded when the signature changes, not on every snapshot.
  }, [signature]);
  return { details, error };
}

export function RunPage({ snapshot, runId }: { snapshot: Snapshot; runId: string }) {
  const run = snapshot.runs.find((candidate) => candidate.runId === runId);
  const { details, error } = useRunDetails(run, snapshot.config);
  if (!run) {
    return (
      <p class="empty">
        No run {runId} (yet). <a href="#/runs">All runs</a>
      </p>
    );
  }
  const stages = shownStages(snapshot.hasEvaluations || run.stages.evaluate.status !== 'skipped');
  const now = snapshot.refreshedAt;
  return (
    <div class="run-page" data-run-id={run.runId} data-outcome={run.outcome.status}>
      <p class="crumbs">
        <a href="#/runs">Runs</a> › {run.runId}
      </p>
      <header class="run-head">
        <h1>
          Run <span class="mono">{run.runId}</span> <OutcomeBadge outcome={run.outcome.status} />
        </h1>
        <p>
          started <Time date={run.startedAt} />
          {run.outcome.at ? (
            <>
              , {run.outcome.status === 'in-progress' ? '' : 'ended'} <Time date={run.outcome.at} /> ({formatDuration(run.outcome.at.getTime() - run.startedAt.getTime())})
            </>
          ) : null}
          {run.current ? (
            <>
              {' · '}
              <Progress run={run} />
            </>
          ) : null}
        </p>
        {run.outcome.reason ? <p class="reason-big">{run.outcome.reason}</p> : null}
      </header>
      <ErrorNote message={error} />

      <Section title="Stages">
        <ChainGraph run={run} stages={stages} now={now} />
        <Timeline run={run} stages={stages} now={now} />
        <table class="stages" aria-label="stages">
          <thead>
            <tr>
              <th>stage</th>
              <th>status</th>
              <th>start</th>
              <th>end</th>
              <th>duration</th>
              <th>detail</th>
            </tr>
          </thead>
          <tbody>
            {stages.map((name) => {
              const state = run.stages[name];
              return (
                <tr key={name} data-stage={name} data-status={state.status}>
                  <th scope="row">{STAGE_LABELS[name]}</th>
                  <StageCell name={name} state={state} now={now} />
                  <td>
                    <Time date={state.startedAt} />
                  </td>
                  <td>
                    <Time date={state.endedAt} />
                  </td>
                  <td>{stageDuration(state, now) === undefined ? '' : shortDuration(name, stageDuration(state, now)!)}</td>
                  <td class="detail">{state.detail ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Section>

      <div class="columns">
        <DataSection run={run} details={details} />
        <TrainingSection run={run} details={details} />
      </div>
      {details?.report ? <EvaluationSection report={details.report} /> : null}
      <EmailsSection emails={details?.emails} expected={run.refs.notificationKeys.length} />
      <LinksSection run={run} snapshot={snapshot} details={details} />
    </div>
  );
}

function DataSection({ run, details }: { run: Run; details?: RunDetails }) {
  const manifest = details?.manifest;
  if (!manifest) {
    return (
      <Section title="Data" id="data">
        {run.trigger.drops.length > 0 ? <DropsList run={run} /> : null}
        <p class="muted">{details?.manifestError ?? (run.refs.preparedPrefix ? 'No manifest (yet).' : 'This run prepared no data.')}</p>
      </Section>
    );
  }
  const labels = Object.entries(manifest.labels).sort((a, b) => a[0].localeCompare(b[0]));
  const reasons = details.rejections;
  return (
    <Section title="Data" id="data">
      <DropsList run={run} />
      <KeyValues
        rows={[
          ['input rows', (manifest.input_rows ?? 0).toLocaleString('en')],
          ['train / validation / test', `${manifest.rows.train.toLocaleString('en')} / ${manifest.rows.validation.toLocaleString('en')} / ${manifest.rows.test.toLocaleString('en')}`],
          ['rejected rows', (manifest.rejected_rows ?? 0).toLocaleString('en')],
          ['duplicate rows', (manifest.duplicate_rows ?? 0).toLocaleString('en')],
          ['sources read', String(manifest.sources.length)],
          ['preprocessing', manifest.elapsed_seconds !== undefined ? `${manifest.elapsed_seconds.toFixed(2)} s in the script` : ''],
        ]}
      />
      {reasons.length > 0 ? (
        <table class="small-table" aria-label="rejections by reason">
          <thead>
            <tr>
              <th>rejected because</th>
              <th class="num">rows</th>
            </tr>
          </thead>
          <tbody>
            {reasons.map(([reason, rows]) => (
              <tr key={reason}>
                <td>{reason.replaceAll('_', ' ')}</td>
                <td class="num">{rows.toLocaleString('en')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <table class="small-table" aria-label="rows per label and split">
        <thead>
          <tr>
            <th>label</th>
            <th class="num">train</th>
            <th class="num">validation</th>
            <th class="num">test</th>
          </tr>
        </thead>
        <tbody>
          {labels.map(([label, counts]) => (
            <tr key={label}>
              <td>{label}</td>
              <td class="num">{counts.train.toLocaleString('en')}</td>
              <td class="num">{counts.validation.toLocaleString('en')}</td>
              <td class="num">{counts.test.toLocaleString('en')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function DropsList({ run }: { run: Run }) {
  if (run.trigger.drops.length === 0) return null;
  return (
    <ul class="drops-list">
      {run.trigger.drops.map((drop) => (
        <li key={drop.keptKey}>
          <span class="key">{drop.droppedKey}</span> → <Code>{drop.keptKey}</Code> <span class="muted">{formatBytes(drop.size)}</span>
          {drop.ownRunId ? <span class="muted small"> (arrived during another run; its own id {drop.ownRunId})</span> : null}
        </li>
      ))}
    </ul>
  );
}

function TrainingSection({ run, details }: { run: Run; details?: RunDetails }) {
  const training = details?.training;
  if (!training) {
    return (
      <Section title="Training" id="training">
        <p class="muted">{run.refs.trainingJobName ? 'Loading the training job…' : 'No training job for this run.'}</p>
      </Section>
    );
  }
  const hyper = Object.entries(training.hyperParameters).sort((a, b) => a[0].localeCompare(b[0]));
  return (
    <Section title="Training" id="training">
      <KeyValues
        rows={[
          ['job', <Code>{training.name}</Code>],
          ['status', `${training.status}${training.secondaryStatus ? ` (${training.secondaryStatus})` : ''}`],
          ['instance', `${training.instanceCount ?? 1} × ${training.instanceType ?? '?'}`],
          ['training time', training.trainingSeconds !== undefined ? `${training.trainingSeconds} s (billable ${training.billableSeconds ?? '?'} s)` : ''],
          ...(training.failureReason ? ([['failure', <span class="error-text">{training.failureReason}</span>]] as Array<[string, preact.ComponentChildren]>) : []),
        ]}
      />
      <table class="small-table" aria-label="metrics">
        <thead>
          <tr>
            <th>metric</th>
            <th class="num">value</th>
          </tr>
        </thead>
        <tbody>
          {training.metrics.length === 0 ? (
            <tr>
              <td colSpan={2} class="muted">
                none reported (yet)
              </td>
            </tr>
          ) : (
            training.metrics.map((metric) => (
              <tr key={metric.name} data-metric={metric.name}>
                <td>{metric.name}</td>
                <td class="num">{metric.name.includes('accuracy') ? percent(metric.value) : metric.value.toFixed(4)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <details>
        <summary>hyperparameters ({hyper.length})</summary>
        <table class="small-table" aria-label="hyperparameters">
          <tbody>
            {hyper.map(([name, value]) => (
              <tr key={name}>
                <td>{name}</td>
                <td class="mono">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <details>
        <summary>status transitions ({training.transitions.length})</summary>
        <table class="small-table">
          <tbody>
            {training.transitions.map((transition, index) => (
              <tr key={index}>
                <td>{transition.status}</td>
                <td>
                  <Time date={transition.startedAt} />
                </td>
                <td class="detail">{transition.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </Section>
  );
}

/** Cell colour for a share of a row (0..1): the diagonal is what is right. */
const heat = (share: number, diagonal: boolean): string =>
  diagonal ? `rgba(22, 163, 74, ${(0.12 + share * 0.75).toFixed(3)})` : share === 0 ? 'transparent' : `rgba(220, 38, 38, ${(0.1 + Math.min(1, share * 4) * 0.7).toFixed(3)})`;

function ConfusionMatrix({ labels, confusion }: { labels: string[]; confusion: number[][] }) {
  return (
    <div class="scroll">
      <table class="confusion" aria-label="confusion matrix">
        <thead>
          <tr>
            <th class="corner">true ↓ / predicted →</th>
            {labels.map((label) => (
              <th key={label} class="col-label" title={label}>
                <span>{label}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((label, i) => {
            const row = confusion[i] ?? [];
            const total = row.reduce((sum, value) => sum + value, 0) || 1;
            return (
              <tr key={label}>
                <th scope="row">{label}</th>
                {labels.map((predicted, j) => {
                  const value = row[j] ?? 0;
                  return (
                    <td key={predicted} style={{ background: heat(value / total, i === j) }} title={`${label} predicted as ${predicted}: ${value} (${percent(value / total, 1)})`}>
                      {value || ''}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function PerClass({ challenger, champion, labels }: { challenger: ModelEvaluation; champion: ModelEvaluation | null; labels: string[] }) {
  return (
    <table class="small-table per-class" aria-label="per-class metrics">
      <thead>
        <tr>
          <th>label</th>
          <th class="num">precision</th>
          <th class="num">recall</th>
          <th class="num">F1</th>
          {champion ? <th class="num">champion F1</th> : null}
          <th class="num">support</th>
        </tr>
      </thead>
      <tbody>
        {labels.map((label) => {
          const metrics = challenger.perClass[label];
          const old = champion?.perClass[label];
          return (
            <tr key={label}>
              <td>{label}</td>
              <td class="num">{percent(metrics?.precision, 1)}</td>
              <td class="num">{percent(metrics?.recall, 1)}</td>
              <td class="num">{percent(metrics?.f1, 1)}</td>
              {champion ? <td class="num">{percent(old?.f1, 1)}</td> : null}
              <td class="num">{metrics?.support ?? ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function EvaluationSection({ report }: { report: EvaluationReport }) {
  const { challenger, champion } = report;
  return (
    <Section title="Evaluation on the test split" id="evaluation">
      <div class="versus">
        <div class="tile">
          <div class="tile-label">challenger (this run)</div>
          <div class="tile-value">{percent(challenger.accuracy)}</div>
          <div class="muted small">macro F1 {percent(challenger.macroF1)}</div>
        </div>
        <div class="tile">
          <div class="tile-label">champion (in service)</div>
          <div class="tile-value">{champion ? percent(champion.accuracy) : '—'}</div>
          <div class="muted small">{champion ? `macro F1 ${percent(champion.macroF1)} · ${champion.trainingJob}` : 'no model in service'}</div>
        </div>
        <div class={`tile decision ${report.decision.deploy ? 'go' : 'stop'}`}>
          <div class="tile-label">decision</div>
          <div class="tile-value">{report.decision.deploy ? 'deploy' : 'keep champion'}</div>
          <div class="small">{report.decision.reasons.join('; ')}</div>
        </div>
      </div>
      <p class="muted small">{report.testRows.toLocaleString('en')} test rows, the same for both models.</p>
      <PerClass challenger={challenger} champion={champion} labels={report.labels} />
      <h3>Confusion matrix</h3>
      <ConfusionMatrix labels={report.labels} confusion={challenger.confusion} />
    </Section>
  );
}

function EmailsSection({ emails, expected }: { emails?: EmailRecord[]; expected: number }) {
  return (
    <Section title="Emails" id="emails">
      {expected === 0 ? <p class="muted">No email yet.</p> : null}
      {expected > 0 && !emails ? <p class="muted">Loading…</p> : null}
      {(emails ?? []).map((email) => (
        <EmailView key={email.key} email={email} />
      ))}
    </Section>
  );
}

function EmailView({ email }: { email: EmailRecord }) {
  const [html, setHtml] = useState(false);
  return (
    <article class="email" data-email-type={email.detailType}>
      <header>
        <strong class="subject">{email.subject}</strong>
        <div class="muted small">
          {email.detailType} · to {email.to.join(', ')} · from {email.from} · <Time date={email.sentAt} />
        </div>
        <div class="tabs small">
          <button type="button" class={html ? '' : 'selected'} onClick={() => setHtml(false)}>
            text
          </button>
          <button type="button" class={html ? 'selected' : ''} onClick={() => setHtml(true)}>
            HTML
          </button>
        </div>
      </header>
      {/* The HTML part in a sandbox: no scripts, no same origin, no forms, no navigation. */}
      {html ? <iframe class="email-html" sandbox="" srcDoc={email.html} title={`email: ${email.subject}`} /> : <pre class="email-text">{email.text}</pre>}
    </article>
  );
}

function LinksSection({ run, snapshot, details }: { run: Run; snapshot: Snapshot; details?: RunDetails }) {
  const bucket = snapshot.config.dataBucket;
  const s3 = (key: string) => `s3://${bucket}/${key}`;
  const rows: Array<[string, preact.ComponentChildren]> = [];
  if (run.refs.rejectedKey) rows.push(['rejected drop', <Code>{s3(run.refs.rejectedKey)}</Code>], ['rejection report', <Code>{s3(`${run.refs.rejectedKey}.error.json`)}</Code>]);
  for (const drop of run.trigger.drops) if (drop.keptKey.startsWith('labeled/')) rows.push(['labeled drop', <Code>{s3(drop.keptKey)}</Code>]);
  if (run.refs.glueJobRunId) rows.push(['Glue job run', <Code>{`${snapshot.config.glueJobName} / ${run.refs.glueJobRunId}`}</Code>]);
  if (run.refs.preparedPrefix) rows.push(['prepared data', <Code>{s3(run.refs.preparedPrefix)}</Code>], ['manifest', <Code>{s3(`${run.refs.preparedPrefix}manifest.json`)}</Code>]);
  if (run.refs.trainingJobName) rows.push(['training job', <Code>{run.refs.trainingJobName}</Code>]);
  if (details?.training?.modelArtifact) rows.push(['model artifact', <Code>{details.training.modelArtifact}</Code>]);
  if (run.refs.reportKey) rows.push(['evaluation report', <Code>{s3(run.refs.reportKey)}</Code>]);
  if (run.refs.endpointConfigName) rows.push(['model and endpoint config', <Code>{run.refs.endpointConfigName}</Code>], ['endpoint', <Code>{snapshot.config.endpointName}</Code>]);
  for (const key of run.refs.notificationKeys) rows.push(['email', <Code>{s3(key)}</Code>]);
  const newer = snapshot.runs[snapshot.runs.findIndex((candidate) => candidate.runId === run.runId) - 1];
  const older = snapshot.runs[snapshot.runs.findIndex((candidate) => candidate.runId === run.runId) + 1];
  return (
    <Section title="Names and keys" id="links">
      <KeyValues rows={rows} />
      <p class="small">
        {newer ? <a href={runHref(newer.runId)}>‹ newer run {newer.runId}</a> : null}
        {newer && older ? ' · ' : null}
        {older ? <a href={runHref(older.runId)}>older run {older.runId} ›</a> : null}
      </p>
    </Section>
  );
}
