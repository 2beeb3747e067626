-- Why: history needs contact segments (queued/transferred paired with their answer,
-- abandon or transfer) and agent state intervals, which the raw `events` table cannot
-- give fast. The history consumer recomputes the facts of every contact or agent a batch
-- touches from the raw events and rewrites them: ReplacingMergeTree keeps the highest
-- `version` per key and drops keys whose latest row is `deleted` (a fact whose time
-- moved). One row per segment and time axis (`kind`): arrivals by start time, outcomes
-- by end time, wraps by wrap time, so every windowed KPI is a range scan on `time`.
CREATE TABLE IF NOT EXISTS hist_contact_facts
(
    tenant      LowCardinality(String),
    kind        Enum8('arrival' = 1, 'outcome' = 2, 'wrap' = 3),
    time        DateTime64(3, 'UTC'),
    contact_id  String,
    seg         UInt16,
    queue       LowCardinality(String),
    channel     LowCardinality(String),
    agent_id    String,
    team        LowCardinality(String),
    outcome     LowCardinality(String),
    start_known UInt8,
    queued_at   DateTime64(3, 'UTC'),
    ended_at    Nullable(DateTime64(3, 'UTC')),
    wait_ms     Nullable(UInt32),
    answered_at Nullable(DateTime64(3, 'UTC')),
    wrapped_at  Nullable(DateTime64(3, 'UTC')),
    handle_ms   Nullable(UInt32),
    resolved    Nullable(Bool),
    version     UInt64,
    deleted     UInt8,
    INDEX idx_contact contact_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(version, deleted)
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, kind, time, contact_id, seg);

-- Why: occupancy in history is time in states clipped to buckets; each row is one state
-- of one agent from its event to the next, with the team and queues it had then (for
-- the team and queue scopes). Keyed by the event, so a rewrite replaces the row. Sorted
-- by start so a range query reads only its days; `end` has a minmax index because a
-- state that began before the range still overlaps it.
CREATE TABLE IF NOT EXISTS hist_agent_states
(
    tenant   LowCardinality(String),
    agent_id String,
    start    DateTime64(3, 'UTC'),
    id       String,
    end      DateTime64(3, 'UTC'),
    state    LowCardinality(String),
    team     LowCardinality(String),
    queues   Array(String),
    version  UInt64,
    INDEX idx_end end TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start)
ORDER BY (tenant, start, agent_id, id);
