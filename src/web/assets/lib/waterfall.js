/**
 * A trace's waterfall on one canvas, virtualised: the spans are laid out once as rows (depth-first,
 * children by start time), a tall empty element gives the scrollbar its range, and each frame draws
 * only the rows in view, so 10,000 spans scroll as smoothly as 10. Keyboard: the scroller is
 * focusable; arrows, Page Up/Down, Home/End move the selection, which is reported to `onSelect`.
 */
import { h } from './dom.js';
import { fmtDuration } from './format.js';
import { PALETTE } from './chart.js';

export const ROW_HEIGHT = 22;
const LABEL_FRACTION = 0.36;

/**
 * @typedef {{spanId: string, parentSpanId: string, name: string, service: string, startNs: bigint, endNs: bigint, error: boolean}} WaterfallSpan
 * @typedef {{span: WaterfallSpan, depth: number, index: number}} Row
 */

/**
 * Rows in display order: each span after its parent, siblings by start time; spans whose parent is
 * missing are roots. Iterative, so a 10,000-deep chain cannot overflow the stack.
 * @param {readonly WaterfallSpan[]} spans
 * @returns {Row[]}
 */
export function layoutRows(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  /** @type {Map<string, WaterfallSpan[]>} */
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      let list = children.get(s.parentSpanId);
      if (!list) children.set(s.parentSpanId, (list = []));
      list.push(s);
    } else roots.push(s);
  }
  const byStart = (a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0);
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);
  /** @type {Row[]} */
  const rows = [];
  const seen = new Set();
  const stack = roots.map((s) => ({ s, depth: 0 })).reverse();
  while (stack.length) {
    const { s, depth } = /** @type {{s: WaterfallSpan, depth: number}} */ (stack.pop());
    if (seen.has(s.spanId)) continue;
    seen.add(s.spanId);
    rows.push({ span: s, depth, index: rows.length });
    const kids = children.get(s.spanId);
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push({ s: kids[i], depth: depth + 1 });
  }
  // A parent cycle leaves spans unreached: show them as roots rather than lose them.
  for (const s of spans) if (!seen.has(s.spanId)) rows.push({ span: s, depth: 0, index: rows.length });
  return rows;
}

/**
 * Mounts a waterfall into `container`.
 * @param {HTMLElement} container
 * @param {readonly WaterfallSpan[]} spans
 * @param {{selected?: string, onSelect?: (spanId: string) => void, tooltip?: HTMLElement}} options
 * @returns {{destroy: () => void, select: (spanId: string) => void, rows: Row[], scroller: HTMLElement, canvas: HTMLCanvasElement}}
 */
export function mountWaterfall(container, spans, options = {}) {
  const rows = layoutRows(spans);
  const index = new Map(rows.map((r) => [r.span.spanId, r.index]));
  let t0 = null;
  let t1 = null;
  for (const s of spans) {
    if (t0 === null || s.startNs < t0) t0 = s.startNs;
    if (t1 === null || s.endNs > t1) t1 = s.endNs;
  }
  const total = t0 === null || t1 === null ? 1 : Math.max(1, Number(t1 - t0));
  const services = [...new Set(spans.map((s) => s.service))].sort();
  const colour = new Map(services.map((s, i) => [s, PALETTE[i % PALETTE.length]]));

  const sizer = h('div.sizer', { style: { height: `${rows.length * ROW_HEIGHT}px` } });
  const scroller = h('div.scroller', {
    tabindex: 0,
    role: 'listbox',
    'aria-label': `Waterfall of ${rows.length} spans; arrow keys select a span`,
    'data-rows': rows.length,
  }, sizer);
  const canvas = /** @type {HTMLCanvasElement} */ (h('canvas.view', { 'aria-hidden': 'true' }));
  container.replaceChildren(scroller, canvas);
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));

  let selected = options.selected && index.has(options.selected) ? /** @type {number} */ (index.get(options.selected)) : -1;
  let hover = -1;
  let frame = 0;
  let width = 0;
  let height = 0;

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    // The scroller's client width leaves out its scrollbar.
    width = scroller.clientWidth;
    height = container.clientHeight;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    schedule();
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function draw() {
    frame = 0;
    const fg = css('--fg');
    const muted = css('--muted');
    const border = css('--border');
    const hoverBg = css('--hover');
    const bad = css('--bad');
    const accent = css('--accent');
    ctx.clearRect(0, 0, width, height);
    const labelW = Math.round(width * LABEL_FRACTION);
    const barX = labelW + 8;
    const barW = Math.max(10, width - barX - 60);
    const top = scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT));
    const last = Math.min(rows.length, Math.ceil((top + height) / ROW_HEIGHT));
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let i = first; i < last; i++) {
      const r = rows[i];
      const y = i * ROW_HEIGHT - top;
      if (i === selected || i === hover) {
        ctx.fillStyle = hoverBg;
        ctx.fillRect(0, y, width, ROW_HEIGHT);
      }
      if (i === selected) {
        ctx.fillStyle = accent;
        ctx.fillRect(0, y, 3, ROW_HEIGHT);
      }
      const s = r.span;
      const indent = Math.min(r.depth * 12, labelW * 0.6);
      ctx.fillStyle = colour.get(s.service) ?? muted;
      ctx.fillRect(6 + indent, y + 7, 8, 8);
      ctx.fillStyle = s.error ? bad : fg;
      clipText(ctx, s.name, 18 + indent, y + ROW_HEIGHT / 2, labelW - 22 - indent);
      const x = barX + (Number(s.startNs - /** @type {bigint} */ (t0)) / total) * barW;
      const w = Math.max(1, (Number(s.endNs - s.startNs) / total) * barW);
      ctx.fillStyle = s.error ? bad : colour.get(s.service) ?? accent;
      ctx.fillRect(x, y + 5, w, ROW_HEIGHT - 10);
      ctx.fillStyle = muted;
      const label = fmtDuration(Number(s.endNs - s.startNs) / 1e6);
      const after = x + w + 4;
      if (after + 50 < width) ctx.fillText(label, after, y + ROW_HEIGHT / 2);
    }
    ctx.strokeStyle = border;
    ctx.beginPath();
    ctx.moveTo(labelW + 0.5, 0);
    ctx.lineTo(labelW + 0.5, height);
    ctx.stroke();
  }

  function rowAt(clientY) {
    const rect = scroller.getBoundingClientRect();
    const i = Math.floor((clientY - rect.top + scroller.scrollTop) / ROW_HEIGHT);
    return i >= 0 && i < rows.length ? i : -1;
  }

  function selectIndex(i, scroll = true) {
    if (i < 0 || i >= rows.length) return;
    selected = i;
    scroller.dataset.selected = rows[i].span.spanId;
    if (scroll) {
      const y = i * ROW_HEIGHT;
      if (y < scroller.scrollTop) scroller.scrollTop = y;
      else if (y + ROW_HEIGHT > scroller.scrollTop + height) scroller.scrollTop = y + ROW_HEIGHT - height;
    }
    schedule();
    options.onSelect?.(rows[i].span.spanId);
  }

  const onScroll = () => schedule();
  const onMove = (/** @type {MouseEvent} */ e) => {
    const i = rowAt(e.clientY);
    if (i !== hover) {
      hover = i;
      schedule();
    }
    const tip = options.tooltip;
    if (tip) {
      if (i < 0) tip.hidden = true;
      else {
        const s = rows[i].span;
        tip.replaceChildren(h('div', null, h('strong', null, s.name)), h('div.muted', null, `${s.service} · ${fmtDuration(Number(s.endNs - s.startNs) / 1e6)}${s.error ? ' · error' : ''}`));
        tip.hidden = false;
        tip.style.left = `${Math.min(e.clientX + 12, window.innerWidth - 380)}px`;
        tip.style.top = `${e.clientY + 14}px`;
      }
    }
  };
  const onLeave = () => {
    hover = -1;
    if (options.tooltip) options.tooltip.hidden = true;
    schedule();
  };
  const onClick = (/** @type {MouseEvent} */ e) => {
    const i = rowAt(e.clientY);
    if (i >= 0) selectIndex(i, false);
  };
  const onKey = (/** @type {KeyboardEvent} */ e) => {
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
    if (e.key in moves) {
      e.preventDefault();
      const base = selected < 0 ? (moves[e.key] > 0 ? -1 : rows.length) : selected;
      selectIndex(Math.max(0, Math.min(rows.length - 1, base + moves[e.key])));
    }
  };
  scroller.addEventListener('scroll', onScroll, { passive: true });
  scroller.addEventListener('mousemove', onMove);
  scroller.addEventListener('mouseleave', onLeave);
  scroller.addEventListener('click', onClick);
  scroller.addEventListener('keydown', onKey);
  const ro = new ResizeObserver(resize);
  ro.observe(container);
  resize();
  if (selected >= 0) {
    scroller.dataset.selected = rows[selected].span.spanId;
    scroller.scrollTop = Math.max(0, selected * ROW_HEIGHT - height / 3);
  }

  return {
    rows,
    scroller,
    canvas,
    select: (spanId) => {
      const i = index.get(spanId);
      if (i !== undefined && i !== selected) {
        selected = i;
        scroller.dataset.selected = spanId;
        schedule();
      }
    },
    destroy: () => {
      ro.disconnect();
      if (frame) cancelAnimationFrame(frame);
      if (options.tooltip) options.tooltip.hidden = true;
    },
  };
}

/** Text cut with an ellipsis to fit `max` pixels. */
function clipText(ctx, text, x, y, max) {
  if (max <= 0) return;
  if (ctx.measureText(text).width <= max) return void ctx.fillText(text, x, y);
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= max) lo = mid;
    else hi = mid - 1;
  }
  ctx.fillText(`${text.slice(0, lo)}…`, x, y);
}
