-- description: Harm watch: orders back in 'pending' although they have a payment intent (a reset that should not have happened)
SELECT id::text AS id
FROM orders
WHERE state = 'pending' AND stripe_payment_intent_id IS NOT NULL
