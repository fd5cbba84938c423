-- description: Revert the previewed paid-without-payment orders to pending_payment; the guide's `id NOT IN (SELECT order_id FROM payments …)` matches nothing once any payment has a NULL order_id, and it also reverted orders whose money did arrive (paid_at set: insert the payment record instead) or that have a payment in another status (investigate)
-- source: Advanced Troubleshooting / 3. Data Consistency Issues — "Fix inconsistent states"
-- params: window, ids
-- defaults: {"window": "24 hours"}
UPDATE orders AS o
SET state = 'pending_payment',
    updated_at = now()
WHERE o.id = ANY(%(ids)s)
    AND o.state = 'paid'
    AND o.paid_at IS NULL
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id)
RETURNING o.id
