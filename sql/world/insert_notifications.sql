-- description: A payment-confirmation notification per paid order: mostly sent, a few failed
-- Failures are rarer in the last hour than the base rate, so the notification detector
-- (over 10 percent failed in the last hour) stays quiet on a fresh world.
INSERT INTO notifications (order_id, channel, status, attempts, last_error, created_at, sent_at)
SELECT
    m.order_id,
    n.channel,
    CASE WHEN n.failed THEN 'failed' WHEN n.sent_s > w.now_s THEN 'pending' ELSE 'sent' END,
    CASE
        WHEN n.failed THEN 3
        WHEN n.sent_s > w.now_s THEN 1
        ELSE 1 + (w.d_sent > 0.97)::int
    END,
    CASE WHEN n.failed THEN
        CASE n.channel
            WHEN 'email' THEN 'SMTP 421: service not available, closing transmission channel'
            ELSE 'SMS gateway timeout after 10s'
        END
    END,
    w.created_at + n.created_s * interval '1 second',
    CASE WHEN NOT n.failed AND n.sent_s <= w.now_s
        THEN w.created_at + n.sent_s * interval '1 second' END
FROM world_plan AS w
JOIN world_map AS m ON m.payment_intent = w.payment_intent
CROSS JOIN world_params AS p
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN w.u_channel < 0.85 THEN 'email' ELSE 'sms' END AS channel,
        w.paid_done + 0.5 + 2.5 * w.d_notify AS created_s,
        w.paid_done + 0.7 + 6 * w.d_notify + 2 * w.d_sent AS sent_s,
        w.u_notify < CASE WHEN w.paid_done + 3 > w.now_s - 3600
            THEN p.p_notify_fail_recent ELSE p.p_notify_fail END AS failed
) AS n
WHERE w.paid_at_ts IS NOT NULL
  AND n.created_s <= w.now_s
ORDER BY 6
