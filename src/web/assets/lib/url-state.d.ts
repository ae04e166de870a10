/** Types of url-state.js (browser code, plain ES module), for the Node tests. */
export const SHARED_DEFAULTS: Readonly<{ from: string; to: string; refresh: string }>;
export const PAGES: readonly string[];
export function parseHash(hash: string): { page: string; rest: string[]; params: URLSearchParams };
export function formatHash(page: string, rest: readonly string[], params: URLSearchParams | Record<string, string | null | undefined>): string;
export function sharedOf(params: URLSearchParams): { from: string; to: string; refresh: string };
export function sharedParams(params: URLSearchParams): URLSearchParams;
export function linkTo(current: URLSearchParams, page: string, rest?: readonly string[], extra?: Record<string, string | null | undefined>): string;
