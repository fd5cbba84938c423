-- description: Insert the orders in creation order and remember the id each one got
-- The payment intent id (set once checkout has started) is the natural key the later
-- inserts join on, so the ids come straight from RETURNING, with no join back to the plan;
-- orders that never reached checkout have no events, payments or notifications to link.
WITH inserted AS (
    INSERT INTO orders (
        state, created_at, updated_at, paid_at, stripe_payment_intent_id, total_amount_cents
    )
    SELECT w.state, w.created_at, w.updated_at, w.paid_at_ts, w.payment_intent, w.amount_cents
    FROM world_plan AS w
    ORDER BY w.created_at
    RETURNING id, stripe_payment_intent_id
)
INSERT INTO world_map (payment_intent, order_id)
SELECT i.stripe_payment_intent_id, i.id
FROM inserted AS i
WHERE i.stripe_payment_intent_id IS NOT NULL
