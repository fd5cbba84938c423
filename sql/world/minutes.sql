-- description: One row per minute of history with its diurnal load and how many orders start in it
-- A smooth daily curve (peak at peak_hour UTC) rather than Poisson noise: every recent minute
-- has traffic, so live panels show data at once. Rounding is stochastic to keep the total;
-- the last hour gets at least one new order a minute whatever the volume or hour.
CREATE TEMP TABLE world_minutes ON COMMIT DROP AS
WITH m AS (
    SELECT
        g AS minute_no,
        p.start_at + g * interval '1 minute' AS minute_start,
        1 + p.amplitude * cos(
            2 * pi() * (extract(epoch FROM p.start_at + g * interval '1 minute')::float8 / 3600
                - p.peak_hour) / 24
        ) AS load
    FROM world_params AS p, generate_series(0, p.minutes - 1) AS g
)
SELECT
    m.minute_no,
    m.minute_start,
    m.load,
    greatest(
        floor(p.orders_total * m.load / sum(m.load) OVER () + random())::int,
        (m.minute_start >= p.now - interval '1 hour')::int
    ) AS orders
FROM m, world_params AS p
