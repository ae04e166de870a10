/**
 * Which model versions are new: the first time each served model (response model, else request model) was
 * seen, in event time (the spans' own timestamps, never the wall clock). A version is new for
 * `windowMs` after its first sighting. Models seen during the first `warmupMs` of the stream are the
 * fleet Strata found at start, not a rollout: they are never new.
 */

/** Versions first seen this soon after the stream's first event are the existing fleet. */
export const DEFAULT_VERSION_WARMUP_MS = 60_000;
/** Versions remembered at most; the earliest remembered is forgotten first. */
export const MAX_TRACKED_VERSIONS = 10_000;

export class NewVersionTracker {
  private readonly firstSeen = new Map<string, number>();
  private streamStartMs: number | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly warmupMs: number = DEFAULT_VERSION_WARMUP_MS,
    private readonly maxTracked: number = MAX_TRACKED_VERSIONS,
  ) {}

  /**
   * Records a sighting of `version` at `timeMs` and says whether the version is new at that time.
   *
   * @example
   * const t = new NewVersionTracker(30 * 60_000);
   * t.isNew('m-v1', 0);            // false: warm-up
   * t.isNew('m-v2', 5 * 60_000);   // true
   * t.isNew('m-v2', 40 * 60_000);  // false: first seen 35 minutes before
   */
  isNew(version: string, timeMs: number): boolean {
    if (version === '' || !Number.isFinite(timeMs)) return false;
    if (this.streamStartMs === null || timeMs < this.streamStartMs) this.streamStartMs = timeMs;
    let first = this.firstSeen.get(version);
    if (first === undefined) {
      first = timeMs - this.streamStartMs < this.warmupMs ? Number.NEGATIVE_INFINITY : timeMs;
      if (this.firstSeen.size >= this.maxTracked) this.firstSeen.delete(this.firstSeen.keys().next().value as string);
      this.firstSeen.set(version, first);
    } else if (timeMs < first) {
      // An earlier sighting arrived late: the version is older than thought.
      first = timeMs - this.streamStartMs < this.warmupMs ? Number.NEGATIVE_INFINITY : timeMs;
      this.firstSeen.set(version, first);
    }
    return timeMs - first < this.windowMs;
  }

  /** Versions remembered. */
  size(): number {
    return this.firstSeen.size;
  }
}
