/**
 * Time-series charts on canvas (uPlot): series given as `{label, points: [{t, v}]}` are aligned on
 * one time axis, coloured from a fixed palette, sized to their container (which CSS gives a fixed
 * height, so nothing jumps), and drawn in the current theme's colours. Optional vertical marks
 * (an incident's start) and a shared x range keep several charts on one time axis.
 */
import uPlot from '/ui/vendor/uPlot.esm.js';
import { h } from './dom.js';
import { fmtTime, fmtUnit } from './format.js';

export const PALETTE = ['#2f6fed', '#e8590c', '#2b9a66', '#c2255c', '#7048e8', '#0c8599', '#a07800', '#d6336c', '#5c940d', '#495057'];

/** @param {string} name */
function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/**
 * Series aligned on the union of their times (uPlot's data layout), seconds on x.
 * @param {readonly {points: readonly {t: number, v: number | null}[]}[]} series
 * @returns {(number | null)[][]}
 */
export function alignSeries(series) {
  const ts = new Set();
  for (const s of series) for (const p of s.points) ts.add(p.t);
  const xs = [...ts].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const data = [xs.map((t) => t / 1000)];
  for (const s of series) {
    const ys = new Array(xs.length).fill(null);
    for (const p of s.points) ys[index.get(p.t)] = p.v === undefined || (typeof p.v === 'number' && !Number.isFinite(p.v)) ? null : p.v;
    data.push(ys);
  }
  return data;
}

/**
 * Draws a chart into `el` (replacing its content) and returns a function that removes it.
 * @param {HTMLElement} el a container with a fixed CSS height
 * @param {{
 *   series: readonly {label: string, points: readonly {t: number, v: number | null}[], color?: string, dash?: boolean}[],
 *   unit?: string, fromMs?: number, toMs?: number, marks?: readonly {t: number, label?: string, color?: string}[],
 *   yMin?: number, yMax?: number, legend?: boolean, stepped?: boolean, emptyText?: string,
 * }} spec
 */
export function timeChart(el, spec) {
  el.replaceChildren();
  const height = el.clientHeight || 200;
  const width = Math.max(200, el.clientWidth || 600);
  const hasData = spec.series.some((s) => s.points.some((p) => p.v !== null && p.v !== undefined));
  if (!hasData) {
    el.append(h('div.chart-empty', null, spec.emptyText ?? 'No data in this range'));
    el.dataset.empty = 'true';
    return () => el.replaceChildren();
  }
  el.dataset.empty = 'false';
  const fg = cssVar('--fg') || '#222';
  const grid = cssVar('--border') || '#ddd';
  const unit = spec.unit ?? '';
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const legend = spec.legend ?? spec.series.length > 1;
  const opts = {
    width,
    height: height - (legend ? 28 : 0),
    legend: { show: legend, live: false },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    scales: {
      x: { time: true, ...(spec.fromMs !== undefined && spec.toMs !== undefined ? { range: [spec.fromMs / 1000, spec.toMs / 1000] } : {}) },
      y: spec.yMin !== undefined || spec.yMax !== undefined ? { range: (_u, min, max) => [spec.yMin ?? min, spec.yMax ?? max] } : {},
    },
    axes: [
      { ...axis, values: (_u, splits) => splits.map((s) => fmtTime(s * 1000).slice(11, 16)) },
      { ...axis, size: 64, values: (_u, splits) => splits.map((v) => fmtUnit(v, unit)) },
    ],
    series: [
      { value: (_u, v) => (v === null ? '–' : fmtTime(v * 1000)) },
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? PALETTE[i % PALETTE.length],
        width: 1.5,
        dash: s.dash ? [5, 4] : undefined,
        spanGaps: false,
        paths: spec.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
        points: { show: s.points.length < 40 },
        value: (_u, v) => fmtUnit(v, unit),
      })),
    ],
    hooks: {
      draw: [
        (u) => {
          if (!spec.marks) return;
          const ctx = u.ctx;
          ctx.save();
          for (const m of spec.marks) {
            const x = u.valToPos(m.t / 1000, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = m.color ?? cssVar('--bad');
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
  const plot = new uPlot(opts, alignSeries(spec.series), el);
  const ro = new ResizeObserver(() => {
    const w = Math.max(200, el.clientWidth);
    if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: plot.height });
  });
  ro.observe(el);
  return () => {
    ro.disconnect();
    plot.destroy();
  };
}

/**
 * Bars over numeric x (a reliability diagram's bins, a histogram) on canvas.
 * @param {HTMLElement} el
 * @param {{
 *   xs: readonly number[], series: readonly {label: string, values: readonly (number | null)[], color?: string, bars?: boolean, width?: number}[],
 *   xRange?: [number, number], yRange?: [number, number], xLabel?: string, yLabel?: string, diagonal?: boolean,
 * }} spec
 */
export function xyChart(el, spec) {
  el.replaceChildren();
  const fg = cssVar('--fg') || '#222';
  const grid = cssVar('--border') || '#ddd';
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const bars = uPlot.paths.bars({ size: [0.8, 60] });
  const opts = {
    width: Math.max(200, el.clientWidth || 500),
    height: (el.clientHeight || 300) - 28,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, range: spec.xRange }, y: { range: spec.yRange } },
    axes: [
      { ...axis, label: spec.xLabel, labelSize: 18 },
      { ...axis, label: spec.yLabel, labelSize: 18, size: 50 },
    ],
    series: [
      {},
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? PALETTE[i % PALETTE.length],
        fill: s.bars ? `${s.color ?? PALETTE[i % PALETTE.length]}55` : undefined,
        width: s.width ?? 1.5,
        paths: s.bars ? bars : undefined,
        points: { show: !s.bars },
        spanGaps: true,
      })),
    ],
    hooks: {
      draw: [
        (u) => {
          if (!spec.diagonal) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = grid;
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          ctx.moveTo(u.valToPos(0, 'x', true), u.valToPos(0, 'y', true));
          ctx.lineTo(u.valToPos(1, 'x', true), u.valToPos(1, 'y', true));
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  };
  const plot = new uPlot(opts, [spec.xs.slice(), ...spec.series.map((s) => s.values.slice())], el);
  const ro = new ResizeObserver(() => {
    const w = Math.max(200, el.clientWidth);
    if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: plot.height });
  });
  ro.observe(el);
  return () => {
    ro.disconnect();
    plot.destroy();
  };
}

/**
 * `/api/metrics` series as chart series: gauges' and rates' `v`, or one quantile of histograms.
 * @param {readonly any[]} series the API's `series`
 * @param {(s: any) => string} label
 * @param {string} [quantile] for histogram/summary series, e.g. '0.99'
 */
export function metricSeries(series, label, quantile = '0.99') {
  return series.map((s) => ({
    label: label(s),
    points: s.points.map((p) => ({ t: p.t, v: 'v' in p ? p.v : p.quantiles ? (p.quantiles[quantile] ?? null) : null })),
  }));
}
