-- description: The order an event names in metadata.order_id (the id already converted to the column's type)
-- params: id
SELECT id, state FROM orders WHERE id = %(id)s
