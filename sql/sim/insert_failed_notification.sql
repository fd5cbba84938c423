-- description: A confirmation e-mail that failed after three attempts (notification_failures), with the provider's error
-- params: order_id, error
INSERT INTO notifications (order_id, channel, status, attempts, last_error)
VALUES (%(order_id)s, 'email', 'failed', 3, %(error)s)
