-- description: Insert the webhook events in arrival order: one per step that has a webhook, plus rare rejected deliveries
-- One pass over the plan: each order's steps are unnested from arrays, and a rejected
-- delivery is a second copy of its step's row.
-- A rejected delivery is its own event (new event_id, error_message set, processed_at NULL)
-- arriving shortly after a real one: a bad signature, a late out-of-order event, a timeout.
-- None arrive in the last `quiet` stretch, so a fresh world trips no detector; faults do
-- that later. Event ids and the rejection draws come from a hash of the world key, so they
-- do not depend on the order rows are read in (ids: `evt_1` + 23 hash characters, part
-- upper case so they read like Stripe's mixed-case ids; base64 would cost 2 s per 1M).
-- Rejected signatures carry no order (the payload was never trusted). `OFFSET 0` keeps the
-- hash a computed value rather than an expression repeated wherever it is read.
-- Rows are ordered by arrival, ties (the same microsecond) by event id: a total order, so
-- the ids the rows get never depend on how the sort ran (in memory or spilled to disk).
INSERT INTO webhook_events (
    event_id, event_type, order_id, created_at, processed_at, error_message, retry_count
)
WITH steps AS (
    -- every order's six possible webhook steps side by side, unnested into one row each
    -- (arrays in the select list: half the cost of a VALUES list per order)
    SELECT
        m.order_id, w.ord_no, w.created_at, w.now_s, w.retry_slot AS drawn_retry, w.d7,
        unnest('{1, 2, 3, 4, 5, 6}'::int[]) AS slot,
        unnest(ARRAY[w.co_at, w.fail_at, w.paid_at, w.refund_at, w.dispute_at,
                     CASE WHEN w.resolution = 'refunded' THEN w.resolve_at END]) AS at_s,
        unnest(ARRAY[w.co_done, w.fail_done, w.paid_done, w.refund_done, w.dispute_done,
                     w.resolve_done]) AS done_s
    FROM world_plan AS w
    JOIN world_map AS m ON m.payment_intent = w.payment_intent
), slots AS (
    SELECT
        s.order_id,
        ('{checkout.session.completed, payment_intent.payment_failed, payment_intent.succeeded,'
         ' charge.refunded, charge.dispute.created, charge.refunded}'::text[])[s.slot]
            AS event_type,
        s.created_at + s.at_s * interval '1 second' AS created_at,
        CASE WHEN s.done_s <= s.now_s
            THEN s.created_at + s.done_s * interval '1 second' END AS processed_at,
        -- the dispute's refund (step 6) shares the refund's retry slot (4)
        CASE WHEN least(s.slot, 4 + (s.slot = 5)::int) = s.drawn_retry
            THEN 1 + (s.d7 > 0.8)::int ELSE 0 END AS retry_count,
        s.at_s + 90 <= s.now_s - p.quiet_seconds AS may_reject,
        md5(p.key || ':evt:' || s.ord_no || ':' || s.slot) AS h
    FROM steps AS s
    CROSS JOIN world_params AS p
    WHERE s.at_s <= s.now_s
    OFFSET 0
), copies AS (
    -- copy 0 is the delivery itself, copy 1 (for u < p_error) its rejected twin
    SELECT
        d.*,
        generate_series(0, (
            d.may_reject AND substr(d.h, 1, 8) COLLATE "C" < p.error_hex COLLATE "C"
        )::int) AS copy
    FROM slots AS d, world_params AS p
), events AS (
    SELECT
        c.*,
        CASE WHEN c.copy = 1 THEN md5(c.h || ':rejected') ELSE c.h END AS id_hash,
        CASE WHEN c.copy = 1 THEN
            CASE
                WHEN u.message < 0.25 THEN 'Invalid signature'
                WHEN u.message < 0.60 THEN 'Invalid state transition'
                WHEN u.message < 0.75 THEN 'Database connection timeout'
                WHEN u.message < 0.80 THEN 'Connection pool exhausted'
                WHEN u.message < 0.90 THEN 'Event too old'
                ELSE 'Rate limit exceeded'
            END
        END AS error_message
    FROM copies AS c
    CROSS JOIN LATERAL (
        SELECT ('x' || substr(c.h, 17, 8))::bit(32)::bigint::float8 / 4294967296 AS message
    ) AS u
    OFFSET 0
)
SELECT
    'evt_1' || upper(substr(e.id_hash, 9, 9)) || substr(e.id_hash, 18, 14),
    e.event_type,
    CASE WHEN e.error_message IS DISTINCT FROM 'Invalid signature' THEN e.order_id END,
    CASE WHEN e.copy = 0 THEN e.created_at ELSE e.created_at + (
        1 + 89 * (('x' || substr(e.h, 9, 8))::bit(32)::bigint::float8 / 4294967296)
    ) * interval '1 second' END,
    CASE WHEN e.copy = 0 THEN e.processed_at END,
    e.error_message,
    CASE WHEN e.copy = 0 THEN e.retry_count ELSE floor(
        4 * (('x' || substr(e.h, 25, 8))::bit(32)::bigint::float8 / 4294967296)
    )::int END
FROM events AS e
ORDER BY 4, 1
