-- description: Notifications created in the window by channel: total, failed, failure percentage and the latest error (the P2 "notification delivery issues" item)
-- source: implied by Quick Reference P2 "Notification delivery issues"
-- requires: notifications
-- params: window
-- defaults: {"window": "1 hour"}
SELECT
    channel,
    count(*) AS total,
    count(*) FILTER (WHERE status = 'failed') AS failed,
    round(100.0 * count(*) FILTER (WHERE status = 'failed') / count(*), 2)::float8
        AS failure_percent,
    (array_agg(last_error ORDER BY created_at DESC) FILTER (WHERE last_error IS NOT NULL))[1]
        AS latest_error
FROM notifications
WHERE created_at > now() - %(window)s::interval
GROUP BY channel
ORDER BY failure_percent DESC, channel
