/**
 * Judging one span: its probe readings (sent, and computed by the registry's linear probes), the agreement
 * between the probes' propositions and the output's, and the alarms that follow (docs/probes.md). Pure: it
 * reads the span and returns values; storing and streaming them is the caller's business.
 */
import type { Message, SpanRecord } from '../model/span.js';
import { DEFAULT_CONSISTENCY_THRESHOLD } from './config.js';
import { createPropositionExtractor, type PropositionExtractor } from './extract.js';
import { jaccard, uniquePropositions, type Proposition } from './propositions.js';
import { readingsFromSpan, type ProbeReading, type ReadingSource, type RejectedReading } from './readings.js';
import type { ProbeRegistry } from './registry.js';

export interface JudgeOptions {
  /** Agreement below this is an alarm; default the registry's `consistency.threshold`, else 0.5. */
  readonly threshold?: number;
  /** Default the registry's extractor, else one with the default patterns. */
  readonly extractor?: PropositionExtractor;
  /** The output text to read propositions from; default the text parts of the span's output messages. */
  readonly text?: string;
}

/** The probes' propositions against the output's. */
export interface Consistency {
  /** Union of the propositions of every reading that carries some, duplicates removed. */
  readonly probePropositions: readonly Proposition[];
  readonly outputPropositions: readonly Proposition[];
  /** Jaccard |A ∩ B| / |A ∪ B|; 1 when both are empty. */
  readonly agreement: number;
  readonly threshold: number;
  /** agreement < threshold. */
  readonly alarm: boolean;
}

export type ProbeAlarm =
  | { readonly kind: 'probe'; readonly probe: string; readonly score: number; readonly threshold: number; readonly source: ReadingSource }
  | { readonly kind: 'consistency'; readonly agreement: number; readonly threshold: number };

export interface SpanJudgement {
  /** Readings the span carries, then those the registry's linear probes computed. */
  readonly readings: readonly ProbeReading[];
  readonly rejected: readonly RejectedReading[];
  /**
   * Null when there is nothing to compare: consistency is disabled, no reading carries propositions, or the
   * span has no output text (content not captured), which would otherwise read as a total disagreement.
   */
  readonly consistency: Consistency | null;
  /** Readings with score ≥ threshold, then the consistency alarm. */
  readonly alarms: readonly ProbeAlarm[];
}

let defaultExtractor: PropositionExtractor | null = null;

/** The text parts of every output message, joined by newlines (reasoning and tool calls are not statements to the user). */
export function outputTextOf(messages: readonly Message[]): string {
  const parts: string[] = [];
  for (const m of messages) for (const p of m.parts) if (p.type === 'text' && typeof p.content === 'string' && p.content !== '') parts.push(p.content);
  return parts.join('\n');
}

/**
 * @example
 * const j = judgeSpan(span, createProbeRegistry(config));
 * if (j.alarms.length > 0) notify(j.alarms);
 */
export function judgeSpan(
  span: Pick<SpanRecord, 'traceId' | 'spanId' | 'attributes' | 'events' | 'genai'>,
  registry: ProbeRegistry | null,
  options: JudgeOptions = {},
): SpanJudgement {
  const given = readingsFromSpan(span);
  const computed = registry ? registry.apply(span) : { readings: [], rejected: [] };
  const readings = [...given.readings, ...computed.readings];
  const rejected = [...given.rejected, ...computed.rejected];
  const alarms: ProbeAlarm[] = [];
  for (const r of readings)
    if (r.alarm && r.score !== null && r.threshold !== null) alarms.push({ kind: 'probe', probe: r.probe, score: r.score, threshold: r.threshold, source: r.source });

  let consistency: Consistency | null = null;
  const withPropositions = readings.filter((r) => r.propositions !== null);
  if ((registry?.consistency.enabled ?? true) && withPropositions.length > 0) {
    const text = options.text ?? outputTextOf(span.genai.outputMessages);
    if (text.trim() !== '') {
      const extractor = options.extractor ?? registry?.extractor ?? (defaultExtractor ??= createPropositionExtractor());
      const threshold = options.threshold ?? registry?.consistency.threshold ?? DEFAULT_CONSISTENCY_THRESHOLD;
      const probePropositions = uniquePropositions(withPropositions.flatMap((r) => r.propositions ?? []));
      const outputPropositions = extractor.extract(text);
      const agreement = jaccard(probePropositions, outputPropositions);
      consistency = { probePropositions, outputPropositions, agreement, threshold, alarm: agreement < threshold };
      if (consistency.alarm) alarms.push({ kind: 'consistency', agreement, threshold });
    }
  }
  return { readings, rejected, consistency, alarms };
}
