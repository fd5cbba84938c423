-- description: Record an accepted delivery (with its order when known at receipt); backdate_seconds > 0 under slow_processing backdate=true
-- params: event_id, event_type, order_id, backdate_seconds, payload
INSERT INTO webhook_events (event_id, event_type, order_id, created_at, payload)
VALUES (
    %(event_id)s,
    %(event_type)s,
    %(order_id)s,
    now() - %(backdate_seconds)s * interval '1 second',
    %(payload)s::jsonb
)
RETURNING id
