/**
 * The output coloured token by token by probability: each token's background goes from red
 * (improbable) to green (certain); the least confident tokens are outlined and listed; hovering or
 * moving through the tokens with the arrow keys shows the top alternatives with their probabilities.
 * One span per token: outputs are thousands of tokens at most, and the text must stay selectable.
 */
import { h } from './dom.js';
import { fmtPct } from './format.js';
import { leastConfident, prob, probabilityHue } from './logprobs.js';

/**
 * @param {import('./logprobs.js').DecodedLogprobs} decoded
 * @param {HTMLElement} tooltip
 */
export function renderTokenHeatmap(decoded, tooltip) {
  const { logprobs, top } = decoded;
  const tokens = decoded.tokens ?? logprobs.map(() => '');
  const noText = tokens.every((t) => t === '');
  const marked = new Set(leastConfident(logprobs));
  const box = h('div.tokens', { tabindex: 0, role: 'group', 'aria-label': 'Output tokens by probability; arrow keys move between tokens' });
  const els = tokens.map((t, i) => {
    const p = prob(logprobs[i]);
    return h(
      'span.tok',
      {
        class: marked.has(i) ? 'lc' : null,
        style: { background: `hsl(${probabilityHue(p)} 75% 55% / 0.38)` },
        dataset: { i: String(i), p: p.toFixed(4) },
      },
      noText ? '▯' : t,
    );
  });
  box.append(...els);
  let cur = -1;

  function show(i, anchor) {
    const p = prob(logprobs[i]);
    const alts = top?.[i] ?? [];
    tooltip.replaceChildren(
      h('div', null, h('strong', null, JSON.stringify(tokens[i])), ` p = ${fmtPct(p, 2)}`, h('span.muted', null, `  (logprob ${Number.isFinite(logprobs[i]) ? logprobs[i].toFixed(3) : '-∞'})`)),
      marked.has(i) ? h('div.error.small', null, 'among the least confident tokens') : null,
      alts.length
        ? h(
            'table',
            { 'data-alternatives': String(alts.length) },
            h('tbody', null, alts.map((a) => h('tr', null, h('td.mono', null, JSON.stringify(a.token)), h('td.num', null, fmtPct(prob(a.logprob), 2))))),
          )
        : h('div.muted.small', null, 'no alternatives recorded'),
    );
    tooltip.hidden = false;
    const r = anchor.getBoundingClientRect();
    tooltip.style.left = `${Math.max(4, Math.min(r.left, window.innerWidth - 370))}px`;
    tooltip.style.top = `${r.bottom + 6}px`;
  }
  function hide() {
    tooltip.hidden = true;
  }
  function focusToken(i) {
    if (cur >= 0) els[cur].classList.remove('current');
    cur = i;
    els[i].classList.add('current');
    els[i].scrollIntoView({ block: 'nearest' });
    show(i, els[i]);
  }
  box.addEventListener('mouseover', (e) => {
    const t = /** @type {HTMLElement} */ (e.target);
    if (t.classList?.contains('tok')) show(Number(t.dataset.i), t);
  });
  box.addEventListener('mouseleave', hide);
  box.addEventListener('blur', hide);
  box.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
      e.preventDefault();
      focusToken(Math.min(els.length - 1, cur + 1));
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
      e.preventDefault();
      focusToken(Math.max(0, cur < 0 ? 0 : cur - 1));
    } else if (e.key === 'Escape') hide();
  });

  const least = [...marked].sort((a, b) => logprobs[a] - logprobs[b]);
  return h(
    'div.heatmap',
    { 'data-tokens': String(tokens.length) },
    h('div.row.small.muted', null, h('span', null, '0%'), h('span.legend-scale', { 'aria-hidden': 'true' }), h('span', null, '100%'), h('span', null, `${tokens.length} tokens; outlined: least confident`)),
    noText ? h('p.small.muted', null, 'The tokens\u2019 text was not captured (content capture off or redacted); the numbers are kept.') : null,
    box,
    least.length
      ? h(
          'p.small',
          { 'data-least': 'true' },
          'Least confident: ',
          least.map((i, k) => [k ? ', ' : '', h('button.linklike', { type: 'button', onclick: () => focusToken(i) }, `${JSON.stringify(tokens[i])} ${fmtPct(prob(logprobs[i]), 1)}`)]),
        )
      : null,
  );
}
