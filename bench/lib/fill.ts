/**
 * Synthetic GenAI spans generated inside ClickHouse (`INSERT INTO spans SELECT ... FROM numbers()`),
 * for filling a store with millions of rows in seconds instead of pushing them through OTLP.
 *
 * Run it with `max_threads` and `max_insert_threads` at the core count: generation and the
 * MergeTree write both parallelise.
 *
 * Shape: traces of 5 spans (an agent root span, three LLM calls, one tool call), ~20 models over 9
 * providers, 7 services, start times spread uniformly over the 3 days before `nowNs` and rising with
 * the row number (so chunks are inserted in time order, as live ingest writes them); LLM spans carry
 * ~600 bytes of attributes JSON and input/output messages of a few hundred bytes, like the rows the
 * ingest path writes (column values as `spanRow` in src/storage/rows/spans.ts would produce them).
 */

export const SPANS_PER_TRACE = 5;
export const WINDOW_NS = 3n * 86_400n * 1_000_000_000n;

/** [request model, response model, provider, server.address] */
export const MODELS: readonly (readonly [string, string, string, string])[] = [
  ['gpt-4o', 'gpt-4o-2024-08-06', 'openai', 'api.openai.com'],
  ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'openai', 'api.openai.com'],
  ['gpt-4.1', 'gpt-4.1-2025-04-14', 'openai', 'api.openai.com'],
  ['gpt-4.1-mini', 'gpt-4.1-mini-2025-04-14', 'openai', 'api.openai.com'],
  ['o3-mini', 'o3-mini-2025-01-31', 'openai', 'api.openai.com'],
  ['text-embedding-3-small', 'text-embedding-3-small', 'openai', 'api.openai.com'],
  ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet-20241022', 'anthropic', 'api.anthropic.com'],
  ['claude-3-5-haiku-20241022', 'claude-3-5-haiku-20241022', 'anthropic', 'api.anthropic.com'],
  ['claude-sonnet-4-20250514', 'claude-sonnet-4-20250514', 'anthropic', 'api.anthropic.com'],
  ['claude-opus-4-20250514', 'claude-opus-4-20250514', 'anthropic', 'api.anthropic.com'],
  ['gemini-2.0-flash', 'gemini-2.0-flash-001', 'gcp.gemini', 'generativelanguage.googleapis.com'],
  ['gemini-1.5-pro', 'gemini-1.5-pro-002', 'gcp.gemini', 'generativelanguage.googleapis.com'],
  ['mistral-large-latest', 'mistral-large-2411', 'mistral_ai', 'api.mistral.ai'],
  ['mistral-small-latest', 'mistral-small-2501', 'mistral_ai', 'api.mistral.ai'],
  ['command-r-plus', 'command-r-plus-08-2024', 'cohere', 'api.cohere.com'],
  ['meta-llama/Llama-3.1-70B-Instruct', 'meta-llama/Llama-3.1-70B-Instruct', 'vllm', 'vllm-70b.inference.svc'],
  ['meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.1-8B-Instruct', 'vllm', 'vllm-8b.inference.svc'],
  ['Qwen/Qwen2.5-72B-Instruct', 'Qwen/Qwen2.5-72B-Instruct', 'vllm', 'vllm-qwen.inference.svc'],
  ['deepseek-chat', 'deepseek-chat', 'deepseek', 'api.deepseek.com'],
  ['llama3.1:8b', 'llama3.1:8b', 'ollama', 'localhost'],
];

export const SERVICES = ['chat-api', 'rag-service', 'agent-orchestrator', 'support-bot', 'code-assistant', 'search-gateway', 'batch-summarizer'];
const AGENTS = ['support_triage', 'research_assistant', 'code_reviewer', 'travel_planner', 'sql_analyst'];
const TOOLS = ['search_docs', 'get_weather', 'run_sql', 'fetch_url', 'create_ticket', 'lookup_customer', 'send_email', 'calculator'];
const SENTENCES = [
  'Summarize the attached quarterly report and list the three largest cost drivers with their percentages',
  'What is the refund policy for annual subscriptions purchased through the mobile app in the European Union',
  'Rewrite this paragraph in a friendlier tone but keep every technical detail and the numbered list intact',
  'Explain why the nightly ETL job failed with a timeout after the schema migration added a new index',
  'Draft a polite reply to the customer asking for the order number and the email used at checkout',
  'Compare the latency and cost of the two embedding models on our retrieval benchmark and recommend one',
  'Given the following stack trace, identify the most likely root cause and propose a minimal fix',
  'Translate the release notes into German and Japanese, preserving markdown headings and code blocks',
  'Classify the sentiment of each review as positive, neutral or negative and give a one line reason',
  'Generate five test cases for the date parsing function, including leap years and time zone offsets',
  'The answer is based on the retrieved passages from the knowledge base and cites the two most relevant',
  'I could not find an order with that number; could you double check it or share the email address used',
  'Here is a revised version of the function that handles empty input and avoids the quadratic loop',
  'Based on the logs, the job ran out of memory while sorting; raising the limit or streaming would help',
  'The main cost drivers were cloud compute at 41 percent, contractor spend at 22 percent and licenses at 13',
  'Sure, here are the steps to reset your password from the account settings page on the web dashboard',
];

function sqlString(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function sqlArray(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/**
 * The INSERT ... SELECT for rows `offset .. offset+count-1` of the synthetic data set. `columns` are
 * the spans table's columns (system.columns): only those are written, so the fill follows schema
 * changes. Where the table has no message columns, prompts and completions travel as the current
 * semantic conventions carry them, in the `gen_ai.{system_instructions,input.messages,output.messages}`
 * attributes (JSON text), which is how ingest stores them then.
 */
export function fillSql(db: string, offset: number, count: number, nowNs: bigint, totalSpans: number, columns: ReadonlySet<string>): string {
  // Trace start times rise with the trace number (plus up to a minute of jitter), so consecutive
  // chunks cover consecutive time ranges as live ingest would, ending at `nowNs`.
  const traces = BigInt(Math.max(1, Math.ceil(totalSpans / SPANS_PER_TRACE)));
  const step = WINDOW_NS / traces;
  const req = sqlArray(MODELS.map((m) => m[0]));
  const resp = sqlArray(MODELS.map((m) => m[1]));
  const prov = sqlArray(MODELS.map((m) => m[2]));
  const addr = sqlArray(MODELS.map((m) => m[3]));
  const messageColumns = columns.has('input_messages');
  const contentAttributes = messageColumns
    ? ''
    : `, ',"gen_ai.system_instructions":', toJSONString(system_msg), ',"gen_ai.input.messages":', toJSONString(input_msg), ',"gen_ai.output.messages":', toJSONString(output_msg)`;
  const exprs: [string, string][] = [
    ['trace_id', 'trace_id'],
    ['span_id', 'span_id'],
    ['parent_span_id', 'parent_span_id'],
    ['trace_state', "''"],
    ['flags', '257'],
    ['name', 'name'],
    ['kind', 'kind'],
    ['start_time', 'fromUnixTimestamp64Nano(start_ns)'],
    ['end_time', 'fromUnixTimestamp64Nano(start_ns + dur)'],
    ['duration_ns', 'toUInt64(dur)'],
    ['status_code', 'if(failed, 2, 0)'],
    ['status_message', "if(failed, 'rate limited (429)', '')"],
    ['service', 'svc'],
    ['operation', 'op'],
    ['provider', "if(is_llm, provider_, '')"],
    ['request_model', "if(is_llm, req_model, '')"],
    ['response_model', "if(is_llm, resp_model, '')"],
    ['model', "if(is_llm, resp_model, '')"],
    ['response_id', "if(is_llm, response_id_, '')"],
    ['input_tokens', 'if(is_llm, toInt64(in_tok), NULL)'],
    ['output_tokens', 'if(is_llm, toInt64(out_tok), NULL)'],
    ['cache_read_input_tokens', 'if(is_llm, toInt64(intDiv(hs, 1048576) % 1024), NULL)'],
    ['finish_reasons', 'if(is_llm, [finish], [])'],
    ['temperature', 'if(is_llm, temp, NULL)'],
    ['top_p', 'if(is_llm, 1.0, NULL)'],
    ['max_tokens', 'if(is_llm, toInt64(max_tok), NULL)'],
    ['stream', 'if(is_llm, intDiv(hs, 8) % 2 = 1, NULL)'],
    ['conversation_id', 'conv'],
    ['agent_name', "if(k = 0, agent, '')"],
    ['tool_name', "if(is_tool, tool, '')"],
    ['time_to_first_token_s', 'if(is_llm, ttft, NULL)'],
    ['latencies', "if(is_llm, map('time_to_first_token', ttft), CAST(map(), 'Map(String, Float64)'))"],
    ['system_instructions', "if(is_llm, system_msg, '')"],
    ['input_messages', "if(is_llm, input_msg, '')"],
    ['output_messages', "if(is_llm, output_msg, '')"],
    [
      'attributes',
      `multiIf(
    is_llm, concat('{"gen_ai.operation.name":"', op, '","gen_ai.provider.name":"', provider_, '","gen_ai.request.model":"', req_model,
      '","gen_ai.response.model":"', resp_model, '","gen_ai.request.temperature":', toString(temp), ',"gen_ai.request.top_p":1',
      ',"gen_ai.request.max_tokens":', toString(max_tok), ',"gen_ai.usage.input_tokens":', toString(in_tok),
      ',"gen_ai.usage.output_tokens":', toString(out_tok), ',"gen_ai.response.id":"', response_id_,
      '","gen_ai.response.finish_reasons":["', finish, '"],"gen_ai.conversation.id":"', conv, '","server.address":"', address,
      '","server.port":443,"user.id":"', user_id, '","app.tenant":"', tenant, '","session.id":"', session, '"'${contentAttributes}, '}'),
    is_tool, concat('{"gen_ai.operation.name":"execute_tool","gen_ai.tool.name":"', tool, '","gen_ai.tool.call.id":"call_', substring(span_id, 1, 12),
      '","gen_ai.tool.type":"function","gen_ai.conversation.id":"', conv, '","user.id":"', user_id, '","app.tenant":"', tenant, '"}'),
    concat('{"gen_ai.operation.name":"invoke_agent","gen_ai.agent.name":"', agent, '","gen_ai.agent.id":"agent_', toString(agent_i),
      '","gen_ai.conversation.id":"', conv, '","http.request.method":"POST","http.route":"/v1/', svc, '/run","http.response.status_code":200',
      ',"user.id":"', user_id, '","app.tenant":"', tenant, '","session.id":"', session, '"}')
  )`,
    ],
    ['dropped_attributes_count', '0'],
    ['events', "'[]'"],
    ['dropped_events_count', '0'],
    ['links', "'[]'"],
    ['dropped_links_count', '0'],
    [
      'resource',
      `concat('{"service.name":"', svc, '","service.version":"2.4.1","service.instance.id":"', svc, '-', toString(inst), '","host.name":"', host,
    '","deployment.environment.name":"production","telemetry.sdk.language":"python","telemetry.sdk.name":"opentelemetry","telemetry.sdk.version":"1.29.0"}')`,
    ],
    ['resource_schema_url', "'https://opentelemetry.io/schemas/1.28.0'"],
    ['scope_name', "if(is_llm, if(provider_ = 'anthropic', 'opentelemetry.instrumentation.anthropic', 'opentelemetry.instrumentation.openai_v2'), 'agent-framework')"],
    ['scope_version', "'2.1b0'"],
    ['scope_attributes', "'{}'"],
    [
      'entities',
      `arrayFilter(x -> x != '', ['service:' || svc, 'service_instance:' || svc || '-' || toString(inst), 'host:' || host,
    if(is_llm, 'model:' || resp_model, ''), if(is_llm, 'provider:' || provider_, '')])`,
    ],
  ];
  const used = exprs.filter(([c]) => columns.has(c));
  return `INSERT INTO ${db}.spans (${used.map(([c]) => c).join(', ')})
SELECT
  ${used.map(([c, e]) => `${e} AS ${c}_out`).join(',\n  ')}
FROM (
  SELECT
    number,
    intDiv(number, ${SPANS_PER_TRACE}) AS t,
    number % ${SPANS_PER_TRACE} AS k,
    sipHash64(t, 11) AS ht,
    sipHash64(number, 13) AS hs,
    k IN (1, 3, 4) AS is_llm,
    k = 2 AS is_tool,
    lower(hex(sipHash128(t, 17))) AS trace_id,
    lower(hex(substring(sipHash128(number, 19), 1, 8))) AS span_id,
    if(k = 0, '', lower(hex(substring(sipHash128(number - k, 19), 1, 8)))) AS parent_span_id,
    ${SERVICES.length} AS n_svc,
    ${sqlArray(SERVICES)}[1 + ht % n_svc] AS svc,
    ht % 40 AS inst,
    concat('ip-10-0-', toString(ht % 40), '-17.ec2.internal') AS host,
    hs % ${MODELS.length} AS m,
    ${req}[1 + m] AS req_model,
    ${resp}[1 + m] AS resp_model,
    ${prov}[1 + m] AS provider_,
    ${addr}[1 + m] AS address,
    intDiv(ht, 256) % ${AGENTS.length} AS agent_i,
    ${sqlArray(AGENTS)}[1 + agent_i] AS agent,
    ${sqlArray(TOOLS)}[1 + intDiv(hs, 256) % ${TOOLS.length}] AS tool,
    multiIf(k = 0, 'invoke_agent', is_tool, 'execute_tool', req_model LIKE 'text-embedding%', 'embeddings', 'chat') AS op,
    multiIf(k = 0, concat('invoke_agent ', agent), is_tool, concat('execute_tool ', tool), concat(op, ' ', req_model)) AS name,
    multiIf(k = 0, 2, is_tool, 1, 3) AS kind,
    toInt64(${nowNs - WINDOW_NS - 60_000_000_000n}) + toInt64(t) * ${step} + toInt64(ht % 60000000000) AS trace_start,
    trace_start + toInt64(k * 300000000) + if(k = 0, 0, toInt64(hs % 200000000)) AS start_ns,
    toInt64(multiIf(k = 0, 1500000000 + hs % 8000000000, is_tool, 10000000 + hs % 490000000, 200000000 + hs % 7800000000)) AS dur,
    is_llm AND hs % 100 < 3 AS failed,
    50 + intDiv(hs, 65536) % 4000 AS in_tok,
    intDiv(hs, 4096) % 1500 AS out_tok,
    256 * (1 + intDiv(hs, 4096) % 16) AS max_tok,
    round((intDiv(hs, 256) % 100) / 100, 2) AS temp,
    (intDiv(hs, 65536) % 2000) / 1000 + 0.05 AS ttft,
    if(intDiv(hs, 16) % 10 = 0, 'length', 'stop') AS finish,
    concat('conv_', lower(hex(substring(sipHash128(t, 23), 1, 8)))) AS conv,
    concat('user-', toString(intDiv(ht, 65536) % 5000)) AS user_id,
    concat('tenant-', toString(intDiv(ht, 16777216) % 50)) AS tenant,
    concat('sess-', lower(hex(substring(sipHash128(t, 31), 1, 6)))) AS session,
    ${sqlArray(SENTENCES)} AS sentences,
    sentences[1 + intDiv(hs, 2) % ${SENTENCES.length}] AS s1,
    sentences[1 + intDiv(hs, 32) % ${SENTENCES.length}] AS s2,
    sentences[1 + intDiv(hs, 512) % ${SENTENCES.length}] AS s3,
    sentences[1 + intDiv(hs, 8192) % ${SENTENCES.length}] AS s4,
    concat('chatcmpl-', substring(lower(hex(sipHash128(number, 29))), 1, 24)) AS response_id_,
    concat('[{"type":"text","content":"You are a helpful assistant for the ', svc, ' service. Answer concisely and cite the documents you used."}]') AS system_msg,
    concat('[{"role":"user","parts":[{"type":"text","content":"', s1, '. ', s2, '. ', s4, '?"}]}]') AS input_msg,
    concat('[{"role":"assistant","parts":[{"type":"text","content":"', s3, '. ', s4, '."}],"finish_reason":"', finish, '"}]') AS output_msg
  FROM numbers_mt(${offset}, ${count})
)`;
}
