/**
 * The entities seen (`/api/entities?kind=…`), for filter suggestions and the topology, cached for a
 * minute per kind so filters do not refetch on every keystroke or refresh.
 */
import { getJson } from './api.js';

const TTL_MS = 60_000;
/** @type {Map<string, {at: number, value: Promise<any>}>} */
const cache = new Map();

/**
 * @param {string | null} kind
 * @param {AbortSignal} [signal]
 * @returns {Promise<{entities: {id: string, kind: string, key: string, firstSeen: string, lastSeen: string}[], edges: {from: string, relation: string, to: string}[]}>}
 */
export function entities(kind, signal) {
  const k = kind ?? '*';
  const hit = cache.get(k);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const value = getJson('/api/entities', kind ? { kind, limit: 1000 } : { limit: 2000 }, signal);
  cache.set(k, { at: Date.now(), value });
  value.catch(() => cache.delete(k));
  return value;
}

/**
 * The keys of one kind, for a datalist; [] when the call fails (suggestions are optional).
 * @param {string} kind
 * @param {AbortSignal} [signal]
 */
export async function entityKeys(kind, signal) {
  try {
    return (await entities(kind, signal)).entities.map((e) => e.key);
  } catch {
    return [];
  }
}
