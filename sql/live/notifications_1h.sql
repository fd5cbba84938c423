-- description: Notification deliveries of the last hour and how many failed (P2 notification delivery issues)
-- requires: notifications
-- index: notifications_created_at_idx; runs on the slow cadence
SELECT count(*) AS total,
       count(*) FILTER (WHERE status = 'failed' OR (sent_at IS NULL AND last_error IS NOT NULL)) AS failed,
       min(created_at) FILTER (WHERE status = 'failed' OR (sent_at IS NULL AND last_error IS NOT NULL))::timestamptz AS first_failed
FROM notifications
WHERE created_at >= %(since)s
