-- description: A refused redelivery of an unprocessed event: count the retry and keep the latest error on its row
-- params: error, id
UPDATE webhook_events
SET error_message = %(error)s, retry_count = retry_count + 1
WHERE id = %(id)s
