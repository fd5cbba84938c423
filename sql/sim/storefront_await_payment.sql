-- description: The storefront created the payment intent: the pending order moves to pending_payment with its pi_ id
-- params: intent, id
UPDATE orders
SET state = 'pending_payment', stripe_payment_intent_id = %(intent)s, updated_at = now()
WHERE id = %(id)s AND state = 'pending'
