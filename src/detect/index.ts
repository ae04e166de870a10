/**
 * Detection on the ingest stream, in event time: the Detector, its `detection:` configuration, and
 * what it produces (types.ts). docs/detection.md describes the method.
 */
export { Detector, type DetectorOptions, type DetectorStats, type ProbeAlarmReading } from './detector.js';
export { DEFAULT_DETECTION_CONFIG, DetectionConfigError, parseDetectionConfig, type DetectionConfig, type SignalOverride } from './config.js';
export { SIGNAL_NAMES, monitorSignal } from './signals.js';
export type { Anomaly, AnomalyChange, AnomalySink, ExampleRequest } from './types.js';
