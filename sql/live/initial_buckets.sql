-- description: The first poll's 24 h, aggregated in the database: arrivals, latency histogram bins, kept errors
-- index: webhook_events_created_at_idx (one range scan of the window, once per Collector)
-- cost: the whole window once; returns one row per (minute, event type, latency bin, error message)
-- why: shipping 24 h of rows to Python made start-up slow; the bin formula must match
--      console/metrics/buckets.py latency_bin() exactly (both use float8 ln())
SELECT date_trunc('minute', created_at, 'UTC') AS minute,
       event_type,
       counted,
       CASE
           WHEN NOT counted THEN NULL
           WHEN us <= 1000 THEN 0
           ELSE greatest(1, ceil(ln(us::float8 / 1000) / ln(1.05::float8) - 1e-12))::int
       END AS bin,
       CASE WHEN counted THEN error_message END AS error_message,
       count(*) AS events,
       sum(us) AS sum_us,
       max(us) AS max_us,
       min(created_at)::timestamptz AS first_at,
       max(created_at)::timestamptz AS last_at
FROM (
    SELECT created_at,
           event_type,
           error_message,
           processed_at IS NOT NULL AND processed_at < %(processed_since)s AS counted,
           CASE WHEN processed_at IS NOT NULL AND processed_at < %(processed_since)s
                THEN greatest(0, (extract(epoch FROM processed_at - created_at) * 1000000)::bigint)
           END AS us
    FROM webhook_events
    WHERE created_at >= %(start)s
      AND created_at < %(cut)s
) AS window_rows
GROUP BY 1, 2, 3, 4, 5
