/**
 * Empty states that say what to send and how: the OTLP endpoints with a curl example that works as
 * pasted (its times are now), the gateway, scraping, and `strata demo` for a simulated fleet.
 */
import { h } from './dom.js';

/** Default ports (docs: README); a Strata started with other ports says so in Settings. */
export const DEFAULT_PORTS = { otlpHttp: 4318, otlpGrpc: 4317, gateway: 4100 };

function host() {
  return location.hostname || 'localhost';
}

/** A curl command that sends one GenAI span, timed now. */
export function curlExample() {
  const endNs = BigInt(Date.now()) * 1_000_000n;
  const startNs = endNs - 1_200_000_000n;
  const traceId = Array.from({ length: 32 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'my-app' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: traceId.slice(0, 16),
                name: 'chat gpt-4o-mini',
                kind: 3,
                startTimeUnixNano: startNs.toString(),
                endTimeUnixNano: endNs.toString(),
                attributes: [
                  { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
                  { key: 'gen_ai.usage.input_tokens', value: { intValue: '12' } },
                  { key: 'gen_ai.usage.output_tokens', value: { intValue: '30' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  return `curl -X POST http://${host()}:${DEFAULT_PORTS.otlpHttp}/v1/traces \\\n  -H 'Content-Type: application/json' \\\n  -d '${JSON.stringify(body)}'`;
}

/**
 * @param {string} title
 * @param {...(Node | string | null)} body
 */
export function emptyState(title, ...body) {
  return h('section.empty', { 'data-empty': 'true' }, h('h2', null, title), ...body);
}

/** How to get traces in. */
export function sendTracesHelp() {
  return [
    h('p', null, 'Send OpenTelemetry traces over OTLP to ', h('code', null, `http://${host()}:${DEFAULT_PORTS.otlpHttp}`), ' (HTTP) or ', h('code', null, `${host()}:${DEFAULT_PORTS.otlpGrpc}`), ' (gRPC), for example:'),
    h('pre', { tabindex: 0 }, curlExample()),
    h('p', null, 'Or route OpenAI-compatible calls through the gateway: ', h('code', null, `OPENAI_BASE_URL=http://${host()}:${DEFAULT_PORTS.gateway}/v1`), ' records every request with its token log probabilities.'),
    h('p', null, 'Or see it all with a simulated fleet: ', h('code', null, 'npx strata demo'), '. If data was sent earlier, widen the time range above.'),
  ];
}

/** How to get GPU and engine metrics in. */
export function sendMetricsHelp() {
  return [
    h('p', null, 'Strata scrapes Prometheus endpoints listed under ', h('code', null, 'scrape:'), ' in its configuration (vLLM ', h('code', null, '/metrics'), ', the DCGM exporter, node exporter), receives Prometheus remote write, and OTLP metrics on ', h('code', null, `http://${host()}:${DEFAULT_PORTS.otlpHttp}/v1/metrics`), '.'),
    h('pre', { tabindex: 0 }, 'scrape:\n  - url: http://gpu-node-1:9400/metrics   # DCGM exporter\n  - url: http://gpu-node-1:8000/metrics   # vLLM'),
    h('p', null, 'Or run ', h('code', null, 'npx strata demo'), ' for a simulated fleet.'),
  ];
}
