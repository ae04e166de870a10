/**
 * Processors: decoded OTLP to Strata's span, metric-point and log models, with GenAI fields and
 * entities derived.
 */
export { normalizeTraces, type NormalizeTracesOptions } from './normalize-traces.js';
export { normalizeMetrics } from './normalize-metrics.js';
export { normalizeLogs } from './normalize-logs.js';
export { createConfidenceExtractor, type ConfidenceConfig, type ConfidenceOptions } from './confidence/extract.js';
export type { CalibrationMapLookup, ConfidenceExtractor } from './confidence/types.js';
