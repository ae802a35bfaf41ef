import uPlot from 'uplot';
import type { StressSpan, StressState, VitalsSeries } from '../history';
import { h } from './dom';
import { clock, STRESS_LABEL } from './format';

/**
 * The pet page's charts, drawn with uPlot: HR and HRV per minute, and the stress states
 * the pet was given as a stepped line. Each chart has a text summary beside it (charts
 * are canvas: screen readers get the text).
 */

const HEIGHT = 200;
const STRESS_Y: Record<StressState, number> = { unknown: 0, rest: 1, exercise: 2, stress: 3 };
const STRESS_COLOURS: Record<StressState, string> = { unknown: '#9aa0a6', rest: '#2a9d8f', exercise: '#3a86ff', stress: '#e76f51' };

function sized(el: HTMLElement): { width: number; height: number } {
  return { width: Math.max(280, Math.floor(el.clientWidth || 600)), height: HEIGHT };
}

/** Keeps a chart as wide as its container. */
function followWidth(plot: uPlot, el: HTMLElement): () => void {
  const ro = new ResizeObserver(() => plot.setSize(sized(el)));
  ro.observe(el);
  return () => {
    ro.disconnect();
    plot.destroy();
  };
}

function summary(values: ReadonlyArray<number | null>): string {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return 'no data';
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return `mean ${Math.round(mean)}, range ${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
}

/** HR (bpm, left axis) and HRV RMSSD (ms, right axis) per minute. Returns the element and its disposer. */
export function vitalsChart(series: VitalsSeries, span: string): { el: HTMLElement; dispose: () => void } {
  const text = series.t.length === 0 ? `No vitals in ${span}.` : `Over ${span}, per minute: heart rate ${summary(series.hr)} bpm; HRV (RMSSD) ${summary(series.hrv)} ms.`;
  const holder = h('div', { class: 'chart', 'aria-hidden': 'true' });
  const el = h('figure', { class: 'chart-figure' }, holder, h('figcaption', {}, text));
  if (series.t.length === 0) return { el, dispose: () => undefined };
  const opts: uPlot.Options = {
    ...sized(holder),
    scales: { x: { time: true }, hr: { auto: true }, hrv: { auto: true } },
    series: [
      {},
      { label: 'HR (bpm)', scale: 'hr', stroke: '#d62828', width: 1.5, spanGaps: false },
      { label: 'HRV RMSSD (ms)', scale: 'hrv', stroke: '#3a86ff', width: 1.5, spanGaps: false },
    ],
    axes: [{}, { scale: 'hr', label: 'bpm' }, { scale: 'hrv', side: 1, label: 'ms', grid: { show: false } }],
  };
  const data: uPlot.AlignedData = [series.t.map((t) => t / 1000), series.hr, series.hrv];
  let dispose: () => void = () => undefined;
  // uPlot measures its container: it is drawn once the figure is in the document
  requestAnimationFrame(() => {
    if (!holder.isConnected) return;
    const plot = new uPlot({ ...opts, ...sized(holder) }, data, holder);
    dispose = followWidth(plot, holder);
  });
  return { el, dispose: () => dispose() };
}

/** The stress states over [from, to], stepped, with the spans listed as text. */
export function stressChart(spans: readonly StressSpan[], from: number, to: number, span: string): { el: HTMLElement; dispose: () => void } {
  const items = spans.map((sp) => h('li', {}, `${clock(sp.from)}–${clock(sp.to)}: ${STRESS_LABEL[sp.state]}`));
  const list = spans.length === 0 ? h('p', {}, `No stress states recorded in ${span}.`) : h('ul', { class: 'spans' }, ...items);
  const holder = h('div', { class: 'chart', 'aria-hidden': 'true' });
  const el = h('figure', { class: 'chart-figure' }, holder, h('figcaption', {}, list));
  if (spans.length === 0) return { el, dispose: () => undefined };
  const xs: number[] = [];
  const ys: number[] = [];
  for (const sp of spans) {
    xs.push(sp.from / 1000);
    ys.push(STRESS_Y[sp.state]);
  }
  const last = spans[spans.length - 1]!;
  xs.push(last.to / 1000);
  ys.push(STRESS_Y[last.state]);
  const names = Object.keys(STRESS_Y) as StressState[];
  const opts: uPlot.Options = {
    ...sized(holder),
    scales: { x: { time: true, min: from / 1000, max: to / 1000 }, y: { range: [-0.5, 3.5] } },
    series: [{}, { label: 'stress state', stroke: STRESS_COLOURS.stress, fill: `${STRESS_COLOURS.stress}33`, width: 2, paths: uPlot.paths.stepped?.({ align: 1 }), points: { show: false } }],
    axes: [{}, { splits: () => [0, 1, 2, 3], values: (_u, vals) => vals.map((v) => names[v] ?? ''), size: 70 }],
    legend: { show: false },
  };
  let dispose: () => void = () => undefined;
  requestAnimationFrame(() => {
    if (!holder.isConnected) return;
    const plot = new uPlot({ ...opts, ...sized(holder) }, [xs, ys], holder);
    dispose = followWidth(plot, holder);
  });
  return { el, dispose: () => dispose() };
}
