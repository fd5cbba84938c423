-- description: Send the previewed 'paid' orders with no payment and no paid_at back to 'pending_payment'. The guide's UPDATE uses NOT IN (SELECT order_id FROM payments ...), which matches nothing as soon as one payment has a NULL order_id; it also reverted orders whose payment is pending, refunded or disputed, and orders with paid_at that its own insert fix treats as paid. paid -> pending_payment is outside the guide's state machine, so it is kept to orders with no evidence of payment at all
-- source: Advanced Troubleshooting / 3. Data Consistency Issues — "Fix inconsistent states"
-- key: id
-- params: ids, window
-- defaults: {"window": "24 hours"}
UPDATE orders AS o
SET state = 'pending_payment',
    updated_at = now()
WHERE o.id = ANY(%(ids)s)
    AND o.state = 'paid'
    AND o.paid_at IS NULL
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id)
RETURNING o.id, o.state
