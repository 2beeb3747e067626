-- Why: the voice-of-the-customer loop needs every submission with its classification
-- (the inbox, themes, CSAT drivers) and every workflow change (routing, assignment,
-- status, notes, follow-ups) kept append-only, so the current state of an item is always
-- a fold over its log and an audit can show who did what, when. Rows are never updated:
-- a ReplacingMergeTree keyed by the event id (items) or the change id (changes) only
-- folds a repeat of the same row, written again after a redelivery; readers use FINAL.
CREATE TABLE IF NOT EXISTS feedback_items
(
    tenant            LowCardinality(String),
    feedback_id       String,
    submitted_at      DateTime64(3, 'UTC'),
    survey            LowCardinality(String),
    score             UInt8,
    comment           String,
    language          LowCardinality(String),
    language_detected Bool,
    contact_id        String,
    ticket_id         String,
    agent_id          String,
    queue             String,
    channel           LowCardinality(String),
    category          LowCardinality(String),
    subcategory       LowCardinality(String),
    sentiment         Nullable(Float32),
    sentiment_label   LowCardinality(String),
    classified_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(submitted_at)
ORDER BY (tenant, submitted_at, feedback_id);

-- Why: one row per workflow change; `data` holds the kind's fields as JSON so a new kind
-- needs no migration. `seq` orders changes made in the same millisecond.
CREATE TABLE IF NOT EXISTS feedback_changes
(
    tenant      LowCardinality(String),
    feedback_id String,
    change_id   String,
    at          DateTime64(3, 'UTC'),
    seq         UInt64,
    actor       String,
    kind        LowCardinality(String),
    data        String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (tenant, feedback_id, change_id);
