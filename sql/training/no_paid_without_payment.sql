-- description: Resolve check: paid orders without a completed payment row (0 = the books agree again)
SELECT count(*) AS n
FROM orders AS o
WHERE o.state = 'paid'
  AND NOT EXISTS (
      SELECT 1 FROM payments AS p WHERE p.order_id = o.id AND p.status = 'completed'
  )
