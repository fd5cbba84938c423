-- description: An order's current state, read when the transition was refused (already there, or not allowed)
-- params: id
SELECT state FROM orders WHERE id = %(id)s
