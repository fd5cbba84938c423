-- description: Move an order to the event's target state, atomically and only from a state the guide's state machine allows
-- params: target, intent, id, valid_from
UPDATE orders
SET state = %(target)s,
    updated_at = now(),
    paid_at = CASE WHEN %(target)s = 'paid' THEN now() ELSE paid_at END,
    stripe_payment_intent_id = COALESCE(stripe_payment_intent_id, %(intent)s)
WHERE id = %(id)s AND state = ANY(%(valid_from)s)
RETURNING id, total_amount_cents, currency, stripe_payment_intent_id
