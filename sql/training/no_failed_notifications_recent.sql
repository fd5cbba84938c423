-- description: Resolve check: the last few seconds' notifications, sent and failed (clean = some sent, none failed)
-- params: seconds
SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
       count(*) FILTER (WHERE status = 'failed') AS failed
FROM notifications
WHERE created_at > now() - %(seconds)s * interval '1 second'
