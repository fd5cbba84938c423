-- description: The demo world's parameters, one row that every later generator statement reads
-- params: now, days, orders_total, key, mix
-- source: console/sim/world.py (utility statements such as CREATE TABLE AS cannot take bind parameters)
-- `mix` is the Mix dataclass as one JSON object; its fields become columns of the same name.
CREATE TEMP TABLE world_params ON COMMIT DROP AS
SELECT
    %(now)s::timestamptz AS now,
    %(now)s::timestamptz - %(days)s::float8 * interval '1 day' AS start_at,
    ceil(%(days)s::float8 * 1440)::int AS minutes,
    %(orders_total)s::bigint AS orders_total,
    %(key)s::text AS key,
    -- u < p_error is compared as fixed-width hex text (cheaper than converting every hash)
    lpad(to_hex(floor(mix.p_error * 4294967296)::bigint), 8, '0') AS error_hex,
    mix.*
FROM jsonb_to_record(%(mix)s::jsonb) AS mix (
    p_abandon float8, p_expire float8, p_fail float8, p_retry float8, p_refund float8,
    p_dispute float8, p_dispute_refund float8, p_dispute_release float8, p_error float8,
    p_event_retry float8, quiet_seconds float8, latency_median float8, latency_sigma float8,
    latency_cap float8, p_notify_fail float8, p_notify_fail_recent float8, amplitude float8,
    peak_hour float8
)
