/**
 * Canonical signals of metric points: every alias that vLLM, SGLang, TGI, the DCGM exporter,
 * nvidia-smi and OpenTelemetry emit for one quantity lands on one name and unit
 * (docs/conventions.md, "Canonical signals").
 */
export type { CanonicalSignal } from '../../model/metric.js';
export { canonicalSignal, signalFromAlias, type SignalSource } from './signal-of.js';
export { ALIAS_SOURCES, SIGNAL_ALIASES, signalAlias, type SignalAlias, type SourceKind } from './canonical.js';
export { SIGNALS, signalDefinition, type SignalDefinition, type SignalName } from './names.js';
export {
  decodeThrottleReasons,
  NO_THROTTLE_REASONS,
  parseThrottleMask,
  THROTTLE_REASON_BITS,
  throttleReasonsLabel,
} from './throttle-reasons.js';
