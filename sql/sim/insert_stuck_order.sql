-- description: stuck_orders: an abandoned checkout left in pending / pending_payment, created and last updated age_seconds ago
-- params: state, intent, amount_cents, age_seconds
INSERT INTO orders (state, stripe_payment_intent_id, total_amount_cents, created_at, updated_at)
VALUES (
    %(state)s,
    %(intent)s,
    %(amount_cents)s,
    now() - %(age_seconds)s * interval '1 second',
    now() - %(age_seconds)s * interval '1 second'
)
