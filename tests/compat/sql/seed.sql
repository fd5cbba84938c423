-- The smallest data that proves the matrix: one failed event (the action's row), one
-- processed event with its paid order and payment, one order stuck in 'pending'.
-- Written through the column defaults, so it works for bigint, uuid and text ids, and
-- now() lands in naive timestamp columns as the database's TimeZone local time (as an
-- application writing now() would).
WITH stuck AS (
    INSERT INTO orders (state, created_at, updated_at, total_amount_cents)
    VALUES ('pending', now() - interval '2 hours', now() - interval '2 hours', 1000)
    RETURNING id
), paid AS (
    INSERT INTO orders (state, created_at, updated_at, paid_at, stripe_payment_intent_id,
                        total_amount_cents)
    VALUES ('paid', now() - interval '30 minutes', now() - interval '20 minutes',
            now() - interval '20 minutes', 'pi_compat_1', 2500)
    RETURNING id
), payment AS (
    INSERT INTO payments (order_id, amount_cents, status, stripe_payment_intent_id, processed_at)
    SELECT id, 2500, 'completed', 'pi_compat_1', now() - interval '20 minutes' FROM paid
    RETURNING id
)
INSERT INTO webhook_events (event_id, event_type, order_id, created_at, processed_at,
                            error_message, retry_count)
SELECT 'evt_compat_ok', 'payment_intent.succeeded', paid.id, now() - interval '21 minutes',
       now() - interval '20 minutes', NULL, 0
FROM paid
UNION ALL
SELECT 'evt_compat_failed', 'payment_intent.succeeded', stuck.id, now() - interval '1 hour',
       NULL, 'order not found', 0
FROM stuck;
