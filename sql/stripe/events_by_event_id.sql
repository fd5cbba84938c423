-- description: What webhook_events holds for each of the given Stripe event ids (one row per id): how many copies, whether any was processed, whether an unprocessed copy carries an error, the latest error and retry count. Ids that Stripe listed and this query does not return are missing from the database
-- params: ids, received_after
-- defaults: {"ids": [], "received_after": "1970-01-01T00:00:00+00:00"}
-- cost: one pass over webhook_events since received_after (an index on event_id or created_at makes it cheap)
SELECT
    event_id,
    count(*) AS copies,
    count(processed_at) AS processed_copies,
    bool_or(processed_at IS NULL AND error_message IS NOT NULL) AS failed,
    (array_agg(error_message ORDER BY created_at DESC)
        FILTER (WHERE error_message IS NOT NULL))[1] AS last_error,
    max(retry_count) AS retry_count,
    min(created_at) AS first_received
FROM webhook_events
WHERE event_id = ANY(%(ids)s::text[])
    AND created_at >= %(received_after)s
GROUP BY event_id
