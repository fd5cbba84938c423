-- description: Refused and failed deliveries recorded in the last seconds, by the guide's error message (the headless demo's summary)
-- params: seconds
SELECT error_message, count(*) AS n
FROM webhook_events
WHERE error_message IS NOT NULL
  AND created_at >= now() - make_interval(secs => %(seconds)s)
GROUP BY error_message
ORDER BY count(*) DESC
