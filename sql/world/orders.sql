-- description: One row per order with every random draw its life needs, drawn once in a fixed order
-- Drawing everything here, in one sequential pass after setseed(), is what makes the world
-- the same for the same seed whatever plans later statements get.
CREATE TEMP TABLE world_orders ON COMMIT DROP AS
SELECT
    m.minute_no::bigint * 1000000 + k AS ord_no,
    least(m.minute_start + random() * interval '1 minute', p.now) AS created_at,
    m.load,
    random() AS u_path,
    random() AS u_branch,
    random() AS u_post,
    random() AS u_resolve,
    random() AS d1,
    random() AS d2,
    random() AS d3,
    random() AS d4,
    random() AS d5,
    random() AS d6,
    random() AS d7,
    random_normal() AS z_checkout,
    random_normal() AS z_fail,
    random_normal() AS z_paid,
    random_normal() AS z_refund,
    random_normal() AS z_dispute,
    random() AS u_retry_slot,
    random() AS u_retry_delay,
    random_normal() AS z_amount,
    random() AS u_notify,
    random() AS u_channel,
    random() AS d_notify,
    random() AS d_sent
FROM world_minutes AS m
CROSS JOIN LATERAL generate_series(1, m.orders) AS k
CROSS JOIN world_params AS p
