-- description: Record the first refused delivery of an event (signature, age, rate limit, database error) with the guide's error message
-- params: event_id, event_type, error
INSERT INTO webhook_events (event_id, event_type, error_message)
VALUES (%(event_id)s, %(event_type)s, %(error)s)
