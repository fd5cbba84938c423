-- description: charge.refunded: the order's completed payments become refunded
-- params: order_id
UPDATE payments SET status = 'refunded'
WHERE order_id = %(order_id)s AND status = 'completed'
