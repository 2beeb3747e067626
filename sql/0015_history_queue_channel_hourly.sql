-- Why: history grouped or filtered by channel read every contact fact of the range (the
-- 90-day hourly answer by channel aggregated 1.4M facts). This rollup holds the same
-- measures as hist_queue_hourly one level finer, per (tenant, UTC hour, queue, channel):
-- queue stays in the key because service level and short abandons follow each queue's
-- own policy, so a channel's hour is the sum of its queues' rows. hist_queue_hourly stays
-- for requests by queue or by nothing: merging the channels' sorted wait arrays at read
-- time would cost the 90-day by-queue query its margin (pipelines/history/README.md).
-- Rows are tagged with the facts part they were computed from, as in 0012, and a day is
-- recorded in hist_rollup_days only once both tables hold its rows.
CREATE TABLE IF NOT EXISTS hist_queue_channel_hourly
(
    tenant        LowCardinality(String),
    day           UInt32,
    part          String,
    hour          DateTime('UTC'),
    queue         LowCardinality(String),
    channel       LowCardinality(String),
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
ORDER BY (tenant, hour, queue, channel);

-- Days rolled up before this table existed have no channel rows, and a day's record says
-- both tables hold it. Forget them: until the next compaction round (30 s after start,
-- then every 10 minutes) rolls every settled day up again into both tables, requests are
-- answered from the facts, exactly, only slower. Re-inserting rows under the same part
-- name next to the old ones would count them twice, so the old rows go too.
TRUNCATE TABLE IF EXISTS hist_rollup_days;

TRUNCATE TABLE IF EXISTS hist_queue_hourly;
