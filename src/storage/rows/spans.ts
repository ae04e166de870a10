import type { ConfidenceSignals } from '../../model/confidence.js';
import type { SpanRecord } from '../../model/span.js';
import { attributesJson, intOrNull, jstr, numberOrNull, sharedAttributesJson, stringArray } from './json.js';

/** The `spans` columns a row gives, in its order (the insert names them: JSONCompactEachRow). */
export const SPAN_COLUMNS = [
  'trace_id', 'span_id', 'parent_span_id', 'trace_state', 'flags', 'name', 'kind',
  'start_time', 'end_time', 'duration_ns', 'status_code', 'status_message', 'service',
  'operation', 'provider', 'request_model', 'response_model', 'model', 'response_id',
  'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens', 'reasoning_output_tokens',
  'finish_reasons', 'temperature', 'top_p', 'max_tokens', 'stream', 'conversation_id', 'agent_name', 'tool_name',
  'time_to_first_token_s', 'latencies', 'attributes', 'dropped_attributes_count', 'events', 'dropped_events_count',
  'links', 'dropped_links_count', 'resource', 'resource_schema_url', 'scope_name', 'scope_version', 'scope_attributes',
  'entities',
  'confidence', 'confidence_source', 'confidence_calibrated', 'logprob_mean', 'logprob_min', 'perplexity',
  'entropy_mean', 'answer_prob', 'least_confident_pos', 'verbalized_confidence', 'verbalized_format_ok', 'scores',
] as const;

/**
 * One JSONCompactEachRow line (without the newline) for the `spans` table, values in
 * {@link SPAN_COLUMNS} order. Prompt and completion content is stored once, as received in the
 * attributes and events; the `{role, parts}` messages are derived from them when a span is read.
 */
export function spanRow(span: SpanRecord): string {
  const g = span.genai;
  const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  let events = '[';
  for (let i = 0; i < span.events.length; i++) {
    const e = span.events[i];
    events +=
      (i ? ',' : '') +
      `{"timeUnixNano":"${e.timeUnixNano}","name":${jstr(e.name)},"attributes":${attributesJson(e.attributes)},"droppedAttributesCount":${e.droppedAttributesCount}}`;
  }
  events += ']';
  let links = '[';
  for (let i = 0; i < span.links.length; i++) {
    const l = span.links[i];
    links +=
      (i ? ',' : '') +
      `{"traceId":"${l.traceId}","spanId":"${l.spanId}","traceState":${jstr(l.traceState)},"attributes":${attributesJson(l.attributes)},"droppedAttributesCount":${l.droppedAttributesCount},"flags":${l.flags}}`;
  }
  links += ']';
  let latencies = '{';
  let first = true;
  for (const k in g.latencies) {
    const v = g.latencies[k];
    if (!Number.isFinite(v)) continue;
    latencies += (first ? '' : ',') + jstr(k) + ':' + v;
    first = false;
  }
  latencies += '}';
  let entities = '[';
  const refs = span.entities.refs;
  for (let i = 0; i < refs.length; i++) entities += (i ? ',' : '') + jstr(refs[i].kind + ':' + refs[i].key);
  entities += ']';
  return (
    `["${span.traceId}","${span.spanId}","${span.parentSpanId}",${jstr(span.traceState)},${span.flags}` +
    `,${jstr(span.name)},${span.kind >= 0 && span.kind <= 5 ? span.kind : 0},${span.startTimeUnixNano},${span.endTimeUnixNano},${duration}` +
    `,${span.statusCode},${jstr(span.statusMessage)},${jstr(span.service)}` +
    `,${str(g.operation)},${str(g.provider)},${str(g.requestModel)},${str(g.responseModel)}` +
    `,${str(g.responseModel ?? g.requestModel)},${str(g.responseId)}` +
    `,${intOrNull(g.inputTokens)},${intOrNull(g.outputTokens)},${intOrNull(g.cacheReadInputTokens)}` +
    `,${intOrNull(g.cacheCreationInputTokens)},${intOrNull(g.reasoningOutputTokens)}` +
    `,${stringArray(g.finishReasons)},${numberOrNull(g.temperature)},${numberOrNull(g.topP)},${intOrNull(g.maxTokens)}` +
    `,${g.stream === null ? 'null' : g.stream},${str(g.conversationId)},${str(g.agentName)},${str(g.toolName)}` +
    `,${numberOrNull(g.timeToFirstTokenS)},${latencies}` +
    `,${attributesJson(span.attributes)},${span.droppedAttributesCount},${events},${span.droppedEventsCount}` +
    `,${links},${span.droppedLinksCount},${sharedAttributesJson(span.resource)},${jstr(span.resourceSchemaUrl)}` +
    `,${jstr(span.scope.name)},${jstr(span.scope.version)},${sharedAttributesJson(span.scope.attributes)}` +
    `,${entities}` +
    (span.confidence === null ? NO_CONFIDENCE : confidenceValues(span.confidence)) +
    ']'
  );
}

/** The confidence columns of a span without confidence signals (most spans). */
const NO_CONFIDENCE = ',null,"",null,null,null,null,null,null,null,null,null,{}';

/** The confidence columns, from `confidence` to `scores`, each preceded by a comma. */
function confidenceValues(c: ConfidenceSignals): string {
  let scores = '{';
  let first = true;
  for (const k in c.scores) {
    const v = c.scores[k];
    if (!Number.isFinite(v)) continue;
    scores += (first ? '' : ',') + jstr(k) + ':' + v;
    first = false;
  }
  scores += '}';
  return (
    `,${float(c.value)},${str(c.source)},${float(c.calibrated)}` +
    `,${float(c.logprobMean)},${float(c.logprobMin)},${float(c.perplexity)},${float(c.entropyMean)},${float(c.answerProb)}` +
    `,${intOrNull(c.leastConfidentPos)},${float(c.verbalized)},${c.verbalizedFormatOk === null ? 'null' : c.verbalizedFormatOk}` +
    `,${scores}`
  );
}

/**
 * A Nullable(Float64) value: null stays null, and so does NaN; ±Infinity is kept (a token of probability
 * 0 makes the mean log probability -inf and the perplexity inf), as ClickHouse's quoted `inf` / `-inf`.
 */
function float(v: number | null): string {
  if (v === null || v !== v) return 'null';
  if (v === Infinity) return '"inf"';
  if (v === -Infinity) return '"-inf"';
  return String(v);
}

function str(value: string | null): string {
  return value === null ? '""' : jstr(value);
}

