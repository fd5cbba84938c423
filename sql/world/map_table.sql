-- description: An order's payment intent id -> the id the database gave the order (bigint, uuid, any)
-- Copies the type of orders.id without naming it, so nothing here assumes bigint.
CREATE TEMP TABLE world_map ON COMMIT DROP AS
SELECT ''::text AS payment_intent, o.id AS order_id
FROM orders AS o
WITH NO DATA
