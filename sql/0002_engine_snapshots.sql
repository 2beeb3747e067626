-- Why: the engine survives a restart without showing zeros. It saves its state with the
-- JetStream sequence that state covers, and on start restores the newest one and replays
-- the stream from the next sequence. Kept in ClickHouse (not NATS KV, whose values are
-- capped at the 1 MiB message size) so any node can take over the engine role.
CREATE TABLE IF NOT EXISTS engine_snapshots
(
    tenant   LowCardinality(String),
    seq      UInt64,
    saved_at DateTime64(3, 'UTC'),
    state    String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY tenant
TTL toDateTime(saved_at) + INTERVAL 7 DAY;
