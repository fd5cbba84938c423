-- description: Each order's random draws, its path through the guide's state machine, its timings, and its state at `now`
-- The draws come first, in one sequential pass after setseed() (`w`, fenced by OFFSET 0 so
-- it is planned on its own): that is what makes the world the same for the same seed
-- whatever plans the later levels get. Only what the inserts read is kept.
-- Paths: abandon (pending -> cancelled), expire (pending_payment -> cancelled), fail_retry
-- (payment_failed -> pending_payment -> paid), fail_cancel (payment_failed -> cancelled) and
-- success (-> paid); paid orders then go to ready_for_handover, refunded, or disputed (and
-- maybe on to refunded/released). Times are seconds after the order's creation: `*_at` is
-- when the webhook event arrives (or the change is made), `*_done` adds the processing
-- latency, when the order's state actually changes. Each step starts after the previous
-- one is done, so states never apply out of order, and pending/pending_payment never last
-- an hour (the stuck-order detector must stay quiet on a fresh world).
-- The state at `now` is the latest step done by then: the CASE checks steps latest-first
-- (each path is a chain, and steps of other paths are NULL). `OFFSET 0` keeps each level a
-- computed value; without it the planner inlines every level into the next and the
-- expressions grow with the length of the chain.
CREATE TEMP TABLE world_plan ON COMMIT DROP AS
WITH w AS (
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
    OFFSET 0
), o AS (
    SELECT
        w.ord_no,
        w.created_at,
        extract(epoch FROM p.now - w.created_at)::float8 AS now_s,
        w.d1, w.d2, w.d3, w.d4, w.d5, w.d6, w.d7,
        w.u_notify, w.u_channel, w.d_notify, w.d_sent,
        CASE
            WHEN w.u_path < p.p_abandon THEN 'abandon'
            WHEN w.u_path < p.p_abandon + p.p_expire THEN 'expire'
            WHEN w.u_path < p.p_abandon + p.p_expire + p.p_fail THEN
                CASE WHEN w.u_branch < p.p_retry THEN 'fail_retry' ELSE 'fail_cancel' END
            ELSE 'success'
        END AS path,
        CASE
            WHEN w.u_post < p.p_refund THEN 'refund'
            WHEN w.u_post < p.p_refund + p.p_dispute THEN 'dispute'
            ELSE 'handover'
        END AS post,
        CASE
            WHEN w.u_resolve < p.p_dispute_refund THEN 'refunded'
            WHEN w.u_resolve < p.p_dispute_refund + p.p_dispute_release THEN 'released'
        END AS resolution,
        -- amounts: log-normal around A$45, at least A$3
        greatest(300, round(4500 * exp(0.7 * w.z_amount)))::bigint AS amount_cents,
        md5(p.key || ':pi:' || w.ord_no) AS pi_hash,
        -- which of the five webhook slots (if any) needed a retry before it was processed;
        -- none in the last hour, so slow retries cannot pass for a p95 regression there
        CASE WHEN w.u_retry_slot < 5 * p.p_event_retry
                  AND w.created_at < p.now - interval '1 hour'
            THEN floor(w.u_retry_slot / p.p_event_retry)::int + 1 END AS retry_slot,
        2 + 6 * w.u_retry_delay AS retry_extra,
        -- processing latency: log-normal, a little slower under load, capped
        p.latency_median * (0.8 + 0.2 * w.load) AS lat_scale,
        p.latency_sigma,
        p.latency_cap,
        w.z_checkout, w.z_fail, w.z_paid, w.z_refund, w.z_dispute
    FROM w, world_params AS p
    OFFSET 0
), lat AS (
    SELECT
        o.*,
        least(o.latency_cap, o.lat_scale * exp(o.latency_sigma * o.z_checkout))
            + CASE WHEN o.retry_slot = 1 THEN o.retry_extra ELSE 0 END AS lat_checkout,
        least(o.latency_cap, o.lat_scale * exp(o.latency_sigma * o.z_fail))
            + CASE WHEN o.retry_slot = 2 THEN o.retry_extra ELSE 0 END AS lat_fail,
        least(o.latency_cap, o.lat_scale * exp(o.latency_sigma * o.z_paid))
            + CASE WHEN o.retry_slot = 3 THEN o.retry_extra ELSE 0 END AS lat_paid,
        least(o.latency_cap, o.lat_scale * exp(o.latency_sigma * o.z_refund))
            + CASE WHEN o.retry_slot = 4 THEN o.retry_extra ELSE 0 END AS lat_refund,
        least(o.latency_cap, o.lat_scale * exp(o.latency_sigma * o.z_dispute))
            + CASE WHEN o.retry_slot = 5 THEN o.retry_extra ELSE 0 END AS lat_dispute,
        CASE WHEN o.path <> 'abandon' THEN 30 + o.d1 * 570 END AS co_at
    FROM o
    OFFSET 0
), checkout AS (
    -- checkout and what follows it: failure, retry, cancellation, payment
    SELECT
        l.*,
        l.co_at + l.lat_checkout AS co_done,
        CASE WHEN l.path IN ('fail_retry', 'fail_cancel')
            THEN l.co_at + l.lat_checkout + 5 + l.d3 * 115 END AS fail_at,
        CASE WHEN l.path IN ('fail_retry', 'fail_cancel')
            THEN l.co_at + l.lat_checkout + 5 + l.d3 * 115 + l.lat_fail END AS fail_done
    FROM lat AS l
    OFFSET 0
), payment AS (
    SELECT
        c.*,
        CASE c.path
            WHEN 'abandon' THEN 1800 + c.d2 * 1500
            WHEN 'expire' THEN c.co_done + 1200 + c.d2 * 1800
            WHEN 'fail_cancel' THEN c.fail_done + 3600 + c.d2 * 18000
        END AS cancel_at,
        CASE WHEN c.path = 'fail_retry' THEN c.fail_done + 120 + c.d4 * 1080 END AS retry_at,
        CASE c.path
            WHEN 'success' THEN c.co_done + 2 + c.d5 * 88
            WHEN 'fail_retry' THEN c.fail_done + 120 + c.d4 * 1080 + 10 + c.d5 * 110
        END AS paid_at
    FROM checkout AS c
    OFFSET 0
), after_payment AS (
    SELECT
        y.*,
        y.paid_at + y.lat_paid AS paid_done,
        CASE WHEN y.post = 'handover'
            THEN y.paid_at + y.lat_paid + 300 + y.d6 * 28500 END AS handover_at,
        CASE WHEN y.post = 'refund'
            THEN y.paid_at + y.lat_paid + 3600 + y.d6 * 169200 END AS refund_at,
        CASE WHEN y.post = 'refund'
            THEN y.paid_at + y.lat_paid + 3600 + y.d6 * 169200 + y.lat_refund END AS refund_done,
        CASE WHEN y.post = 'dispute'
            THEN y.paid_at + y.lat_paid + 86400 + y.d6 * 345600 END AS dispute_at,
        CASE WHEN y.post = 'dispute'
            THEN y.paid_at + y.lat_paid + 86400 + y.d6 * 345600 + y.lat_dispute END
            AS dispute_done
    FROM payment AS y
    OFFSET 0
), resolution AS (
    SELECT
        a.*,
        CASE WHEN a.resolution IS NOT NULL
            THEN a.dispute_done + 86400 + a.d7 * 172800 END AS resolve_at,
        CASE WHEN a.resolution IS NOT NULL
            THEN a.dispute_done + 86400 + a.d7 * 172800
                + CASE WHEN a.resolution = 'refunded' THEN a.lat_refund ELSE 0 END
        END AS resolve_done
    FROM after_payment AS a
    OFFSET 0
), state AS (
    SELECT
        r.*,
        CASE
            WHEN r.resolve_done <= r.now_s THEN r.resolution
            WHEN r.dispute_done <= r.now_s THEN 'disputed'
            WHEN r.refund_done <= r.now_s THEN 'refunded'
            WHEN r.handover_at <= r.now_s THEN 'ready_for_handover'
            WHEN r.paid_done <= r.now_s THEN 'paid'
            WHEN r.retry_at <= r.now_s THEN 'pending_payment'
            WHEN r.cancel_at <= r.now_s THEN 'cancelled'
            WHEN r.fail_done <= r.now_s THEN 'payment_failed'
            WHEN r.co_done <= r.now_s THEN 'pending_payment'
            ELSE 'pending'
        END AS state,
        CASE
            WHEN r.resolve_done <= r.now_s THEN r.resolve_done
            WHEN r.dispute_done <= r.now_s THEN r.dispute_done
            WHEN r.refund_done <= r.now_s THEN r.refund_done
            WHEN r.handover_at <= r.now_s THEN r.handover_at
            WHEN r.paid_done <= r.now_s THEN r.paid_done
            WHEN r.retry_at <= r.now_s THEN r.retry_at
            WHEN r.cancel_at <= r.now_s THEN r.cancel_at
            WHEN r.fail_done <= r.now_s THEN r.fail_done
            WHEN r.co_done <= r.now_s THEN r.co_done
            ELSE 0
        END AS updated_s
    FROM resolution AS r
    OFFSET 0
)
SELECT
    s.ord_no, s.created_at, s.now_s, s.resolution, s.amount_cents,
    s.retry_slot, s.u_notify, s.u_channel, s.d_notify, s.d_sent, s.d7,
    -- the natural key the rows are joined back to their orders on, once checkout started
    CASE WHEN s.co_at <= s.now_s
        THEN 'pi_3' || upper(substr(s.pi_hash, 1, 9)) || substr(s.pi_hash, 10, 14)
    END AS payment_intent,
    s.co_at, s.co_done, s.fail_at, s.fail_done, s.paid_at, s.paid_done, s.refund_at,
    s.refund_done, s.dispute_at, s.dispute_done, s.resolve_at, s.resolve_done,
    s.state,
    s.created_at + s.updated_s * interval '1 second' AS updated_at,
    CASE WHEN s.paid_done <= s.now_s
        THEN s.created_at + s.paid_done * interval '1 second' END AS paid_at_ts
FROM state AS s
