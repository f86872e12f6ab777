/**
 * A run drawn as the chain of its stages (like the Glue workflow picture): one node per stage, coloured by
 * status, with its duration; and under it the stages on one time axis.
 */
import type { Run, StageName } from '../data/model';
import { formatDuration, formatTime, stageDuration } from '../data/format';
import { shortDuration, STAGE_LABELS } from './components';

const NODE_W = 128;
const NODE_H = 54;
const GAP = 36;

const SERVICE_OF: Record<StageName, string> = {
  ingest: 'ingestion · Lambda',
  preprocess: 'ingestion · Glue',
  train: 'training · SageMaker',
  evaluate: 'deployment · Batch Transform',
  deploy: 'deployment · endpoint',
  notify: 'notification · SES',
};

export function ChainGraph({ run, stages, now }: { run: Run; stages: StageName[]; now: Date }) {
  const width = stages.length * NODE_W + (stages.length - 1) * GAP + 8;
  return (
    <svg class="chain" viewBox={`0 0 ${width} ${NODE_H + 40}`} role="img" aria-label={`stages of run ${run.runId}`}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
        </marker>
      </defs>
      {stages.map((name, index) => {
        const x = 4 + index * (NODE_W + GAP);
        const state = run.stages[name];
        const duration = stageDuration(state, now);
        return (
          <g key={name} class={`node status-${state.status}`} data-stage={name} data-status={state.status}>
            <title>{`${STAGE_LABELS[name]}: ${state.status}${state.detail ? `\n${state.detail}` : ''}`}</title>
            {index > 0 ? <line x1={x - GAP + 2} y1={4 + NODE_H / 2} x2={x - 3} y2={4 + NODE_H / 2} class="edge" marker-end="url(#arrow)" /> : null}
            <rect x={x} y={4} width={NODE_W} height={NODE_H} rx={10} />
            <text x={x + NODE_W / 2} y={4 + 22} class="node-label">
              {STAGE_LABELS[name]}
            </text>
            <text x={x + NODE_W / 2} y={4 + 41} class="node-status">
              {state.status === 'running' && name === 'train' && run.current?.progress
                ? `epoch ${run.current.progress.epoch}/${run.current.progress.epochs}`
                : `${state.status}${duration !== undefined ? ` · ${shortDuration(name, duration)}` : ''}`}
            </text>
            <text x={x + NODE_W / 2} y={NODE_H + 26} class="node-service">
              {SERVICE_OF[name]}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** The stages that have a start, as bars on one time axis from the run's start. */
export function Timeline({ run, stages, now }: { run: Run; stages: StageName[]; now: Date }) {
  const timed = stages
    .map((name) => ({ name, state: run.stages[name] }))
    .filter(({ state }) => state.startedAt || state.endedAt);
  if (timed.length === 0) return null;
  const start = Math.min(run.startedAt.getTime(), ...timed.map(({ state }) => (state.startedAt ?? state.endedAt)!.getTime()));
  const end = Math.max(...timed.map(({ state }) => (state.endedAt ?? (state.status === 'running' ? now : state.startedAt))!.getTime()), start + 1000);
  const span = end - start;
  const label = 90;
  const width = 640;
  const row = 22;
  const scale = (time: number) => label + ((time - start) / span) * (width - label - 10);
  return (
    <svg class="timeline" viewBox={`0 0 ${width} ${timed.length * row + 24}`} role="img" aria-label="stage timeline">
      {timed.map(({ name, state }, index) => {
        const from = (state.startedAt ?? state.endedAt)!.getTime();
        const to = (state.endedAt ?? (state.status === 'running' ? now : state.startedAt))!.getTime();
        const x = scale(from);
        const w = Math.max(3, scale(to) - x);
        return (
          <g key={name} class={`bar status-${state.status}`}>
            <text x={label - 8} y={index * row + 15} class="tl-label">
              {STAGE_LABELS[name]}
            </text>
            <rect x={x} y={index * row + 4} width={w} height={row - 8} rx={3}>
              <title>{`${formatTime(new Date(from))} → ${formatTime(new Date(to))} (${formatDuration(to - from)})`}</title>
            </rect>
          </g>
        );
      })}
      <text x={label} y={timed.length * row + 18} class="tl-axis">
        {formatTime(new Date(start))}
      </text>
      <text x={width - 10} y={timed.length * row + 18} class="tl-axis end">
        +{formatDuration(span)}
      </text>
    </svg>
  );
}
