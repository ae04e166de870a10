/** Types of logprobs.js (browser code, plain ES module), for the Node tests. */
export interface Alternative { readonly token: string; readonly logprob: number }
export interface DecodedLogprobs { readonly tokens: string[] | null; readonly logprobs: number[]; readonly top: Alternative[][] | null }
export function unpackFloat32(text: string): number[] | null;
export function decodeLogprobs(value: unknown): DecodedLogprobs | null;
export function prob(lp: number): number;
export const LEAST_CONFIDENT_MARKS: number;
export const CONFIDENT_PROBABILITY: number;
export function leastConfident(logprobs: readonly number[], marks?: number, ceiling?: number): number[];
export function probabilityHue(p: number): number;
