-- Why: the writer parsed every bus message in JavaScript, rebuilt each event as a row,
-- cut its payload out of a second JSON.stringify and serialised the batch again for
-- chDB, which then parsed it a third time: ~11–17 µs of CPU per event together, the
-- largest share of the ingest benchmark's budget. Now the writer hands over the
-- messages' own bytes, one JSON line `{"m":[...events...]}` per message, and ClickHouse
-- parses each array once: ~8 µs per event (tmp-prof/raw.ts at the time).
--
-- `events_in` stores nothing (Null engine); this view turns each message into its rows
-- of `events` (whose own view fills `event_ids`). The payload is the event as posted:
-- ingestion appends tenant, ts and received_at after the posted fields
-- (server/ingest/validate.ts), and the view cuts those three off the end. Fields a row
-- does not have take the column defaults, as the sparse rows did before.
--
-- A message ClickHouse cannot read (JSONExtract then yields an empty array) must not
-- vanish, and an element that is not an event must not become an empty row: the insert
-- fails instead (throwIf, or arrayZip on arrays of different lengths) and the writer
-- sends the message to the dead-letter stream. The writer itself sends
-- bytes that JavaScript and ClickHouse read alike (pipelines/writer/events-in.ts).
CREATE TABLE IF NOT EXISTS events_in
(
    m String
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_in_mv TO events AS
SELECT
    e.tenant AS tenant,
    e.type AS type,
    fromUnixTimestamp64Milli(e.ts, 'UTC') AS time,
    e.id AS id,
    fromUnixTimestamp64Milli(e.received_at, 'UTC') AS received_at,
    e.contact_id AS contact_id,
    e.ticket_id AS ticket_id,
    e.queue AS queue,
    e.to_queue AS to_queue,
    e.channel AS channel,
    e.agent_id AS agent_id,
    e.customer_id AS customer_id,
    e.team AS team,
    e.state AS state,
    e.reason AS reason,
    e.survey AS survey,
    e.score AS score,
    e.priority AS priority,
    e.wait_ms AS wait_ms,
    e.hold_ms AS hold_ms,
    e.resolved AS resolved,
    parseDateTime64BestEffortOrNull(e.first_response_due, 3, 'UTC') AS first_response_due,
    e.comment AS comment,
    e.language AS language,
    e.attrs AS attrs,
    replaceRegexpOne(raw, ',"tenant":"[^"]*","ts":-?\\d+,"received_at":-?\\d+}$', '}') AS payload
FROM
(
    SELECT
        arrayJoin(arrayZip(
            JSONExtract(m, 'Array(Tuple(tenant String, type String, ts Int64, id String, received_at Int64,
                contact_id String, ticket_id String, queue String, to_queue String, channel String,
                agent_id String, customer_id String, team String, state String, reason String, survey String,
                score Nullable(Int16), priority Nullable(Int32), wait_ms Nullable(UInt32), hold_ms Nullable(UInt32),
                resolved Nullable(Bool), first_response_due Nullable(String), comment String, language String,
                attrs Map(String, String)))'),
            raws
        )) AS z,
        z.1 AS e,
        z.2 AS raw
    FROM
    (
        SELECT m, JSONExtractArrayRaw(m) AS raws
        FROM events_in
        WHERE throwIf(empty(raws) AND m != '[]', 'events_in: a message that is not a JSON array ClickHouse can read') = 0
    )
)
WHERE throwIf(e.id = '' OR e.tenant = '' OR e.type = '', 'events_in: an element without id, tenant or type') = 0;
