-- Why: the 90-day hourly history by queue groups 1.4M contact facts into ~280k (hour,
-- queue) rows and sorts them, ~190 ms of ClickHouse time before any output. This rollup
-- holds those rows ready, sorted by (tenant, hour, queue), for every settled day whose
-- facts partition is one part (server/history/rollup.ts). Each row is tagged with the
-- facts part it was computed from: a later write to that day makes a new part, and the
-- day is read from the facts again until its rollup is recomputed. Waits are kept as
-- sorted arrays, not as counts under a threshold, so service level follows the queue's
-- current policy and the 90th percentile stays exact.
CREATE TABLE IF NOT EXISTS hist_queue_hourly
(
    tenant        LowCardinality(String),
    day           UInt32,
    part          String,
    hour          DateTime('UTC'),
    queue         LowCardinality(String),
    arrivals      UInt32,
    arrived       UInt32,
    outcomes      UInt32,
    answered      UInt32,
    answered_w    UInt32,
    wait_sum      UInt64,
    waits         Array(UInt32),
    abandoned     UInt32,
    abandon_waits Array(UInt32),
    wrapped       UInt32,
    handle_sum    UInt64,
    fcr_d         UInt32,
    fcr_n         UInt32
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (tenant, hour, queue);

-- Why: which facts part each day's rollup rows were computed from; a day is read from
-- the rollup only while that part is still the day's only active part.
CREATE TABLE IF NOT EXISTS hist_rollup_days
(
    day       UInt32,
    part      String,
    rolled_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(rolled_at)
ORDER BY day;
