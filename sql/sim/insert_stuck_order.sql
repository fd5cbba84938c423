-- description: stuck_orders: an abandoned checkout left in pending / pending_payment, created and last updated age_seconds ago
-- params: state, intent, amount_cents, age_seconds
INSERT INTO orders (state, stripe_payment_intent_id, total_amount_cents, created_at, updated_at)
SELECT %(state)s, %(intent)s, %(amount_cents)s, abandoned.left_at, abandoned.left_at
FROM (SELECT now() - %(age_seconds)s * interval '1 second' AS left_at) AS abandoned
