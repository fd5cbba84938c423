-- description: The demo world's parameters, one row that every later generator statement reads
-- params: now, days, orders_total, key, amplitude, peak_hour, p_abandon, p_expire, p_fail, p_retry, p_refund, p_dispute, p_dispute_refund, p_dispute_release, p_error, p_event_retry, quiet_seconds, latency_median, latency_sigma, latency_cap, p_notify_fail, p_notify_fail_recent
-- source: console/sim/world.py (utility statements such as CREATE TABLE AS cannot take bind parameters)
CREATE TEMP TABLE world_params ON COMMIT DROP AS
SELECT
    %(now)s::timestamptz AS now,
    %(now)s::timestamptz - %(days)s::float8 * interval '1 day' AS start_at,
    ceil(%(days)s::float8 * 1440)::int AS minutes,
    %(orders_total)s::bigint AS orders_total,
    %(key)s::text AS key,
    %(amplitude)s::float8 AS amplitude,
    %(peak_hour)s::float8 AS peak_hour,
    %(p_abandon)s::float8 AS p_abandon,
    %(p_expire)s::float8 AS p_expire,
    %(p_fail)s::float8 AS p_fail,
    %(p_retry)s::float8 AS p_retry,
    %(p_refund)s::float8 AS p_refund,
    %(p_dispute)s::float8 AS p_dispute,
    %(p_dispute_refund)s::float8 AS p_dispute_refund,
    %(p_dispute_release)s::float8 AS p_dispute_release,
    %(p_error)s::float8 AS p_error,
    lpad(to_hex(floor(%(p_error)s::float8 * 4294967296)::bigint), 8, '0') AS error_hex,
    %(p_event_retry)s::float8 AS p_event_retry,
    %(quiet_seconds)s::float8 * interval '1 second' AS quiet,
    %(latency_median)s::float8 AS latency_median,
    %(latency_sigma)s::float8 AS latency_sigma,
    %(latency_cap)s::float8 AS latency_cap,
    %(p_notify_fail)s::float8 AS p_notify_fail,
    %(p_notify_fail_recent)s::float8 AS p_notify_fail_recent
