-- description: Orders marked paid in the last 24 h without a completed payment (Data Consistency)
-- index: orders_state_updated_at_idx (state = 'paid', updated_at range), payments_order_id_idx
-- note: NOT EXISTS, not the guide's NOT IN, which silently matches nothing when a payment has a NULL order_id
SELECT o.id::text AS id,
       o.updated_at::timestamptz AS updated_at,
       count(*) OVER () AS total
FROM orders AS o
WHERE o.state = 'paid'
  AND o.updated_at >= %(since)s
  AND NOT EXISTS (
      SELECT 1 FROM payments AS p WHERE p.order_id = o.id AND p.status = 'completed'
  )
ORDER BY o.updated_at
LIMIT 10
