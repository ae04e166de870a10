/**
 * What the gateway asks the upstream for, beyond what the client asked, and how it takes it back
 * out of the answer so the client receives exactly what it would have received without Strata.
 *
 * - Streams: `stream_options.include_usage` (token counts arrive in a final chunk with no choices);
 *   added when the client did not ask, and then that chunk is dropped and `usage` keys removed.
 * - Logprobs (per route): chat `logprobs: true, top_logprobs: k`, completions `logprobs: k`;
 *   added when the client asked for none, and then every `choices[i].logprobs` is returned as null,
 *   which is what an OpenAI-compatible server answers when logprobs were not requested.
 * When the client asked for logprobs itself, its own settings go to the upstream unchanged.
 */
import { applySplices, arrayElements, objectMembers, removeMember, type Splice } from './json-splice.js';

export type Endpoint = 'chat' | 'completions' | 'responses' | 'embeddings';

export const ENDPOINT_PATHS: Readonly<Record<string, Endpoint>> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completions',
  '/v1/responses': 'responses',
  '/v1/embeddings': 'embeddings',
};

export interface RequestPlan {
  readonly endpoint: Endpoint;
  readonly model: string;
  readonly stream: boolean;
  /** The body sent upstream: the client's own bytes when nothing was added. */
  readonly upstreamBody: Buffer;
  /** The gateway added include_usage: strip the usage chunk and `usage` keys. */
  readonly stripUsage: boolean;
  /** The gateway added logprobs: return `choices[i].logprobs` as null. */
  readonly stripLogprobs: boolean;
}

type Body = Record<string, unknown>;

function isRecord(v: unknown): v is Body {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Decides the upstream request. `topLogprobs` null: the route does not collect logprobs. */
export function planRequest(endpoint: Endpoint, body: Body, raw: Buffer, topLogprobs: number | null): RequestPlan {
  const model = typeof body.model === 'string' ? body.model : '';
  const stream = body.stream === true;
  let stripUsage = false;
  let stripLogprobs = false;
  const edited: Body = { ...body };
  if (stream && (endpoint === 'chat' || endpoint === 'completions')) {
    const options = isRecord(body.stream_options) ? body.stream_options : {};
    if (options.include_usage !== true) {
      edited.stream_options = { ...options, include_usage: true };
      stripUsage = true;
    }
  }
  if (topLogprobs !== null) {
    if (endpoint === 'chat' && body.logprobs !== true) {
      edited.logprobs = true;
      if (topLogprobs > 0) edited.top_logprobs = topLogprobs;
      else delete edited.top_logprobs;
      stripLogprobs = true;
    } else if (endpoint === 'completions' && (body.logprobs === undefined || body.logprobs === null)) {
      edited.logprobs = topLogprobs;
      stripLogprobs = true;
    }
  }
  const changed = stripUsage || stripLogprobs;
  return {
    endpoint,
    model,
    stream,
    upstreamBody: changed ? Buffer.from(JSON.stringify(edited)) : raw,
    stripUsage,
    stripLogprobs,
  };
}

/** True when answers must be edited before they reach the client. */
export function needsEdit(plan: RequestPlan): boolean {
  return plan.stripUsage || plan.stripLogprobs;
}

/**
 * Takes back what the gateway added from one JSON document (a whole response or one stream
 * chunk's data). Returns null when the whole chunk is the gateway's (the usage-only chunk).
 * Text that cannot be parsed is passed on unchanged.
 */
export function stripAdded(plan: RequestPlan, json: string): string | null {
  try {
    const top = objectMembers(json, 0);
    const splices: Splice[] = [];
    const choices = top.get('choices');
    if (plan.stripUsage) {
      const usage = top.get('usage');
      if (usage && plan.stream) {
        const isNull = json.slice(usage.valueStart, usage.valueEnd) === 'null';
        const noChoices = choices !== undefined && arrayElements(json, choices.valueStart).length === 0;
        if (!isNull && noChoices) return null;
        const removal = removeMember(json, top, 'usage');
        if (removal) splices.push(removal);
      }
    }
    if (plan.stripLogprobs && choices) {
      for (const at of arrayElements(json, choices.valueStart)) {
        if (json.charCodeAt(at) !== 0x7b) continue;
        const logprobs = objectMembers(json, at).get('logprobs');
        if (logprobs && json.slice(logprobs.valueStart, logprobs.valueEnd) !== 'null')
          splices.push({ start: logprobs.valueStart, end: logprobs.valueEnd, text: 'null' });
      }
    }
    return applySplices(json, splices);
  } catch {
    return json;
  }
}
