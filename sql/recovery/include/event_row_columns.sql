-- Included (\ir) where a webhook_events row `w` is listed for an operator: the diagnostics
-- (recent_events, duplicate_events, failed_events) and the previews of the recovery actions
-- on events (reset_failed_events, delete_duplicate_events). The row's key and identity,
-- first and in this order; each list goes on with the columns its question needs.
w.id,
w.event_id,
w.event_type,
w.order_id,
w.created_at,
