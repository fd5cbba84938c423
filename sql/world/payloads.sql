-- description: Stripe-shaped payloads for the events an operator is likely to open
-- The last hour's events and the last day's rejected ones get a compact event body (id,
-- type, created, data.object with the payment intent, amount and order id); older ones
-- keep payload NULL, which the contract allows, so big histories stay cheap. The time
-- bounds are computed once (not joined per row), so the scan keeps only those few events
-- and each looks its order up by primary key instead of joining all the orders.
UPDATE webhook_events AS e
SET payload = (
    SELECT jsonb_build_object(
        'id', e.event_id,
        'object', 'event',
        'api_version', '2024-06-20',
        'type', e.event_type,
        'livemode', false,
        'created', floor(extract(epoch FROM e.created_at))::bigint,
        'data', jsonb_build_object('object', jsonb_build_object(
            'id', CASE split_part(e.event_type, '.', 1)
                WHEN 'checkout' THEN 'cs_test_' || substr(e.event_id, 6)
                WHEN 'charge' THEN
                    CASE WHEN e.event_type = 'charge.dispute.created'
                        THEN 'dp_' || substr(e.event_id, 5) ELSE 'ch_' || substr(e.event_id, 5) END
                ELSE o.stripe_payment_intent_id
            END,
            'object', CASE e.event_type
                WHEN 'checkout.session.completed' THEN 'checkout.session'
                WHEN 'charge.dispute.created' THEN 'dispute'
                WHEN 'charge.refunded' THEN 'charge'
                ELSE 'payment_intent'
            END,
            'payment_intent', o.stripe_payment_intent_id,
            'amount', o.total_amount_cents,
            'currency', 'aud',
            'metadata', jsonb_build_object('order_id', o.id::text)
        ))
    )
    FROM orders AS o
    WHERE o.id = e.order_id
)
WHERE e.order_id IS NOT NULL
  AND e.created_at > (SELECT p.now - interval '1 day' FROM world_params AS p)
  AND (e.created_at > (SELECT p.now - interval '1 hour' FROM world_params AS p)
       OR e.error_message IS NOT NULL)
  AND e.payload IS NULL
