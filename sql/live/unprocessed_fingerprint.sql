-- description: Count and content hash of the settled unprocessed rows (older than the last few minutes), to tell whether any changed since the last poll
-- index: webhook_events_unprocessed_idx (partial, processed_at IS NULL; range scan on created_at)
-- cost: scans the unprocessed rows of the 24 h window in the database, returns one row
-- why: a failure, retry reset or deletion changes no timestamp; an equal count and hash over
--      (id, type, creation, error, retry count) mean the rows held from the last read are
--      still exact, so they are not shipped again. Two ranges in one scan: the one held
--      (compare) and the one to hold from now on (keep), as the cuts move forward.
SELECT count(*) FILTER (WHERE compare) AS compare_rows,
       coalesce(sum(hash) FILTER (WHERE compare), 0) AS compare_hash,
       count(*) FILTER (WHERE keep) AS keep_rows,
       coalesce(sum(hash) FILTER (WHERE keep), 0) AS keep_hash
FROM (
    SELECT created_at >= %(compare_from)s AND created_at < %(compare_to)s AS compare,
           created_at >= %(keep_from)s AND created_at < %(keep_to)s AS keep,
           hashtextextended(
               concat_ws('/', id::text, event_type, extract(epoch FROM created_at), retry_count,
                         error_message IS NULL, error_message),
               0
           ) AS hash
    FROM webhook_events
    WHERE processed_at IS NULL
      AND created_at >= %(scan_from)s
      AND created_at < %(scan_to)s
) AS settled
