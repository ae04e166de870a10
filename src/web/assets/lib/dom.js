/**
 * A few DOM helpers: `h` builds elements (text children are always text nodes, never HTML, so
 * nothing the API returns is ever parsed as markup), `clear` and `replace` swap content in one step.
 */

/**
 * @param {string} tag `div`, or `div.class.other`
 * @param {Record<string, unknown> | null} [attrs] attributes; `on<event>` adds listeners, `dataset` and `style` objects are applied
 * @param {...(Node | string | number | null | undefined | false | (Node | string | null | undefined | false)[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
      else if (k === 'class') el.className = [el.className, v].filter(Boolean).join(' ');
      else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/**
 * Replaces the children of `el` with `children` at once (one layout, no flash of empty content).
 * @param {Element} el
 * @param {...(Node | string | null | undefined | false | (Node | string | null | undefined | false)[])} children
 */
export function replace(el, ...children) {
  const frag = document.createDocumentFragment();
  append(frag, children);
  el.replaceChildren(frag);
}

/**
 * A select element.
 * @param {string} name
 * @param {readonly {value: string, label: string}[]} options
 * @param {string} value
 * @param {(value: string) => void} onChange
 * @param {Record<string, unknown>} [attrs]
 */
export function select(name, options, value, onChange, attrs = {}) {
  const s = h('select', { name, ...attrs, onchange: (e) => onChange(e.target.value) });
  for (const o of options) s.append(h('option', { value: o.value, selected: o.value === value }, o.label));
  if (!options.some((o) => o.value === value) && value) s.append(h('option', { value, selected: true }, value));
  return s;
}
