/**
 * The seams of the confidence processor: what it computes per span, and where calibration maps come from.
 */
import type { ConfidenceSignals } from '../../model/confidence.js';
import type { SpanRecord } from '../../model/span.js';

/**
 * The fitted calibration map that applies to a span (its slice: model, route, ...), or null when none is
 * fitted. Called on the ingest path for every span that has a primary confidence, so it must answer from
 * memory; the returned function maps a raw confidence in [0, 1] to a calibrated one. The span passed in is
 * complete except for its `confidence`, which is still null (it is being computed). A lookup or map that
 * throws, or a map that returns a non-finite number, gives `calibrated: null`: it never fails the span.
 */
export type CalibrationMapLookup = (span: SpanRecord) => ((confidence: number) => number) | null;

/**
 * The confidence signals of one normalised span (its `confidence` field still null), or null when the
 * span carries nothing they are computed from. Never throws.
 */
export type ConfidenceExtractor = (span: SpanRecord) => ConfidenceSignals | null;
