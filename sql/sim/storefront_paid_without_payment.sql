-- description: Which of the storefront's paid orders have no completed payment (paid_without_payment's damage): the shop offers them for no refund or dispute, so the damage stays until someone repairs it
-- params: ids
SELECT o.id
FROM orders AS o
WHERE o.id = ANY(%(ids)s)
  AND o.state = 'paid'
  AND NOT EXISTS (
      SELECT 1 FROM payments AS p WHERE p.order_id = o.id AND p.status = 'completed'
  )
