/**
 * Calls to Strata's JSON API from the page: query parameters from an object (null and '' left out),
 * the API key (kept in localStorage, asked for after a 401) as a Bearer token, and errors that say
 * which endpoint failed and whether it is simply not served by this Strata (a 404 "no such endpoint").
 */

const KEY_STORAGE = 'strata.apiKey';

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {string} path
   */
  constructor(status, message, path) {
    super(message);
    this.status = status;
    this.path = path;
    /** The endpoint does not exist on this server (a feature not enabled or not built yet). */
    this.notServed = status === 404 && /no such endpoint/.test(message);
    this.unauthorized = status === 401;
  }
}

export function apiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

/** @param {string} key */
export function setApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage unavailable: the key lives for this page only
  }
}

/**
 * The URL of an API path with query parameters.
 * @param {string} path
 * @param {Record<string, string | number | boolean | null | undefined> | URLSearchParams} [query]
 */
export function apiUrl(path, query) {
  const qs = new URLSearchParams();
  if (query instanceof URLSearchParams) for (const [k, v] of query) qs.append(k, v);
  else if (query) for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * GET a JSON endpoint.
 * @template T
 * @param {string} path
 * @param {Record<string, string | number | boolean | null | undefined> | URLSearchParams} [query]
 * @param {AbortSignal} [signal]
 * @returns {Promise<T>}
 */
export async function getJson(path, query, signal) {
  const headers = { Accept: 'application/json' };
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  const url = apiUrl(path, query);
  const res = await fetch(url, { headers, signal });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (!res.ok) {
    const message = body && typeof body.error === 'string' ? body.error : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message, path);
  }
  return body;
}

/**
 * Like getJson, but a missing endpoint answers `fallback` instead of failing (optional features).
 * @template T
 * @param {string} path
 * @param {Record<string, string | number | boolean | null | undefined>} query
 * @param {AbortSignal} signal
 * @param {T} fallback
 * @returns {Promise<T & {notServed?: boolean}>}
 */
export async function getOptional(path, query, signal, fallback) {
  try {
    return await getJson(path, query, signal);
  } catch (err) {
    if (err instanceof ApiError && err.notServed) return { ...fallback, notServed: true };
    throw err;
  }
}
