/**
 * The page's whole state lives in the URL's hash: `#/<page>/<id>?<params>`. Shared parameters
 * (`from`, `to`, `refresh`) ride along on every page; the rest belong to the page. This module is
 * pure (no DOM), so it is tested in Node too.
 */

/** Parameters every page shares, with their defaults (a default is left out of the URL). */
export const SHARED_DEFAULTS = Object.freeze({ from: '-1h', to: '', refresh: 'off' });

/** Pages in navigation order: the first segment of the hash path. */
export const PAGES = Object.freeze(['overview', 'incidents', 'traces', 'calibration', 'behaviour', 'infrastructure', 'settings']);

/**
 * `#/traces/abc?service=x` -> {page: 'traces', rest: ['abc'], params}. Unknown or empty pages
 * fall back to the overview; path segments are decoded.
 * @param {string} hash
 * @returns {{page: string, rest: string[], params: URLSearchParams}}
 */
export function parseHash(hash) {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const segs = pathPart.split('/').filter(Boolean).map(safeDecode);
  const page = PAGES.includes(segs[0]) ? segs[0] : 'overview';
  return { page, rest: PAGES.includes(segs[0]) ? segs.slice(1) : [], params };
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The hash for a view: shared parameters equal to their default and empty values are left out,
 * the rest sorted so one view has one URL.
 * @param {string} page
 * @param {readonly string[]} rest
 * @param {URLSearchParams | Record<string, string | null | undefined>} params
 */
export function formatHash(page, rest, params) {
  const entries = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params);
  const kept = entries.filter(([k, v]) => v !== null && v !== undefined && v !== '' && !(k in SHARED_DEFAULTS && SHARED_DEFAULTS[k] === v));
  kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const qs = new URLSearchParams(kept).toString();
  const path = [page, ...rest.map(encodeURIComponent)].join('/');
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

/**
 * The shared parameters of `params`, defaults filled in.
 * @param {URLSearchParams} params
 */
export function sharedOf(params) {
  return {
    from: params.get('from') || SHARED_DEFAULTS.from,
    to: params.get('to') || SHARED_DEFAULTS.to,
    refresh: params.get('refresh') || SHARED_DEFAULTS.refresh,
  };
}

/**
 * Only the shared parameters of `params` (for links to another page that keep the time range).
 * @param {URLSearchParams} params
 */
export function sharedParams(params) {
  const out = new URLSearchParams();
  for (const k of Object.keys(SHARED_DEFAULTS)) if (params.get(k)) out.set(k, params.get(k));
  return out;
}

/**
 * A link to a page keeping the shared parameters of `current`, with `extra` set (null removes).
 * @param {URLSearchParams} current
 * @param {string} page
 * @param {readonly string[]} [rest]
 * @param {Record<string, string | null | undefined>} [extra]
 */
export function linkTo(current, page, rest = [], extra = {}) {
  const p = sharedParams(current);
  for (const [k, v] of Object.entries(extra)) {
    if (v === null || v === undefined || v === '') p.delete(k);
    else p.set(k, v);
  }
  return formatHash(page, rest, p);
}
