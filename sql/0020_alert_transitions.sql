-- Why: every alert state change (pending, firing, recovering, resolved) and every
-- notification is kept for the alerts page and for audits ("who was told what, when").
-- A restart may log a transition again before its state was saved: ReplacingMergeTree on
-- (tenant, rule_id, at, to_state, seq) folds such repeats; readers use FINAL.
CREATE TABLE IF NOT EXISTS alert_transitions
(
    tenant       LowCardinality(String),
    at           DateTime64(3, 'UTC'),
    rule_id      String,
    rule_name    String,
    metric       LowCardinality(String),
    scope        String,
    `window`     LowCardinality(String),
    severity     LowCardinality(String),
    from_state   LowCardinality(String),
    to_state     LowCardinality(String),
    notification LowCardinality(String),
    silenced     Bool,
    value        Nullable(Float64),
    threshold    Float64,
    fingerprint  String,
    seq          UInt32,
    starts_at    Nullable(DateTime64(3, 'UTC')),
    ends_at      Nullable(DateTime64(3, 'UTC'))
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (tenant, rule_id, at, to_state, seq);
