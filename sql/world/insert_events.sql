-- description: Insert the webhook events in arrival order: one per step that has a webhook, plus rare rejected deliveries
-- A rejected delivery is its own event (new event_id, error_message set, processed_at NULL)
-- arriving shortly after a real one: a bad signature, a late out-of-order event, a timeout.
-- None arrive in the last `quiet` stretch, so a fresh world trips no detector; faults do
-- that later. Event ids and the rejection draws come from a hash of the world key, so they
-- do not depend on the order rows are read in (ids: `evt_1` + 23 hash characters, part
-- upper case so they read like Stripe's mixed-case ids; base64 would cost 2 s per 1M). Rejected signatures carry no order (the
-- payload was never trusted).
INSERT INTO webhook_events (
    event_id, event_type, order_id, created_at, processed_at, error_message, retry_count
)
WITH steps AS (
    -- one branch per webhook step; the last number is the retry slot drawn for it
    SELECT w.ord_no, w.created_at, w.now_s, w.retry_slot AS drawn_retry, w.d7,
           1 AS slot, 'checkout.session.completed' AS event_type,
           w.co_at AS at_s, w.co_done AS done_s, 1 AS retry_slot
    FROM world_plan AS w WHERE w.co_at <= w.now_s
    UNION ALL
    SELECT w.ord_no, w.created_at, w.now_s, w.retry_slot, w.d7,
           2, 'payment_intent.payment_failed', w.fail_at, w.fail_done, 2
    FROM world_plan AS w WHERE w.fail_at <= w.now_s
    UNION ALL
    SELECT w.ord_no, w.created_at, w.now_s, w.retry_slot, w.d7,
           3, 'payment_intent.succeeded', w.paid_at, w.paid_done, 3
    FROM world_plan AS w WHERE w.paid_at <= w.now_s
    UNION ALL
    SELECT w.ord_no, w.created_at, w.now_s, w.retry_slot, w.d7,
           4, 'charge.refunded', w.refund_at, w.refund_done, 4
    FROM world_plan AS w WHERE w.refund_at <= w.now_s
    UNION ALL
    SELECT w.ord_no, w.created_at, w.now_s, w.retry_slot, w.d7,
           5, 'charge.dispute.created', w.dispute_at, w.dispute_done, 5
    FROM world_plan AS w WHERE w.dispute_at <= w.now_s
    UNION ALL
    SELECT w.ord_no, w.created_at, w.now_s, w.retry_slot, w.d7,
           6, 'charge.refunded', w.resolve_at, w.resolve_done, 4
    FROM world_plan AS w WHERE w.resolution = 'refunded' AND w.resolve_at <= w.now_s
), slots AS (
    SELECT
        s.ord_no,
        m.order_id,
        s.slot,
        s.event_type,
        s.created_at + s.at_s * interval '1 second' AS created_at,
        CASE WHEN s.done_s <= s.now_s
            THEN s.created_at + s.done_s * interval '1 second' END AS processed_at,
        CASE WHEN s.retry_slot = s.drawn_retry THEN 1 + (s.d7 > 0.8)::int ELSE 0 END
            AS retry_count,
        s.at_s + 90 <= s.now_s - extract(epoch FROM p.quiet) AS may_reject,
        md5(p.key || ':evt:' || s.ord_no || ':' || s.slot) AS h
    FROM steps AS s
    JOIN world_map AS m ON m.ord_no = s.ord_no
    CROSS JOIN world_params AS p
), rejected AS (
    SELECT
        d.*,
        ('x' || substr(d.h, 9, 8))::bit(32)::bigint::float8 / 4294967296 AS u_delay,
        ('x' || substr(d.h, 17, 8))::bit(32)::bigint::float8 / 4294967296 AS u_message,
        ('x' || substr(d.h, 25, 8))::bit(32)::bigint::float8 / 4294967296 AS u_retries,
        md5(d.h || ':rejected') AS h2
    FROM slots AS d, world_params AS p
    WHERE d.may_reject
      -- u < p_error, compared as fixed-width hex text (cheaper than converting every hash)
      AND substr(d.h, 1, 8) COLLATE "C" < p.error_hex COLLATE "C"
)
SELECT
    'evt_1' || upper(substr(h, 9, 9)) || substr(h, 18, 14),
    event_type,
    order_id,
    created_at,
    processed_at,
    NULL,
    retry_count
FROM slots
UNION ALL
SELECT
    'evt_1' || upper(substr(h2, 9, 9)) || substr(h2, 18, 14),
    r.event_type,
    CASE WHEN m.message <> 'Invalid signature' THEN r.order_id END,
    r.created_at + (1 + 89 * r.u_delay) * interval '1 second',
    NULL,
    m.message,
    floor(4 * r.u_retries)::int
FROM rejected AS r
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN r.u_message < 0.25 THEN 'Invalid signature'
        WHEN r.u_message < 0.60 THEN 'Invalid state transition'
        WHEN r.u_message < 0.75 THEN 'Database connection timeout'
        WHEN r.u_message < 0.80 THEN 'Connection pool exhausted'
        WHEN r.u_message < 0.90 THEN 'Event too old'
        ELSE 'Rate limit exceeded'
    END AS message
) AS m
ORDER BY 4
