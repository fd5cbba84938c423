-- description: Which of the orders held as paid without a payment still are (a payment may have landed, the state moved on)
-- index: payments_order_id_idx (one probe per order held), orders_pkey (ids keep their own type: bigint[] or uuid[])
-- cost: the orders held (at most the Collector's cap), by primary key
SELECT o.id, o.updated_at::timestamptz AS updated_at
FROM orders AS o
WHERE o.id = ANY(%(ids)s)
  AND o.state = 'paid'
  AND NOT EXISTS (
      SELECT 1 FROM payments AS p WHERE p.order_id = o.id AND p.status = 'completed'
  )
