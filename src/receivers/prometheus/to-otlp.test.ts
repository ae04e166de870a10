import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HistogramDataPoint, MetricData, NumberDataPoint, OtlpMetric, SummaryDataPoint } from '../otlp/types.js';
import { parseExposition } from './parse-text.js';
import { SCRAPE_SCOPE_NAME, toMetricsRequest } from './to-otlp.js';

const FIXTURES = new URL('../../../test/fixtures/prometheus/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

const SCRAPE_MS = 1_700_000_000_123;
const SCRAPE_NS = 1_700_000_000_123_000_000n;

function convert(t: string, openMetrics = false): OtlpMetric[] {
  const parsed = parseExposition(t, { openMetrics, scrapeTimeMs: SCRAPE_MS });
  return toMetricsRequest(parsed, {}, SCRAPE_MS).resourceMetrics[0].scopeMetrics[0].metrics;
}

function find(metrics: OtlpMetric[], name: string): OtlpMetric {
  const found = metrics.find((m) => m.name === name);
  if (found === undefined) throw new Error(`no metric ${name}; have ${metrics.map((m) => m.name).join(', ')}`);
  return found;
}

function numbers(data: MetricData): NumberDataPoint[] {
  if (data.type !== 'gauge' && data.type !== 'sum') throw new Error(`not a number metric: ${data.type}`);
  return data.dataPoints;
}

function histogramPoints(data: MetricData): HistogramDataPoint[] {
  if (data.type !== 'histogram') throw new Error(`not a histogram: ${data.type}`);
  return data.dataPoints;
}

function summaryPoints(data: MetricData): SummaryDataPoint[] {
  if (data.type !== 'summary') throw new Error(`not a summary: ${data.type}`);
  return data.dataPoints;
}

describe('toMetricsRequest', () => {
  it('wraps the metrics in one resource and the strata.scrape scope', () => {
    const parsed = parseExposition('m 1\n', { openMetrics: false, scrapeTimeMs: SCRAPE_MS });
    const request = toMetricsRequest(parsed, { 'service.name': 'vllm', 'server.port': 8000 }, SCRAPE_MS);
    expect(request.resourceMetrics).toHaveLength(1);
    const [rm] = request.resourceMetrics;
    expect(rm.resource).toEqual({ attributes: { 'service.name': 'vllm', 'server.port': 8000 }, droppedAttributesCount: 0 });
    expect(rm.schemaUrl).toBe('');
    expect(rm.scopeMetrics).toHaveLength(1);
    expect(rm.scopeMetrics[0].scope).toEqual({ name: SCRAPE_SCOPE_NAME, version: '', attributes: {}, droppedAttributesCount: 0 });
    expect(SCRAPE_SCOPE_NAME).toBe('strata.scrape');
    expect(rm.scopeMetrics[0].metrics).toEqual([
      {
        name: 'm',
        description: '',
        unit: '',
        metadata: {},
        data: {
          type: 'gauge',
          dataPoints: [{ attributes: {}, startTimeUnixNano: 0n, timeUnixNano: SCRAPE_NS, exemplars: [], flags: 0, value: 1, isInt: false }],
        },
      },
    ]);
  });

  it('converts a DCGM gauge with its labels as string attributes in exposition order', () => {
    const sm = find(convert(fixture('dcgm_metrics.txt')), 'DCGM_FI_DEV_SM_CLOCK');
    expect(sm.description).toBe('SM clock frequency (in MHz).');
    const [point] = numbers(sm.data);
    expect(sm.data.type).toBe('gauge');
    expect(point.value).toBe(300);
    expect(point.timeUnixNano).toBe(SCRAPE_NS);
    expect(point.attributes).toEqual({
      gpu: '0',
      UUID: 'GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e',
      device: 'nvidia0',
      modelName: 'Tesla T4',
      Hostname: '424773df46e0',
      DCGM_FI_DRIVER_VERSION: '460.106.00',
      DCGM_FI_PROCESS_NAME: '/usr/bin/dcgm-exporter',
    });
    expect(Object.keys(point.attributes)).toEqual(['gpu', 'UUID', 'device', 'modelName', 'Hostname', 'DCGM_FI_DRIVER_VERSION', 'DCGM_FI_PROCESS_NAME']);
    const energy = find(convert(fixture('dcgm_metrics.txt')), 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION');
    expect(energy.data).toMatchObject({ type: 'sum', isMonotonic: true, aggregationTemporality: 2 });
    expect(numbers(energy.data)[0].value).toBe(128996013);
  });

  it('converts vLLM counters to monotonic cumulative sums named as exposed', () => {
    const metrics = convert(fixture('vllm_metrics.txt'));
    const preemptions = find(metrics, 'vllm:num_preemptions_total');
    expect(preemptions.data).toMatchObject({ type: 'sum', isMonotonic: true, aggregationTemporality: 2 });
    const bySource = numbers(find(metrics, 'vllm:prompt_tokens_by_source_total').data);
    expect(bySource.map((p) => [p.attributes, p.value, p.startTimeUnixNano])).toEqual([
      [{ model_name: 'facebook/opt-125m', source: 'local_compute' }, 53, 0n],
      [{ model_name: 'facebook/opt-125m', source: 'local_cache_hit' }, 64, 0n],
      [{ model_name: 'facebook/opt-125m', source: 'external_kv_transfer' }, 0, 0n],
    ]);
    expect(find(metrics, 'vllm:num_requests_running').data.type).toBe('gauge');
  });

  it('converts a vLLM histogram to explicit bounds and per-bucket counts', () => {
    const ttft = find(convert(fixture('vllm_metrics.txt')), 'vllm:time_to_first_token_seconds');
    expect(ttft.data).toMatchObject({ type: 'histogram', aggregationTemporality: 2 });
    const [point] = histogramPoints(ttft.data);
    expect(point.attributes).toEqual({ model_name: 'facebook/opt-125m' });
    expect(point.explicitBounds).toEqual([0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
    expect(point.bucketCounts).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(point.count).toBe(1);
    expect(point.sum).toBe(0.31326723098754883);
    expect(point.min).toBeNull();
    expect(point.max).toBeNull();
    const iteration = histogramPoints(find(convert(fixture('vllm_metrics.txt')), 'vllm:iteration_tokens_total').data)[0];
    expect(iteration.explicitBounds).toEqual([1, 8, 16, 32, 64]);
    expect(iteration.bucketCounts).toEqual([19, 48, 1, 1, 2, 0]);
    expect(iteration.count).toBe(71);
    expect(iteration.sum).toBe(267);
  });

  it('keeps bucket counts summing to the count for every fixture histogram', () => {
    let histograms = 0;
    for (const name of ['vllm_metrics.txt', 'sglang_metrics.txt']) {
      for (const m of convert(fixture(name))) {
        if (m.data.type !== 'histogram') continue;
        for (const p of m.data.dataPoints) {
          histograms++;
          expect(p.bucketCounts).toHaveLength(p.explicitBounds.length + 1);
          expect(p.bucketCounts.reduce((a, b) => a + b, 0)).toBe(p.count);
          expect([...p.explicitBounds].sort((a, b) => a - b)).toEqual(p.explicitBounds);
        }
      }
    }
    expect(histograms).toBe(23);
  });

  it('converts SGLang gauges and histograms', () => {
    const metrics = convert(fixture('sglang_metrics.txt'));
    const [throughput] = numbers(find(metrics, 'sglang:gen_throughput').data);
    expect(throughput.value).toBe(425.5);
    expect(throughput.attributes).toEqual({ model_name: 'facebook/opt-125m', tp_rank: '0' });
    const [itl] = histogramPoints(find(metrics, 'sglang:inter_token_latency_seconds').data);
    expect(itl).toMatchObject({ explicitBounds: [0.01], bucketCounts: [31, 0], count: 31, sum: 0.05 });
    expect(find(metrics, 'sglang:prompt_tokens_total').data.type).toBe('sum');
  });

  it('sorts unordered buckets and falls back to the +Inf bucket for the count', () => {
    const t = 'h_bucket{x="a",le="+Inf"} 10\nh_bucket{le="5",x="a"} 7\nh_bucket{x="a",le="1"} 2\nh_sum{x="a"} 12\nh_bucket{x="b",le="1"} 3';
    const [a, b] = histogramPoints(find(convert(`# TYPE h histogram\n${t}`), 'h').data);
    expect(a).toMatchObject({ attributes: { x: 'a' }, explicitBounds: [1, 5], bucketCounts: [2, 5, 3], count: 10, sum: 12 });
    // no +Inf bucket and no _count: the count is the last bucket's
    expect(b).toMatchObject({ attributes: { x: 'b' }, explicitBounds: [1], bucketCounts: [3, 0], count: 3, sum: null });
  });

  it('converts a gauge histogram from _gcount and _gsum', () => {
    const t = '# TYPE g gaugehistogram\ng_bucket{le="1"} 4\ng_bucket{le="+Inf"} 6\ng_gcount 6\ng_gsum 9\n# EOF\n';
    const [p] = histogramPoints(find(convert(t, true), 'g').data);
    expect(p).toMatchObject({ explicitBounds: [1], bucketCounts: [4, 2], count: 6, sum: 9, startTimeUnixNano: 0n });
  });

  it('converts summaries with their quantiles, count and sum', () => {
    const t = [
      '# TYPE rpc summary',
      'rpc{service="a",quantile="0.99"} 0.9',
      'rpc{service="a",quantile="0.5"} 0.2',
      'rpc_sum{service="a"} 8.5',
      'rpc_count{service="a"} 20',
      'rpc_created{service="a"} 1700000000.5',
      '# EOF',
    ].join('\n');
    const metrics = convert(t, true);
    expect(metrics.map((m) => m.name)).toEqual(['rpc']);
    expect(summaryPoints(metrics[0].data)).toEqual([
      {
        attributes: { service: 'a' },
        startTimeUnixNano: 1_700_000_000_500_000_000n,
        timeUnixNano: SCRAPE_NS,
        flags: 0,
        count: 20,
        sum: 8.5,
        quantileValues: [
          { quantile: 0.5, value: 0.2 },
          { quantile: 0.99, value: 0.9 },
        ],
      },
    ]);
  });

  it('uses _created as the start time and does not emit it', () => {
    const t = [
      '# TYPE req counter',
      '# HELP req Requests.',
      'req_total{code="200"} 5',
      'req_created{code="200"} 1520430000.123',
      'req_total{code="500"} 1',
      '# TYPE lat histogram',
      'lat_bucket{le="+Inf"} 2',
      'lat_count 2',
      'lat_sum 0.5',
      'lat_created 1520430001',
      '# EOF',
    ].join('\n');
    const metrics = convert(t, true);
    expect(metrics.map((m) => m.name)).toEqual(['req_total', 'lat']);
    expect(metrics[0].description).toBe('Requests.');
    expect(numbers(metrics[0].data).map((p) => [p.attributes, p.startTimeUnixNano])).toEqual([
      [{ code: '200' }, 1_520_430_000_123_000_000n],
      [{ code: '500' }, 0n],
    ]);
    expect(histogramPoints(metrics[1].data)[0].startTimeUnixNano).toBe(1_520_430_001_000_000_000n);
  });

  it('reads a separate _created gauge family (text 0.0.4 from the Python client)', () => {
    const t = '# TYPE jobs_total counter\njobs_total{q="a"} 3\n# TYPE jobs_created gauge\njobs_created{q="a"} 1600000000\n# TYPE other gauge\nother 1\n';
    const metrics = convert(t);
    expect(metrics.map((m) => m.name)).toEqual(['jobs_total', 'other']);
    expect(numbers(metrics[0].data)[0].startTimeUnixNano).toBe(1_600_000_000_000_000_000n);
  });

  it('converts info and stateset families to gauges', () => {
    const t = '# TYPE build info\nbuild_info{version="1.2"} 1\n# TYPE state stateset\nstate{state="a"} 1\nstate{state="b"} 0\n# EOF\n';
    const metrics = convert(t, true);
    expect(metrics.map((m) => [m.name, m.data.type])).toEqual([
      ['build_info', 'gauge'],
      ['state', 'gauge'],
    ]);
    expect(numbers(metrics[0].data).map((p) => [p.attributes, p.value])).toEqual([[{ version: '1.2' }, 1]]);
    expect(numbers(metrics[1].data).map((p) => [p.attributes, p.value])).toEqual([
      [{ state: 'a' }, 1],
      [{ state: 'b' }, 0],
    ]);
  });

  it('maps exemplar trace and span ids to OTLP ids and other labels to filtered attributes', () => {
    const t = [
      '# TYPE foo histogram',
      'foo_bucket{le="0.1"} 8 # {trace_id="0AF7651916CD43DD8448EB211C80319C",span_id="B7AD6B7169203331",user="u1"} 0.054 1520879607.789',
      'foo_bucket{le="+Inf"} 17 # {trace_id="short"} 0.67',
      'foo_count 17',
      'foo_sum 4.2',
      '# TYPE c counter',
      'c_total 3 1520879600 # {span_id="00f067aa0ba902b7"} 1',
      '# EOF',
    ].join('\n');
    const metrics = convert(t, true);
    const [h] = histogramPoints(find(metrics, 'foo').data);
    expect(h.exemplars).toEqual([
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        filteredAttributes: { user: 'u1' },
        value: 0.054,
        timeUnixNano: 1_520_879_607_789_000_000n,
      },
      // an id that is not 16 bytes of hex stays an attribute; no timestamp: the point's time
      { traceId: '', spanId: '', filteredAttributes: { trace_id: 'short' }, value: 0.67, timeUnixNano: SCRAPE_NS },
    ]);
    const [c] = numbers(find(metrics, 'c_total').data);
    expect(c.timeUnixNano).toBe(1_520_879_600_000_000_000n);
    expect(c.exemplars).toEqual([
      { traceId: '', spanId: '00f067aa0ba902b7', filteredAttributes: {}, value: 1, timeUnixNano: 1_520_879_600_000_000_000n },
    ]);
  });

  it('keeps non-finite values and uses sample timestamps as point times', () => {
    const metrics = convert('a NaN\nb +Inf 1600000000001\nc -Inf\n');
    expect(metrics.map((m) => numbers(m.data)[0].value)).toEqual([NaN, Infinity, -Infinity]);
    expect(numbers(metrics[1].data)[0].timeUnixNano).toBe(1_600_000_000_001_000_000n);
    expect(numbers(metrics[0].data)[0].timeUnixNano).toBe(SCRAPE_NS);
  });

  it('carries UNIT and HELP as unit and description', () => {
    const [m] = convert('# TYPE up_seconds gauge\n# UNIT up_seconds seconds\n# HELP up_seconds Up.\nup_seconds 2\n# EOF\n', true);
    expect(m).toMatchObject({ name: 'up_seconds', unit: 'seconds', description: 'Up.' });
  });

  it('never throws on parses of fixture prefixes', () => {
    const t = fixture('vllm_metrics.txt');
    for (let i = 0; i <= t.length; i += 97) {
      const parsed = parseExposition(t.slice(0, i), { openMetrics: false, scrapeTimeMs: SCRAPE_MS });
      const request = toMetricsRequest(parsed, {}, SCRAPE_MS);
      for (const m of request.resourceMetrics[0].scopeMetrics[0].metrics) {
        if (m.data.type === 'histogram') for (const p of m.data.dataPoints) expect(p.bucketCounts).toHaveLength(p.explicitBounds.length + 1);
      }
    }
  });
});
