/**
 * Confidence benchmark: the time to compute every confidence signal of one response (a 1,000-token
 * answer with top-5 `strata.logprobs` and an RLCR-format output text: token signals, entropy, answer
 * location and probability, the stated confidence, the primary source), against JSON.parse of the same
 * attribute alone, measured alternately in the same run. Also the cost added to a span that carries none
 * of the inputs (the normal ingest path): normalisation of realistic GenAI requests with the confidence
 * step and without it.
 *
 *   npm run build && npm run bench:confidence -- [--iterations 5000] [--tokens 1000] [--top 5]
 *
 * A benchmark, not a test: a missed goal prints FAIL but the exit code stays 0.
 */
import type { SpanRecord } from '../src/model/span.js';
import { createConfidenceExtractor, normalizeTraces } from '../src/processors/index.js';
import type { ExportTraceRequest } from '../src/receivers/otlp/types.js';
import { packFloat32 } from '../src/processors/confidence/packed.js';
import { makeTraceRequest } from './genai-payload.js';
import { parseFlags } from './lib/args.js';
import { fixed, median, passFail, percentile, table } from './lib/report.js';
import { mulberry32 } from '../src/calibration/random.js';

const USAGE = `Usage: npm run bench:confidence -- [flags]

Times the confidence signals of one large response per iteration (median and p99 over --iterations,
after warm-up), alternating with JSON.parse of the same strata.logprobs attribute (the baseline), and
the normalisation of GenAI spans without confidence inputs with and without the confidence step.`;

const FLAGS = {
  iterations: { type: 'number', default: 5000, help: 'timed iterations of each measurement' },
  warmup: { type: 'number', default: 1000, help: 'untimed iterations first' },
  tokens: { type: 'number', default: 1000, help: 'output tokens of the response' },
  top: { type: 'number', default: 5, help: 'alternatives per token' },
  'normal-rounds': { type: 'number', default: 15, help: 'rounds of the normal-span comparison (best round counts)' },
} as const;

/** Goal: every signal of a 1,000-token top-5 response, JSON included, in under 1 ms. */
const GOAL_MS = 1;

const prng = mulberry32;

const WORDS = [' the', ' number', ' is', ' so', ' we', ' add', ' both', ' sides', ',', ' then', ' check', ' that', ' it', ' works', '.', '\n', ' 1', '2', ' =', ' x'];

/** An RLCR response of `n` tokens: `<think>…</think><answer>…</answer><analysis>…</analysis><confidence>…</confidence>`. */
function rlcrTokens(n: number, rnd: () => number): string[] {
  const word = (): string => WORDS[Math.floor(rnd() * WORDS.length)];
  const head = ['<think>'];
  const answer = ['</think>', '<answer>', ' 4', '2', ' </', 'answer>', '<analysis>'];
  const tail = ['</analysis>', '<confidence>', '0', '.', '85', '</confidence>'];
  const body = Math.max(0, n - head.length - answer.length - tail.length);
  const think = Math.floor(body * 0.9);
  const tokens = [...head];
  for (let i = 0; i < think; i++) tokens.push(word());
  tokens.push(...answer);
  for (let i = think; i < body; i++) tokens.push(word());
  tokens.push(...tail);
  return tokens.slice(0, n);
}

/** The attribute as the gateway writes it: numbers packed as base64 float32, top alternatives best first, their text last. */
function logprobsAttribute(tokens: string[], k: number, rnd: () => number): string {
  const logprobs: number[] = [];
  const top: [string, number][][] = [];
  for (const t of tokens) {
    const lp = rnd() < 0.7 ? -rnd() * 0.05 : -rnd() * 4;
    logprobs.push(lp);
    const alts: [string, number][] = [[t, lp]];
    let next = lp;
    for (let j = 1; j < k; j++) alts.push([WORDS[j % WORDS.length], (next -= 0.5 + rnd() * 3)]);
    top.push(alts);
  }
  return JSON.stringify({ tokens, logprobs_f32: packFloat32(logprobs), top_k: k, top_logprobs_f32: packFloat32(top.flatMap((a) => a.map(([, v]) => v))), top_tokens: top.map((a) => a.map(([t]) => t)) });
}

function spanOf(attributes: ExportTraceRequest['resourceSpans'][number]['scopeSpans'][number]['spans'][number]['attributes']): SpanRecord {
  const req: ExportTraceRequest = {
    resourceSpans: [
      {
        resource: { attributes: { 'service.name': 'bench' }, droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [
          {
            scope: { name: 'bench', version: '', attributes: {}, droppedAttributesCount: 0 },
            schemaUrl: '',
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: '', parentSpanId: '', flags: 1,
                name: 'chat m', kind: 3, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes, droppedAttributesCount: 0,
                events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
              },
            ],
          },
        ],
      },
    ],
  };
  return normalizeTraces(req, { confidence: null })[0];
}

function ms(ns: bigint): number {
  return Number(ns) / 1e6;
}

/** Normalisation time per span of `requests`, best of `rounds` rounds. */
function normalizeUsPerSpan(requests: ExportTraceRequest[], spans: number, rounds: number, withConfidence: boolean): number {
  const options = withConfidence ? {} : { confidence: null };
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (const req of requests) sink += normalizeTraces(req, options).length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e3 / spans);
  }
  if (sink < 0) console.log(sink);
  return best;
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2), FLAGS, USAGE);
  if (!flags) return;
  const iterations = Math.max(10, Number(flags.iterations));
  const warmup = Math.max(0, Number(flags.warmup));
  const rnd = prng(42);
  const tokens = rlcrTokens(Number(flags.tokens), rnd);
  const attribute = logprobsAttribute(tokens, Number(flags.top), rnd);
  const text = tokens.join('');
  const answerStart = text.indexOf('</think>') + '</think>'.length;
  const span = spanOf({
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'rlcr-7b',
    'strata.logprobs': attribute,
    'gen_ai.output.messages': JSON.stringify([
      { role: 'assistant', parts: [{ type: 'reasoning', content: text.slice(7, answerStart - 8) }, { type: 'text', content: text.slice(answerStart) }] },
    ]),
  });
  const confidenceOf = createConfidenceExtractor();
  const check = confidenceOf(span);
  if (check === null || check.answerProb === null || check.verbalized !== 0.85 || check.entropyMean === null)
    throw new Error(`the response did not give every signal: ${JSON.stringify(check)}`);

  let sink = 0;
  for (let i = 0; i < warmup; i++) {
    sink += (JSON.parse(attribute) as { tokens: string[] }).tokens.length;
    sink += confidenceOf(span)?.leastConfidentPos ?? 0;
  }
  const baseline: number[] = [];
  const signals: number[] = [];
  for (let i = 0; i < iterations; i++) {
    // Alternate, so both see the same machine load.
    let t0 = process.hrtime.bigint();
    sink += (JSON.parse(attribute) as { tokens: string[] }).tokens.length;
    baseline.push(ms(process.hrtime.bigint() - t0));
    t0 = process.hrtime.bigint();
    sink += confidenceOf(span)?.leastConfidentPos ?? 0;
    signals.push(ms(process.hrtime.bigint() - t0));
  }

  // The normal path: realistic GenAI spans (no logprobs, no stated confidence, no scores).
  const requests = Array.from({ length: 12 }, (_, i) => makeTraceRequest({ spans: 150, seed: i + 1, contentShare: 0.2 }));
  const spanCount = requests.length * 150;
  const rounds = Math.max(1, Number(flags['normal-rounds']));
  normalizeUsPerSpan(requests, spanCount, 2, true); // warm-up
  normalizeUsPerSpan(requests, spanCount, 2, false);
  let withStep = Infinity;
  let without = Infinity;
  for (let r = 0; r < rounds; r++) {
    without = Math.min(without, normalizeUsPerSpan(requests, spanCount, 1, false));
    withStep = Math.min(withStep, normalizeUsPerSpan(requests, spanCount, 1, true));
  }
  if (sink < 0) console.log(sink);

  const bMed = median(baseline);
  const sMed = median(signals);
  const sP99 = percentile(signals, 99);
  const bP99 = percentile(baseline, 99);
  console.log(
    `response: ${tokens.length} tokens, top-${flags.top}, strata.logprobs ${attribute.length.toLocaleString('en-US')} chars; ` +
      `${iterations} iterations after ${warmup} warm-up\n`,
  );
  console.log(
    table([
      ['measure', 'median', 'p99', '× baseline (median)'],
      ['baseline: JSON.parse(strata.logprobs) alone', `${fixed(bMed, 3)} ms`, `${fixed(bP99, 3)} ms`, '1.00'],
      ['every confidence signal of the response', `${fixed(sMed, 3)} ms`, `${fixed(sP99, 3)} ms`, fixed(sMed / bMed, 2)],
    ]),
  );
  console.log(
    `\nspans without confidence inputs (${spanCount} GenAI spans, best of ${rounds}): normalise ${fixed(without, 2)} µs/span, ` +
      `with the confidence step ${fixed(withStep, 2)} µs/span (${withStep >= without ? '+' : ''}${fixed(withStep - without, 2)} µs)`,
  );
  console.log(`\ngoal: every signal in < ${GOAL_MS} ms: median ${passFail(sMed < GOAL_MS)}, p99 ${passFail(sP99 < GOAL_MS)}`);
  console.log(
    JSON.stringify({
      bench: 'confidence',
      tokens: tokens.length,
      top: Number(flags.top),
      attributeChars: attribute.length,
      iterations,
      baselineJsonParseMs: { median: bMed, p99: bP99 },
      signalsMs: { median: sMed, p99: sP99 },
      ratioToBaseline: sMed / bMed,
      normalUsPerSpan: { without, withConfidenceStep: withStep },
      goals: { medianUnder1ms: passFail(sMed < GOAL_MS), p99Under1ms: passFail(sP99 < GOAL_MS) },
    }),
  );
}

main();
