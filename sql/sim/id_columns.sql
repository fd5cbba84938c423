-- description: The type of the id column of orders and notifications (bigint, uuid, ...), and whether notifications exists
-- Read once when the receiver starts: event order ids are converted to this type.
SELECT table_name, data_type
FROM information_schema.columns
WHERE table_schema = current_schema()
  AND column_name = 'id'
  AND table_name IN ('orders', 'notifications')
