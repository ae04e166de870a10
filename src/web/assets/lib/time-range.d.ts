/** Types of time-range.js (browser code, plain ES module), for the Node tests. */
export const RANGE_PRESETS: readonly { value: string; label: string }[];
export const REFRESH_CHOICES: readonly { value: string; label: string; ms: number }[];
export function relativeMs(raw: string): number | null;
export function resolveRange(shared: { from: string; to: string }, now: number): { fromMs: number; toMs: number };
export function rangeQuery(shared: { from: string; to: string }, style?: 'start' | 'from'): Record<string, string>;
export function refreshMs(value: string): number;
export function stepFor(rangeMs: number, points?: number): number;
export function describeRange(shared: { from: string; to: string }): string;
