/**
 * Processors: decoded OTLP to Strata's span, metric-point and log models, with GenAI fields and
 * entities derived.
 */
export { normalizeTraces, type NormalizeTracesOptions } from './normalize-traces.js';
export { normalizeMetrics } from './normalize-metrics.js';
export { normalizeLogs } from './normalize-logs.js';
