/**
 * What a bench needs from the simulator: a fleet per scenario file, and how its requests and feedback
 * become request bodies. The real simulator by default; tests give a fake fleet.
 */
import { createFleet } from '../sim/fleet.js';
import { badReasoning, feedbackToJson, requestsToOtlpJson } from '../sim/otlp-spans.js';
import { loadScenarioFile } from '../sim/scenario.js';
import type { Fleet } from '../sim/types.js';
import type { SimEncoders } from './runner.js';

export interface BenchSim {
  /** The fleet of a scenario file; `seed` overrides the file's. Throws ScenarioError for an unusable file. */
  readonly fleetOf: (file: string, seed: number | null) => Fleet;
  readonly encoders: SimEncoders;
}

export const DEFAULT_BENCH_SIM: BenchSim = {
  fleetOf: (file, seed) => createFleet(loadScenarioFile(file), seed ?? undefined),
  encoders: { requestsToOtlpJson, feedbackToJson, badReasoning },
};
