/**
 * The schema, as ordered migrations. A migration is never edited once released: add a new one.
 * Retention is not part of a migration; `applyRetention` sets each table's TTL from configuration.
 */

export interface Migration {
  readonly version: number;
  readonly description: string;
  /** Statements, run in order; `{db}` is replaced by the database name. */
  readonly statements: readonly string[];
}

/** Which column drives each table's retention TTL. */
export const RETENTION_COLUMNS = {
  spans: 'start_time',
  metric_points: 'time',
  logs: 'time',
  feedback: 'time',
  monitor_results: 'time',
  probe_readings: 'time',
} as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'spans, metric points, logs, entities',
    statements: [
      `CREATE TABLE IF NOT EXISTS {db}.spans (
        trace_id String,
        span_id String,
        parent_span_id String,
        trace_state String,
        flags UInt32,
        name LowCardinality(String),
        kind UInt8,
        start_time DateTime64(9),
        end_time DateTime64(9),
        duration_ns UInt64,
        status_code UInt8,
        status_message String,
        service LowCardinality(String),
        operation LowCardinality(String),
        provider LowCardinality(String),
        request_model LowCardinality(String),
        response_model LowCardinality(String),
        model LowCardinality(String),
        response_id String,
        input_tokens Nullable(Int64),
        output_tokens Nullable(Int64),
        cache_read_input_tokens Nullable(Int64),
        cache_creation_input_tokens Nullable(Int64),
        reasoning_output_tokens Nullable(Int64),
        finish_reasons Array(LowCardinality(String)),
        temperature Nullable(Float64),
        top_p Nullable(Float64),
        max_tokens Nullable(Int64),
        stream Nullable(Bool),
        conversation_id String,
        agent_name LowCardinality(String),
        tool_name LowCardinality(String),
        time_to_first_token_s Nullable(Float64),
        latencies Map(LowCardinality(String), Float64),
        attributes String,
        dropped_attributes_count UInt32,
        events String,
        dropped_events_count UInt32,
        links String,
        dropped_links_count UInt32,
        resource String,
        resource_schema_url String,
        scope_name LowCardinality(String),
        scope_version LowCardinality(String),
        scope_attributes String,
        entities Array(String),
        ingested_at DateTime64(3) DEFAULT now64(3),
        INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
        INDEX idx_model model TYPE set(256) GRANULARITY 4,
        INDEX idx_entities entities TYPE bloom_filter(0.01) GRANULARITY 4
      ) ENGINE = MergeTree
      PARTITION BY toDate(start_time)
      ORDER BY (toStartOfHour(start_time), service, model, start_time)
      SETTINGS non_replicated_deduplication_window = 10000`,
      `CREATE TABLE IF NOT EXISTS {db}.metric_points (
        name LowCardinality(String),
        description String,
        unit LowCardinality(String),
        type LowCardinality(String),
        temporality UInt8,
        monotonic Bool,
        service LowCardinality(String),
        labels Map(LowCardinality(String), String),
        attributes String,
        resource String,
        scope_name LowCardinality(String),
        scope_version LowCardinality(String),
        start_time DateTime64(9),
        time DateTime64(9),
        flags UInt32,
        value Nullable(Float64),
        count Nullable(UInt64),
        sum Nullable(Float64),
        min Nullable(Float64),
        max Nullable(Float64),
        explicit_bounds Array(Float64),
        bucket_counts Array(UInt64),
        exp_scale Int32,
        exp_zero_count UInt64,
        exp_zero_threshold Float64,
        exp_positive_offset Int32,
        exp_positive_counts Array(UInt64),
        exp_negative_offset Int32,
        exp_negative_counts Array(UInt64),
        quantiles Array(Float64),
        quantile_values Array(Float64),
        exemplars String,
        entities Array(String),
        ingested_at DateTime64(3) DEFAULT now64(3)
      ) ENGINE = MergeTree
      PARTITION BY toDate(time)
      ORDER BY (name, service, time)
      SETTINGS non_replicated_deduplication_window = 10000`,
      `CREATE TABLE IF NOT EXISTS {db}.logs (
        time DateTime64(9),
        observed_time DateTime64(9),
        severity_number UInt8,
        severity_text LowCardinality(String),
        body String,
        attributes String,
        dropped_attributes_count UInt32,
        flags UInt32,
        trace_id String,
        span_id String,
        event_name LowCardinality(String),
        service LowCardinality(String),
        resource String,
        scope_name LowCardinality(String),
        scope_version LowCardinality(String),
        scope_attributes String,
        entities Array(String),
        ingested_at DateTime64(3) DEFAULT now64(3),
        INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
      ) ENGINE = MergeTree
      PARTITION BY toDate(time)
      ORDER BY (service, time)
      SETTINGS non_replicated_deduplication_window = 10000`,
      `CREATE TABLE IF NOT EXISTS {db}.entities (
        kind LowCardinality(String),
        key String,
        id String ALIAS concat(kind, ':', key),
        first_seen SimpleAggregateFunction(min, DateTime64(9)),
        last_seen SimpleAggregateFunction(max, DateTime64(9))
      ) ENGINE = AggregatingMergeTree
      ORDER BY (kind, key)
      SETTINGS non_replicated_deduplication_window = 10000`,
      `CREATE TABLE IF NOT EXISTS {db}.entity_edges (
        from_id String,
        relation LowCardinality(String),
        to_id String,
        first_seen SimpleAggregateFunction(min, DateTime64(9)),
        last_seen SimpleAggregateFunction(max, DateTime64(9))
      ) ENGINE = AggregatingMergeTree
      ORDER BY (from_id, relation, to_id)
      SETTINGS non_replicated_deduplication_window = 10000`,
    ],
  },
  {
    version: 2,
    description: 'canonical signals of metric points',
    statements: [
      // Points stored before this version read back signal '' (no signal), a null value and no labels.
      `ALTER TABLE {db}.metric_points ADD COLUMN IF NOT EXISTS signal LowCardinality(String) AFTER name`,
      `ALTER TABLE {db}.metric_points ADD COLUMN IF NOT EXISTS signal_value Nullable(Float64) AFTER signal`,
      `ALTER TABLE {db}.metric_points ADD COLUMN IF NOT EXISTS signal_labels Map(LowCardinality(String), String) AFTER signal_value`,
      // The sort key leads with the source name; a signal spans several names, so skip by set.
      `ALTER TABLE {db}.metric_points ADD INDEX IF NOT EXISTS idx_signal signal TYPE set(256) GRANULARITY 4`,
    ],
  },
  {
    version: 3,
    description: 'confidence signals of spans',
    statements: [
      // The confidence calibration uses (docs/calibration.md says which source wins), raw and recalibrated.
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS confidence Nullable(Float64)`,
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS confidence_source LowCardinality(String)`,
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS confidence_calibrated Nullable(Float64)`,
      // From token logprobs (strata.logprobs).
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS logprob_mean Nullable(Float64)`,
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS logprob_min Nullable(Float64)`,
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS perplexity Nullable(Float64)`,
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS entropy_mean Nullable(Float64)`,
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS answer_prob Nullable(Float64)`,
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS least_confident_pos Nullable(Int32)`,
      // Stated by the model (<confidence> tag, JSON field, configured regex).
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS verbalized_confidence Nullable(Float64)`,
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS verbalized_format_ok Nullable(Bool)`,
      // Numeric attributes the user named as scores (a judge's score, a reward model's output).
      `ALTER TABLE {db}.spans ADD COLUMN IF NOT EXISTS scores Map(LowCardinality(String), Float64)`,
    ],
  },
  {
    version: 4,
    description: 'feedback (ground truth) and fitted calibration maps',
    statements: [
      `CREATE TABLE IF NOT EXISTS {db}.feedback (
        time DateTime64(3),
        trace_id String,
        span_id String,
        response_id String,
        correct Bool,
        score Nullable(Float64),
        threshold Nullable(Float64),
        source LowCardinality(String),
        name LowCardinality(String),
        comment String,
        ingested_at DateTime64(3) DEFAULT now64(3)
      ) ENGINE = MergeTree
      ORDER BY (trace_id, span_id, response_id, time)
      SETTINGS non_replicated_deduplication_window = 10000`,
      `CREATE TABLE IF NOT EXISTS {db}.calibration_maps (
        slice String,
        method LowCardinality(String),
        params String,
        fitted_at DateTime64(3),
        n UInt64,
        ece_before Float64,
        ece_after Float64
      ) ENGINE = ReplacingMergeTree(fitted_at)
      ORDER BY slice`,
    ],
  },
  {
    version: 5,
    description: 'behavioural monitor results and probe readings',
    statements: [
      `CREATE TABLE IF NOT EXISTS {db}.probe_readings (
        time DateTime64(9),
        trace_id String,
        span_id String,
        service LowCardinality(String),
        model LowCardinality(String),
        probe LowCardinality(String),
        layer Nullable(Int32),
        score Nullable(Float64),
        threshold Nullable(Float64),
        label String,
        propositions String,
        alarm Bool,
        source LowCardinality(String),
        agreement Nullable(Float64),
        entities Array(String),
        ingested_at DateTime64(3) DEFAULT now64(3)
      ) ENGINE = MergeTree
      PARTITION BY toDate(time)
      ORDER BY (probe, model, time)
      SETTINGS non_replicated_deduplication_window = 10000`,
      `CREATE TABLE IF NOT EXISTS {db}.monitor_results (
        time DateTime64(9),
        trace_id String,
        span_id String,
        service LowCardinality(String),
        model LowCardinality(String),
        monitor LowCardinality(String),
        flag Bool,
        score Float64,
        evidence String,
        metrics Map(LowCardinality(String), Float64),
        cost_tokens UInt32,
        cost_ms Float64,
        hidden_reasoning Bool,
        entities Array(String),
        ingested_at DateTime64(3) DEFAULT now64(3)
      ) ENGINE = MergeTree
      PARTITION BY toDate(time)
      ORDER BY (monitor, model, time)
      SETTINGS non_replicated_deduplication_window = 10000`,
    ],
  },
  {
    version: 6,
    description: 'inclusion probability of budgeted probe readings',
    statements: [
      // Linear-probe readings taken under a budget (monitors.budget.probes) carry the probability that their
      // span was sampled; every other reading, and those stored before this version, read back null (read as 1).
      `ALTER TABLE {db}.probe_readings ADD COLUMN IF NOT EXISTS inclusion_probability Nullable(Float64)`,
    ],
  },
];
