-- description: A confirmation e-mail sent at the first attempt, after a payment, a failed payment or a refund
-- params: order_id
INSERT INTO notifications (order_id, channel, status, attempts, sent_at)
VALUES (%(order_id)s, 'email', 'sent', 1, now())
