-- description: An accepted redelivery of an event that was refused or failed before: count the retry, clear the error, keep the new payload
-- params: payload, id
UPDATE webhook_events
SET retry_count = retry_count + 1, error_message = NULL, payload = %(payload)s::jsonb
WHERE id = %(id)s
