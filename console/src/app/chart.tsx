/** uPlot charts: accuracy across runs. */
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  /** One value per x; null where the run has none. */
  values: Array<number | null>;
}

/**
 * One point per run, in run order (runs come at any pace: an axis of time would bunch them), one line per
 * series; the axis names the runs' dates, hovering shows the run id. Resizes with its container.
 */
export function AccuracyChart({ ticks, labels, series, height = 280 }: { ticks: string[]; labels: string[]; series: Series[]; height?: number }) {
  const x = ticks.map((_tick, index) => index);
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let cancelled = false;
    let cleanup: (() => void) | undefined;
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled) return;
      cleanup = draw(UPlot, element);
    });
    return () => {
      cancelled = true;
      cleanup?.();
    };
  }, [ticks, labels, series, height]);

  function draw(UPlot: typeof uPlot, element: HTMLDivElement): () => void {
    const data: uPlot.AlignedData = [x, ...series.map((s) => s.values)];
    const options: uPlot.Options = {
      width: Math.max(320, element.clientWidth),
      height,
      scales: {
        x: { time: false, range: () => [-0.5, Math.max(0.5, x.length - 0.5)] },
        y: { range: (_u, min, max) => [Math.max(0, Math.min(min ?? 0, 0.5) - 0.02), Math.min(1, (max ?? 1) + 0.02)] },
      },
      axes: [
        // whole runs only: 1, 2, 5, 10, ... runs between labels, as many as fit
        { values: (_u, values) => values.map((value) => (Number.isInteger(value) ? (ticks[value] ?? '') : '')), space: 90, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        { values: (_u, values) => values.map((value) => `${(value * 100).toFixed(0)}%`), size: 56 },
      ],
      series: [
        { label: 'run', value: (_u, _v, index) => labels[index] ?? '' },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: true,
          points: { show: true, size: 6, fill: s.color },
          value: (_u: uPlot, value: number | null) => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(2)}%`),
        })),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
    const plot = new UPlot(options, data, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, element.clientWidth), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }
  return <div class="chart" ref={container} data-points={x.length} />;
}
