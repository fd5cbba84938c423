-- description: Insert the orders in creation order and remember the id each one got
-- The payment intent id (set once checkout has started) is the natural key joined back on;
-- orders that never reached checkout have no events, payments or notifications to link.
WITH inserted AS (
    INSERT INTO orders (
        state, created_at, updated_at, paid_at, stripe_payment_intent_id, total_amount_cents
    )
    SELECT
        w.state,
        w.created_at,
        w.updated_at,
        w.paid_at_ts,
        CASE WHEN w.co_at <= w.now_s THEN w.payment_intent END,
        w.amount_cents
    FROM world_plan AS w
    ORDER BY w.created_at
    RETURNING id, stripe_payment_intent_id
)
INSERT INTO world_map (ord_no, order_id)
SELECT w.ord_no, i.id
FROM inserted AS i
JOIN world_plan AS w ON w.payment_intent = i.stripe_payment_intent_id
