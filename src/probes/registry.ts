/**
 * The probe registry: the configured linear probes and the consistency settings, compiled once, applied
 * to each span's activation vectors (docs/probes.md, "Linear probes").
 */
import type { SpanRecord } from '../model/span.js';
import { activationsOf, type Activation } from './activations.js';
import { DEFAULT_PROBE_CONFIG, type ConsistencyConfig, type ProbeConfig } from './config.js';
import { createPropositionExtractor, type PropositionExtractor } from './extract.js';
import { scoreLinear, type LinearProbe } from './linear.js';
import { makeReading, type Readings } from './readings.js';

/** Built from a {@link ProbeConfig}; holds no per-span state, so one registry serves every span. */
export interface ProbeRegistry {
  readonly linear: readonly LinearProbe[];
  readonly consistency: ConsistencyConfig;
  /** The extractor compiled from `consistency.patterns`. */
  readonly extractor: PropositionExtractor;
  /**
   * Applies every linear probe to the activation vectors of its layer on the span: one reading (source
   * `linear`) per probe and matching vector. A vector of the wrong dimension is rejected naming the probe,
   * the expected and the received dimension; an unreadable activation event (no layer, NaN, bad base64)
   * is rejected once, with `probe` null. A span without activations gives nothing.
   */
  apply(span: Pick<SpanRecord, 'traceId' | 'spanId' | 'attributes' | 'events'>): Readings;
}

/**
 * @example
 * const registry = createProbeRegistry(parseProbeConfig(yaml.probes));
 * registry.apply(span).readings.filter((r) => r.alarm);
 */
export function createProbeRegistry(config: ProbeConfig = DEFAULT_PROBE_CONFIG): ProbeRegistry {
  const linear = [...config.linear];
  const extractor = createPropositionExtractor(config.consistency.patterns);
  const carriers = [...new Set(linear.map((p) => p.activation))];
  return {
    linear,
    consistency: config.consistency,
    extractor,
    apply(span) {
      const out: Readings = { readings: [], rejected: [] };
      if (linear.length === 0) return out;
      const link = { traceId: span.traceId, spanId: span.spanId };
      const byCarrier = new Map<string, Activation[]>();
      for (const c of carriers) {
        const acts = activationsOf(span, c);
        byCarrier.set(c, acts);
        for (const a of acts) if (!a.ok) out.rejected.push({ source: 'linear', probe: null, reason: a.reason, ...link });
      }
      for (const probe of linear) {
        for (const a of byCarrier.get(probe.activation) ?? []) {
          // A vector from a span attribute has no layer of its own: it is the probe's.
          if (!a.ok || (a.layer !== null && a.layer !== probe.layer)) continue;
          const s = scoreLinear(probe, a.vector);
          if (!s.ok) {
            out.rejected.push({ source: 'linear', probe: probe.name, reason: s.reason, ...link });
            continue;
          }
          out.readings.push(
            makeReading({ probe: probe.name, layer: probe.layer, score: s.score, threshold: probe.threshold, label: null, propositions: null, source: 'linear', ...link }),
          );
        }
      }
      return out;
    },
  };
}
