import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isOpenMetrics, parseExposition } from './parse-text.js';
import type { MetricFamily, ParsedExposition } from './parse-text.js';

const FIXTURES = new URL('../../../test/fixtures/prometheus/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

const text = (t: string): ParsedExposition => parseExposition(t, { openMetrics: false, scrapeTimeMs: 0 });
const om = (t: string): ParsedExposition => parseExposition(t, { openMetrics: true, scrapeTimeMs: 0 });

function family(parsed: ParsedExposition, name: string): MetricFamily {
  const found = parsed.families.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no family ${name}`);
  return found;
}

/** Sample lines counted without the parser: non-empty lines that are not comments. */
function sampleLines(t: string): number {
  return t.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')).length;
}

describe('fixtures', () => {
  for (const name of ['vllm_metrics.txt', 'sglang_metrics.txt', 'dcgm_metrics.txt']) {
    it(`parses every sample of ${name} without error`, () => {
      const t = fixture(name);
      const parsed = text(t);
      expect(parsed.errors).toEqual([]);
      expect(parsed.duplicates).toBe(0);
      expect(parsed.sampleCount).toBe(sampleLines(t));
      expect(parsed.families.reduce((n, f) => n + f.samples.length, 0)).toBe(sampleLines(t));
      expect(parsed.families.filter((f) => f.type === 'untyped')).toEqual([]);
    });
  }

  it('reads DCGM gauges with their GPU labels', () => {
    const parsed = text(fixture('dcgm_metrics.txt'));
    expect(parsed.families).toHaveLength(38);
    const sm = family(parsed, 'DCGM_FI_DEV_SM_CLOCK');
    expect(sm.type).toBe('gauge');
    expect(sm.help).toBe('SM clock frequency (in MHz).');
    expect(sm.samples).toHaveLength(1);
    expect(sm.samples[0].value).toBe(300);
    expect(sm.samples[0].timestampMs).toBeNull();
    expect(sm.samples[0].labels).toMatchObject({
      gpu: '0',
      UUID: 'GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e',
      Hostname: '424773df46e0',
      modelName: 'Tesla T4',
      DCGM_FI_PROCESS_NAME: '/usr/bin/dcgm-exporter',
    });
    expect(family(parsed, 'DCGM_FI_DEV_POWER_USAGE').samples[0].value).toBe(8.969);
    expect(family(parsed, 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION').type).toBe('counter');
    expect(family(parsed, 'DCGM_FI_DEV_SLOWDOWN_TEMP').help).toBe('');
    const remapped = family(parsed, 'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS');
    expect(remapped.samples).toEqual([{ name: 'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS', labels: {}, value: 0, timestampMs: null }]);
    // the last line has no trailing newline
    const dram = family(parsed, 'DCGM_FI_PROF_DRAM_ACTIVE').samples[0];
    expect(dram.value).toBe(0.000003);
    expect(dram.labels).toMatchObject({ pod: 'ray-1111111', namespace: 'ray-llm', modelName: 'NVIDIA A10G' });
  });

  it('groups vLLM histogram samples into one family and keeps colons in names', () => {
    const parsed = text(fixture('vllm_metrics.txt'));
    const ttft = family(parsed, 'vllm:time_to_first_token_seconds');
    expect(ttft.type).toBe('histogram');
    expect(ttft.samples).toHaveLength(19);
    expect(ttft.samples[16]).toEqual({
      name: 'vllm:time_to_first_token_seconds_bucket',
      labels: { le: '+Inf', model_name: 'facebook/opt-125m' },
      value: 1,
      timestampMs: null,
    });
    expect(ttft.samples[18].value).toBe(0.31326723098754883);
    // a histogram whose own name ends in _total
    const iteration = family(parsed, 'vllm:iteration_tokens_total');
    expect(iteration.type).toBe('histogram');
    expect(iteration.samples.map((s) => s.value)).toEqual([19, 67, 68, 69, 71, 71, 71, 267]);
    expect(family(parsed, 'process_virtual_memory_bytes').samples[0].value).toBe(6.634254336e9);
    expect(family(parsed, 'vllm:engine_sleep_state').samples.map((s) => s.labels.sleep_state)).toEqual([
      'awake',
      'weights_offloaded',
      'discard_all',
    ]);
    const bySource = family(parsed, 'vllm:prompt_tokens_by_source_total');
    expect(bySource.type).toBe('counter');
    expect(bySource.samples.map((s) => [s.labels.source, s.value])).toEqual([
      ['local_compute', 53],
      ['local_cache_hit', 64],
      ['external_kv_transfer', 0],
    ]);
    expect(family(parsed, 'vllm:cache_config_info').samples[0].labels.num_gpu_blocks).toBe('7281');
  });

  it('reads SGLang gauges after the leading comment lines', () => {
    const parsed = text(fixture('sglang_metrics.txt'));
    expect(parsed.families[0].name).toBe('sglang:http_requests_active');
    expect(parsed.families[0].samples[0].labels).toEqual({ endpoint: '/generate', method: 'POST' });
    const throughput = family(parsed, 'sglang:gen_throughput');
    expect(throughput).toMatchObject({ type: 'gauge', help: 'The generation throughput (token/s).' });
    expect(throughput.samples).toEqual([
      { name: 'sglang:gen_throughput', labels: { model_name: 'facebook/opt-125m', tp_rank: '0' }, value: 425.5, timestampMs: null },
    ]);
    expect(family(parsed, 'sglang:token_usage').samples[0].value).toBe(0.25);
    expect(family(parsed, 'sglang:queue_time_seconds').samples).toHaveLength(4);
  });
});

describe('syntax', () => {
  it('unescapes HELP text: \\\\ and \\n (and \\" in OpenMetrics only)', () => {
    const t = '# HELP m a\\\\b\\nc \\"q\\"\n# TYPE m gauge\nm 1\n';
    expect(text(t).families[0].help).toBe('a\\b\nc \\"q\\"');
    expect(om(`${t}# EOF\n`).families[0].help).toBe('a\\b\nc "q"');
  });

  it('unescapes label values', () => {
    const s = text('m{a="x\\\\y",b="say \\"hi\\"",c="l1\\nl2",d="\\t"} 1').families[0].samples[0];
    expect(s.labels).toEqual({ a: 'x\\y', b: 'say "hi"', c: 'l1\nl2', d: '\\t' });
  });

  it('accepts a trailing comma, blanks, tabs and an empty label set', () => {
    const parsed = text('m{a="1",} 1\n  m { a = "2" ,\tb="x" , }\t 2   17\nn{} 3\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.families[0].samples.map((s) => [s.labels, s.value, s.timestampMs])).toEqual([
      [{ a: '1' }, 1, null],
      [{ a: '2', b: 'x' }, 2, 17],
    ]);
    expect(parsed.families[1].samples[0].labels).toEqual({});
  });

  it('keeps label order as written', () => {
    expect(Object.keys(text('m{z="1",a="2",m="3"} 1').families[0].samples[0].labels)).toEqual(['z', 'a', 'm']);
  });

  it('reads NaN, infinities and exponents', () => {
    const values = text('a NaN\nb +Inf\nc -Inf\nd Inf\ne 1e3\nf -1.5E-3\ng .5\nh +7\n').families.map((f) => f.samples[0].value);
    expect(values).toEqual([NaN, Infinity, -Infinity, Infinity, 1000, -0.0015, 0.5, 7]);
  });

  it('reads timestamps: integer ms in text 0.0.4, float seconds in OpenMetrics', () => {
    expect(text('m 1 1700000000123').families[0].samples[0].timestampMs).toBe(1700000000123);
    expect(text('m 1 -5').families[0].samples[0].timestampMs).toBe(-5);
    expect(om('m 1 1520879607.789\n# EOF').families[0].samples[0].timestampMs).toBe(1520879607789);
    expect(om('m 1 1520879607\n# EOF').families[0].samples[0].timestampMs).toBe(1520879607000);
    expect(text('m 1 1.5').errors).toEqual([{ line: 1, message: 'invalid timestamp "1.5" (integer milliseconds expected)' }]);
  });

  it('reads CRLF line ends like LF, with the same line numbers', () => {
    const lf = '# HELP m help\n# TYPE m gauge\nm{a="1"} 1\nbad line here\nm{a="2"} 2';
    const crlf = lf.replace(/\n/g, '\r\n');
    expect(text(crlf)).toEqual(text(lf));
    expect(text(crlf).families[0].help).toBe('help');
    expect(text(crlf).errors.map((e) => e.line)).toEqual([4]);
  });

  it('ignores empty lines and plain comments; no trailing newline needed', () => {
    const parsed = text('\n\n# just a comment\n   \n# TYPE m counter\n\nm_total 4');
    expect(parsed.errors).toEqual([]);
    expect(parsed.families).toHaveLength(1);
    expect(parsed.families[0].samples[0]).toMatchObject({ name: 'm_total', value: 4 });
    expect(text('').families).toEqual([]);
  });

  it('reads quoted UTF-8 metric and label names', () => {
    const parsed = text('# TYPE "my.metric" gauge\n{"my.metric", "a.b"="c", d="e"} 1\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.families).toEqual([
      { name: 'my.metric', type: 'gauge', help: '', unit: '', samples: [{ name: 'my.metric', labels: { 'a.b': 'c', d: 'e' }, value: 1, timestampMs: null }] },
    ]);
  });

  it('keeps a label named __proto__ as an ordinary key', () => {
    const labels = text('m{__proto__="x"} 1').families[0].samples[0].labels;
    expect(Object.keys(labels)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });
});

describe('families', () => {
  it('groups suffixed samples under the most recent TYPE line', () => {
    const parsed = om(
      [
        '# TYPE c counter', 'c_total 1', 'c_created 1700000000',
        '# TYPE h histogram', 'h_bucket{le="1"} 1', 'h_bucket{le="+Inf"} 2', 'h_count 2', 'h_sum 3', 'h_created 1',
        '# TYPE g gaugehistogram', 'g_bucket{le="+Inf"} 2', 'g_gcount 2', 'g_gsum 5',
        '# TYPE s summary', 's{quantile="0.5"} 1', 's_count 1', 's_sum 1',
        '# TYPE i info', 'i_info{v="1"} 1',
        '# TYPE st stateset', 'st{st="a"} 1', 'st{st="b"} 0',
        '# EOF',
      ].join('\n'),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['c', 'counter', 2],
      ['h', 'histogram', 5],
      ['g', 'gaugehistogram', 3],
      ['s', 'summary', 3],
      ['i', 'info', 1],
      ['st', 'stateset', 2],
    ]);
  });

  it('opens an untyped family for a sample that does not extend the current one', () => {
    const parsed = text('# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_total 2\nx 1\nx 2\n');
    expect(parsed.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['h', 'histogram', 1],
      ['h_total', 'untyped', 1],
      ['x', 'untyped', 1],
    ]);
    expect(parsed.duplicates).toBe(1);
    expect(om('y 1\n# EOF\n').families[0].type).toBe('unknown');
  });

  it('attaches HELP, TYPE and UNIT lines to one family, whatever their order', () => {
    const parsed = om('# UNIT m seconds\n# TYPE m gauge\n# HELP m Time.\nm 2\nm_seconds 1\n# EOF\n');
    expect(parsed.families[0]).toMatchObject({ name: 'm', type: 'gauge', help: 'Time.', unit: 'seconds' });
    expect(parsed.families[0].samples.map((s) => s.name)).toEqual(['m']);
    expect(parsed.families[1].name).toBe('m_seconds');
  });
});

describe('errors and duplicates', () => {
  it('reports a malformed line with its number and parses the rest', () => {
    const parsed = text(
      [
        'ok 1', // 1
        'no_value', // 2
        'm{a="1" 1', // 3
        'm{1a="x"} 1', // 4
        'm{a="1",a="2"} 1', // 5
        '# TYPE t bogus', // 6
        'm abc', // 7
        'm{a=1} 1', // 8
        'm 1 2 3', // 9
        'm-x 1', // 10
        'm{a="unterminated} 1', // 11
        'last 2', // 12
      ].join('\n'),
    );
    expect(parsed.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(parsed.errors[0].message).toBe('missing sample value');
    expect(parsed.errors[3].message).toBe('duplicate label "a"');
    expect(parsed.errors[4].message).toBe('unknown metric type "bogus"');
    expect(parsed.families.map((f) => [f.name, f.samples[0].value])).toEqual([
      ['ok', 1],
      ['last', 2],
    ]);
    expect(parsed.sampleCount).toBe(2);
  });

  it('keeps the first of a repeated series and counts the rest, whatever the label order', () => {
    const parsed = text('m{a="1",b="2"} 1\nm{b="2",a="1"} 2\nm{a="1",b="3"} 3\nm{a="1",b="2"} 4\n');
    expect(parsed.duplicates).toBe(2);
    expect(parsed.sampleCount).toBe(2);
    expect(parsed.families).toHaveLength(1);
    expect(parsed.families[0].samples.map((s) => s.value)).toEqual([1, 3]);
  });
});

describe('OpenMetrics', () => {
  it('reads exemplars on counters and histogram buckets', () => {
    const parsed = om(
      [
        '# TYPE foo histogram',
        'foo_bucket{le="0.1"} 8 # {trace_id="KOO5S4vxi0o",span_id="oHg5SJYRHA0"} 0.054 1520879607.7',
        'foo_bucket{le="+Inf"} 17 1520879608 # {trace_id="0af7651916cd43dd8448eb211c80319c"} 0.67',
        'foo_count 17',
        '# TYPE c counter',
        'c_total 3 # {} 1',
        '# EOF',
      ].join('\n'),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.eof).toBe(true);
    const [b1, b2] = parsed.families[0].samples;
    expect(b1.exemplar).toEqual({ labels: { trace_id: 'KOO5S4vxi0o', span_id: 'oHg5SJYRHA0' }, value: 0.054, timestampMs: 1520879607700 });
    expect(b1.timestampMs).toBeNull();
    expect(b2.timestampMs).toBe(1520879608000);
    expect(b2.exemplar).toEqual({ labels: { trace_id: '0af7651916cd43dd8448eb211c80319c' }, value: 0.67, timestampMs: null });
    expect(parsed.families[1].samples[0].exemplar).toEqual({ labels: {}, value: 1, timestampMs: null });
  });

  it('rejects exemplars in text 0.0.4 and malformed exemplars', () => {
    expect(text('c_total 3 # {a="b"} 1').errors.map((e) => e.line)).toEqual([1]);
    expect(om('c 1 # a 1\nc2 2 # {a="b"} x\nd 1\n# EOF').errors.map((e) => e.line)).toEqual([1, 2]);
  });

  it('requires # EOF and nothing after it', () => {
    const missing = om('m 1\n');
    expect(missing.eof).toBe(false);
    expect(missing.errors).toEqual([{ line: 2, message: 'missing # EOF at the end of an OpenMetrics exposition' }]);
    expect(missing.families[0].samples).toHaveLength(1);
    const after = om('m 1\n# EOF\nn 2\n');
    expect(after.errors).toEqual([{ line: 3, message: 'content after # EOF' }]);
    expect(after.families.map((f) => f.name)).toEqual(['m']);
    expect(om('m 1\r\n# EOF\r\n').errors).toEqual([]);
    // in text 0.0.4 "# EOF" is an ordinary comment
    expect(text('# EOF\nm 1').eof).toBe(false);
    expect(text('# EOF\nm 1').sampleCount).toBe(1);
  });
});

describe('isOpenMetrics', () => {
  it('recognises the OpenMetrics media type only', () => {
    expect(isOpenMetrics('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe(true);
    expect(isOpenMetrics('Application/OpenMetrics-Text')).toBe(true);
    expect(isOpenMetrics('text/plain; version=0.0.4; charset=utf-8')).toBe(false);
    expect(isOpenMetrics('')).toBe(false);
    expect(isOpenMetrics(undefined)).toBe(false);
  });
});

describe('robustness', () => {
  /** Deterministic pseudo-random numbers (mulberry32), so that a failure can be replayed. */
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const parseBoth = (t: string): void => {
    for (const openMetrics of [false, true]) {
      const parsed = parseExposition(t, { openMetrics, scrapeTimeMs: 0 });
      expect(parsed.sampleCount).toBe(parsed.families.reduce((n, f) => n + f.samples.length, 0));
    }
  };

  it('never throws on any prefix of a fixture', () => {
    const sglang = fixture('sglang_metrics.txt');
    for (let i = 0; i <= sglang.length; i++) parseBoth(sglang.slice(0, i));
    for (const name of ['vllm_metrics.txt', 'dcgm_metrics.txt']) {
      const t = fixture(name);
      for (let i = 0; i <= t.length; i += 17) parseBoth(t.slice(0, i));
    }
  });

  it('never throws on random bytes or mutated fixtures', () => {
    const next = random(42);
    const alphabet = '{}"=,# \t\n\r\\abc_:01.+-eEInfNa';
    for (let round = 0; round < 2000; round++) {
      const length = Math.floor(next() * 200);
      let t = '';
      for (let i = 0; i < length; i++) {
        t += next() < 0.5 ? alphabet[Math.floor(next() * alphabet.length)] : String.fromCharCode(Math.floor(next() * 0x3000));
      }
      parseBoth(t);
    }
    const base = fixture('vllm_metrics.txt').slice(0, 4000);
    for (let round = 0; round < 300; round++) {
      const chars = base.split('');
      for (let k = 0; k < 10; k++) chars[Math.floor(next() * chars.length)] = alphabet[Math.floor(next() * alphabet.length)];
      parseBoth(chars.join(''));
    }
  });
});
