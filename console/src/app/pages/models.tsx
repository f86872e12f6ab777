/** Models: accuracy across runs, what the endpoint served and when, the model in service now. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Snapshot } from '../../data/store';
import { modelsView, type ModelsView } from '../../data/models';
import { formatDuration, percent } from '../../data/format';
import { AccuracyChart, type Series } from '../chart';
import { Code, KeyValues, Pager, Section, Time } from '../components';
import { useLive } from '../live';
import { runHref, withParams, type Route } from '../router';

const VERSIONS_PER_PAGE = 50;

export function ModelsPage({ snapshot, route }: { snapshot: Snapshot; route: Route }) {
  const live = useLive();
  const [view, setView] = useState<ModelsView | undefined>();
  useEffect(() => {
    // The chart needs every run's accuracy: the training jobs' descriptions and the evaluation reports.
    live.store.want({ accuracies: snapshot.runs.filter((run) => run.refs.trainingJobName).map((run) => run.runId), reports: true });
    live.refreshSoon();
    return () => live.store.want({ accuracies: [], reports: false });
  }, [live, snapshot.runs.length]);
  useEffect(() => {
    let current = true;
    void modelsView(snapshot).then((loaded) => current && setView(loaded));
    return () => {
      current = false;
    };
  }, [snapshot]);

  const chart = useMemo(() => {
    const trained = (view?.versions ?? []).filter((version) => version.validationAccuracy !== undefined || version.testAccuracy !== undefined);
    const ticks = trained.map((version) => (version.createdAt ? version.createdAt.toISOString().slice(5, 16).replace('T', ' ') : version.runId));
    const series: Series[] = [{ label: 'validation accuracy', color: '#2563eb', values: trained.map((version) => version.validationAccuracy ?? null) }];
    if (trained.some((version) => version.testAccuracy !== undefined)) {
      series.push({ label: 'test accuracy', color: '#16a34a', values: trained.map((version) => version.testAccuracy ?? null) });
    }
    return { ticks, labels: trained.map((version) => `${version.runId} (${version.decision})`), series };
  }, [view]);

  if (!view) return <p class="muted">Loading the models…</p>;
  const inService = view.inService;
  const versions = [...view.versions].reverse();
  const pages = Math.max(1, Math.ceil(versions.length / VERSIONS_PER_PAGE));
  const page = Math.min(pages, Math.max(1, Number(route.params.get('page') ?? 1) || 1));
  return (
    <div>
      <div class="columns">
        <Section title="In service now" id="in-service">
          {inService ? (
            <KeyValues
              rows={[
                ['endpoint', <Code>{inService.endpoint.name}</Code>],
                ['status', <span class={`endpoint-status es-${inService.endpoint.status}`}>{inService.endpoint.status}</span>],
                ['model', <Code>{inService.endpoint.configName ?? '—'}</Code>],
                ['run', inService.version?.runId ? <a href={runHref(inService.version.runId)}>{inService.version.runId}</a> : '—'],
                ['validation accuracy', percent(inService.model?.validationAccuracy)],
                ...(inService.model?.testAccuracy !== undefined ? ([['test accuracy', percent(inService.model.testAccuracy)]] as Array<[string, string]>) : []),
                ['since', <Time date={inService.version?.from ?? inService.endpoint.lastModifiedAt} />],
                ...(inService.endpoint.pendingConfigName ? ([['updating to', <Code>{inService.endpoint.pendingConfigName}</Code>]] as Array<[string, preact.ComponentChildren]>) : []),
                ...(inService.endpoint.failureReason ? ([['last failure', <span class="error-text">{inService.endpoint.failureReason}</span>]] as Array<[string, preact.ComponentChildren]>) : []),
              ]}
            />
          ) : (
            <p class="muted">No endpoint {snapshot.config.endpointName} yet: the first model that passes the quality gate creates it.</p>
          )}
        </Section>
        <Section title="Endpoint versions" id="endpoint-history">
          {view.endpointHistory.length === 0 ? (
            <p class="muted">No model deployed yet.</p>
          ) : (
            <table class="small-table" aria-label="endpoint versions">
              <thead>
                <tr>
                  <th>model</th>
                  <th>served from</th>
                  <th>until</th>
                  <th class="num">validation</th>
                </tr>
              </thead>
              <tbody>
                {view.endpointHistory.slice(0, 20).map((version) => (
                  <tr key={`${version.configName} ${version.from?.getTime()}`} class={version.to ? '' : 'serving'}>
                    <td>{version.runId ? <a href={runHref(version.runId)}>{version.modelName}</a> : version.modelName}</td>
                    <td>
                      <Time date={version.from} />
                    </td>
                    <td>{version.to ? <Time date={version.to} /> : <strong>serving</strong>}</td>
                    <td class="num">{percent(version.validationAccuracy)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </div>
      <Section title="Accuracy across runs" id="accuracy">
        {chart.ticks.length === 0 ? <p class="muted">No trained model yet.</p> : <AccuracyChart ticks={chart.ticks} labels={chart.labels} series={chart.series} />}
        {!snapshot.hasEvaluations ? <p class="muted small">Test accuracy appears once runs are evaluated on their test split (evaluations/&lt;runId&gt;/report.json).</p> : null}
      </Section>
      <Section title="Model versions" id="versions">
        <table class="small-table" aria-label="model versions">
          <thead>
            <tr>
              <th>run</th>
              <th>trained</th>
              <th class="num">validation</th>
              <th class="num">test</th>
              <th>decision</th>
            </tr>
          </thead>
          <tbody>
            {versions.slice((page - 1) * VERSIONS_PER_PAGE, page * VERSIONS_PER_PAGE).map((version) => (
              <tr key={version.id}>
                <td>
                  <a href={runHref(version.runId)}>{version.runId}</a>
                </td>
                <td>
                  <Time date={version.createdAt} />
                </td>
                <td class="num">{percent(version.validationAccuracy)}</td>
                <td class="num">{percent(version.testAccuracy)}</td>
                <td>
                  <span class={`badge decision-${version.decision}`}>{version.decision}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager page={page} pages={pages} href={(n) => withParams('#/models', { page: n === 1 ? undefined : n })} />
        <p class="muted small">
          {versions.length} model version(s), from the training jobs {snapshot.config.trainingJobPrefix}*
          {inService?.version?.from ? `; the current one has served for ${formatDuration(snapshot.refreshedAt.getTime() - inService.version.from.getTime())}` : ''}.
        </p>
      </Section>
    </div>
  );
}
