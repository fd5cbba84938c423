-- description: Orders marked paid in a range of updated_at without a completed payment, each range judged once (Data Consistency, incremental)
-- index: orders_state_updated_at_idx (state = 'paid', updated_at range), payments_order_id_idx
-- cost: the paid orders updated in the range (the poll's few seconds; an hour per statement while the first day is filled in)
-- note: NOT EXISTS, not the guide's NOT IN, which silently matches nothing when a payment has a NULL order_id
SELECT o.id,
       o.id::text AS id_text,
       o.updated_at::timestamptz AS updated_at,
       count(*) OVER () AS total
FROM orders AS o
WHERE o.state = 'paid'
  AND o.updated_at >= %(updated_from)s
  AND o.updated_at < %(updated_to)s
  AND NOT EXISTS (
      SELECT 1 FROM payments AS p WHERE p.order_id = o.id AND p.status = 'completed'
  )
ORDER BY o.updated_at
LIMIT %(limit)s
