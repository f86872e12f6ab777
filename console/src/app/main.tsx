/**
 * The pipeline console: reads config.json beside the page, builds the AWS SDK clients for the page's own
 * origin, and renders the runs, a run, models, drops and "try the model" from a live snapshot.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageConfig } from '../data/model';
import { PipelineStore, type Snapshot } from '../data/store';
import { createClients } from './clients';
import { ErrorNote } from './components';
import { LiveContext, LiveSnapshot, useSnapshot } from './live';
import { useRoute } from './router';
import { DropsPage } from './pages/drops';
import { ModelsPage } from './pages/models';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';
import { TryPage } from './pages/try';
import './styles.css';

const TABS = [
  ['runs', 'Runs', '#/runs'],
  ['models', 'Models', '#/models'],
  ['drops', 'Drops', '#/drops'],
  ['try', 'Try the model', '#/try'],
] as const;

function LiveStatus({ snapshot }: { snapshot: Snapshot }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const age = Math.max(0, Math.round((Date.now() - snapshot.refreshedAt.getTime()) / 1000));
  const stale = age > 5 || snapshot.error !== undefined;
  return (
    <span class={`live ${stale ? 'stale' : ''}`} title={`last refresh: ${snapshot.lastRefresh.requests} API requests in ${snapshot.lastRefresh.ms} ms${snapshot.lastRefresh.full ? ' (full listing)' : ''}`}>
      <span class="live-dot" /> {stale ? `updated ${age} s ago` : 'live'} · {snapshot.lastRefresh.requests} req/refresh
    </span>
  );
}

function App({ config }: { config: PageConfig }) {
  const snapshot = useSnapshot();
  const route = useRoute();
  const active = route.page === 'run' ? 'runs' : route.page;
  return (
    <>
      <header class="top">
        <div class="brand">
          <strong>ML pipeline</strong>
          <span class="stage-tag">{config.stage}</span>
          <span class="muted small">
            {config.mode === 'local' ? 'local stack' : `AWS ${config.region}`} · {config.dataBucket}
          </span>
        </div>
        <nav class="tabs-main">
          {TABS.map(([name, label, href]) => (
            <a key={name} href={href} class={active === name ? 'active' : ''} aria-current={active === name ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        {snapshot ? <LiveStatus snapshot={snapshot} /> : null}
      </header>
      <main>
        {!snapshot ? (
          <p class="muted" id="loading">
            Reading the pipeline's state…
          </p>
        ) : (
          <>
            <ErrorNote message={snapshot.error} />
            {route.page === 'runs' ? <RunsPage snapshot={snapshot} route={route} /> : null}
            {route.page === 'run' ? <RunPage snapshot={snapshot} runId={route.runId!} /> : null}
            {route.page === 'models' ? <ModelsPage snapshot={snapshot} route={route} /> : null}
            {route.page === 'drops' ? <DropsPage snapshot={snapshot} route={route} /> : null}
            {route.page === 'try' ? <TryPage snapshot={snapshot} /> : null}
          </>
        )}
      </main>
    </>
  );
}

async function boot(): Promise<void> {
  const root = document.getElementById('app')!;
  let config: PageConfig;
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
    config = (await response.json()) as PageConfig;
  } catch (error) {
    root.innerHTML = '';
    render(<p class="error">The console could not read its configuration: {(error as Error).message}</p>, root);
    return;
  }
  const clients = createClients(config, location.origin);
  const store = new PipelineStore(clients, config, { requestCounter: clients.counter });
  const live = new LiveSnapshot(store, clients);
  root.innerHTML = '';
  render(
    <LiveContext.Provider value={live}>
      <App config={config} />
    </LiveContext.Provider>,
    root,
  );
  live.start();
}

void boot();
