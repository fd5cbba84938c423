-- description: The completed payment a successful payment_intent leaves (skipped under paid_without_payment)
-- params: order_id, amount_cents, currency, intent
INSERT INTO payments (
    order_id, amount_cents, currency, payment_method, status, stripe_payment_intent_id, processed_at
)
VALUES (%(order_id)s, %(amount_cents)s, %(currency)s, 'stripe', 'completed', %(intent)s, now())
