-- Why: every accepted event is kept as it arrived, for history, drill-down and contact
-- timelines. Typed columns for the fields queries filter on; `payload` keeps the whole
-- event so a timeline shows every field intact. Sorted by (tenant, type, time) because
-- every query names a tenant and most a type and a range.
CREATE TABLE IF NOT EXISTS events
(
    tenant       LowCardinality(String),
    type         LowCardinality(String),
    time         DateTime64(3, 'UTC'),
    id           String,
    received_at  DateTime64(3, 'UTC'),
    contact_id   String,
    ticket_id    String,
    queue        LowCardinality(String),
    to_queue     LowCardinality(String),
    channel      LowCardinality(String),
    agent_id     String,
    customer_id  String,
    team         LowCardinality(String),
    state        LowCardinality(String),
    reason       LowCardinality(String),
    survey       LowCardinality(String),
    score        Nullable(Int16),
    priority     Nullable(Int32),
    wait_ms      Nullable(UInt32),
    hold_ms      Nullable(UInt32),
    resolved     Nullable(Bool),
    first_response_due Nullable(DateTime64(3, 'UTC')),
    comment      String,
    language     LowCardinality(String),
    attrs        Map(String, String),
    payload      String CODEC(ZSTD(3)),
    INDEX idx_contact contact_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_ticket ticket_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, type, time, id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Why: the writer stores each (tenant, id) once, also for a duplicate that arrives hours
-- after the first (outside JetStream's duplicate window). It looks ids up here before
-- inserting; a lookup by the sorting key prefix is cheap, unlike a scan of `events`.
CREATE TABLE IF NOT EXISTS event_ids
(
    tenant LowCardinality(String),
    id     String,
    time   DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant, id)
SETTINGS non_replicated_deduplication_window = 1000;
