import type { SpanRecord } from '../../model/span.js';
import { entityId } from '../../model/entity.js';
import { anyValueJson, attributesJson, numberOrNull, stringArray } from './json.js';

/**
 * One JSONEachRow line (without the newline) for the `spans` table. Prompt and completion content is
 * stored once, as received in the attributes and events; the `{role, parts}` messages are derived
 * from them when a span is read.
 */
export function spanRow(span: SpanRecord): string {
  const g = span.genai;
  const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  let events = '[';
  for (let i = 0; i < span.events.length; i++) {
    const e = span.events[i];
    events +=
      (i ? ',' : '') +
      `{"timeUnixNano":"${e.timeUnixNano}","name":${JSON.stringify(e.name)},"attributes":${attributesJson(e.attributes)},"droppedAttributesCount":${e.droppedAttributesCount}}`;
  }
  events += ']';
  let links = '[';
  for (let i = 0; i < span.links.length; i++) {
    const l = span.links[i];
    links +=
      (i ? ',' : '') +
      `{"traceId":"${l.traceId}","spanId":"${l.spanId}","traceState":${JSON.stringify(l.traceState)},"attributes":${attributesJson(l.attributes)},"droppedAttributesCount":${l.droppedAttributesCount},"flags":${l.flags}}`;
  }
  links += ']';
  let latencies = '{';
  let first = true;
  for (const k in g.latencies) {
    const v = g.latencies[k];
    if (!Number.isFinite(v)) continue;
    latencies += (first ? '' : ',') + JSON.stringify(k) + ':' + v;
    first = false;
  }
  latencies += '}';
  return (
    `{"trace_id":"${span.traceId}","span_id":"${span.spanId}","parent_span_id":"${span.parentSpanId}"` +
    `,"trace_state":${JSON.stringify(span.traceState)},"flags":${span.flags}` +
    `,"name":${JSON.stringify(span.name)},"kind":${span.kind}` +
    `,"start_time":${span.startTimeUnixNano},"end_time":${span.endTimeUnixNano},"duration_ns":${duration}` +
    `,"status_code":${span.statusCode},"status_message":${JSON.stringify(span.statusMessage)}` +
    `,"service":${JSON.stringify(span.service)}` +
    `,"operation":${str(g.operation)},"provider":${str(g.provider)}` +
    `,"request_model":${str(g.requestModel)},"response_model":${str(g.responseModel)}` +
    `,"model":${str(g.responseModel ?? g.requestModel)},"response_id":${str(g.responseId)}` +
    `,"input_tokens":${numberOrNull(g.inputTokens)},"output_tokens":${numberOrNull(g.outputTokens)}` +
    `,"cache_read_input_tokens":${numberOrNull(g.cacheReadInputTokens)}` +
    `,"cache_creation_input_tokens":${numberOrNull(g.cacheCreationInputTokens)}` +
    `,"reasoning_output_tokens":${numberOrNull(g.reasoningOutputTokens)}` +
    `,"finish_reasons":${stringArray(g.finishReasons)}` +
    `,"temperature":${numberOrNull(g.temperature)},"top_p":${numberOrNull(g.topP)},"max_tokens":${numberOrNull(g.maxTokens)}` +
    `,"stream":${g.stream === null ? 'null' : g.stream}` +
    `,"conversation_id":${str(g.conversationId)},"agent_name":${str(g.agentName)},"tool_name":${str(g.toolName)}` +
    `,"time_to_first_token_s":${numberOrNull(g.timeToFirstTokenS)},"latencies":${latencies}` +
    `,"attributes":${attributesJson(span.attributes)},"dropped_attributes_count":${span.droppedAttributesCount}` +
    `,"events":${events},"dropped_events_count":${span.droppedEventsCount}` +
    `,"links":${links},"dropped_links_count":${span.droppedLinksCount}` +
    `,"resource":${attributesJson(span.resource)},"resource_schema_url":${JSON.stringify(span.resourceSchemaUrl)}` +
    `,"scope_name":${JSON.stringify(span.scope.name)},"scope_version":${JSON.stringify(span.scope.version)}` +
    `,"scope_attributes":${attributesJson(span.scope.attributes)}` +
    `,"entities":${stringArray(span.entities.refs.map(entityId))}}`
  );
}

function str(value: string | null): string {
  return value === null ? '""' : JSON.stringify(value);
}

