-- The guide's tables as they are often found in the wild: orders.state a Postgres ENUM,
-- text ids (Stripe-style prefixes), `timestamp without time zone` columns, and row-level
-- security switched on (with a policy that lets every row through, so only the warning,
-- not the counts, differs).
CREATE TYPE order_state AS ENUM (
    'pending', 'pending_payment', 'paid', 'payment_failed', 'cancelled', 'refunded',
    'disputed', 'ready_for_handover', 'released'
);

CREATE TABLE orders (
    id text PRIMARY KEY DEFAULT ('ord_' || replace(gen_random_uuid()::text, '-', '')),
    state order_state NOT NULL DEFAULT 'pending',
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now(),
    paid_at timestamp,
    stripe_payment_intent_id text,
    total_amount_cents bigint NOT NULL DEFAULT 0,
    currency text NOT NULL DEFAULT 'usd',
    customer_email text
);

CREATE TABLE webhook_events (
    id text PRIMARY KEY DEFAULT ('whe_' || replace(gen_random_uuid()::text, '-', '')),
    event_id text NOT NULL,
    event_type text NOT NULL,
    order_id text REFERENCES orders (id) ON DELETE SET NULL,
    created_at timestamp NOT NULL DEFAULT now(),
    processed_at timestamp,
    error_message text,
    retry_count integer NOT NULL DEFAULT 0,
    payload jsonb
);

CREATE TABLE payments (
    id text PRIMARY KEY DEFAULT ('pay_' || replace(gen_random_uuid()::text, '-', '')),
    order_id text REFERENCES orders (id) ON DELETE CASCADE,
    amount_cents bigint NOT NULL,
    currency text NOT NULL DEFAULT 'usd',
    payment_method text NOT NULL DEFAULT 'stripe',
    status text NOT NULL,
    stripe_payment_intent_id text,
    processed_at timestamp,
    created_at timestamp NOT NULL DEFAULT now()
);

CREATE TABLE notifications (
    id text PRIMARY KEY DEFAULT ('ntf_' || replace(gen_random_uuid()::text, '-', '')),
    order_id text REFERENCES orders (id) ON DELETE CASCADE,
    channel text NOT NULL DEFAULT 'email',
    status text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamp NOT NULL DEFAULT now(),
    sent_at timestamp
);

CREATE INDEX webhook_events_created_at_idx ON webhook_events (created_at);
CREATE INDEX webhook_events_event_id_idx ON webhook_events (event_id);
CREATE INDEX webhook_events_processed_at_idx ON webhook_events (processed_at);
CREATE INDEX webhook_events_unprocessed_idx ON webhook_events (created_at)
    WHERE processed_at IS NULL;
CREATE INDEX webhook_events_order_id_idx ON webhook_events (order_id);
CREATE INDEX orders_state_updated_at_idx ON orders (state, updated_at);
CREATE INDEX orders_updated_at_idx ON orders (updated_at);
CREATE INDEX payments_order_id_idx ON payments (order_id);
CREATE INDEX notifications_created_at_idx ON notifications (created_at);

ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY every_row ON orders USING (true) WITH CHECK (true);
CREATE POLICY every_row ON webhook_events USING (true) WITH CHECK (true);
CREATE POLICY every_row ON payments USING (true) WITH CHECK (true);
CREATE POLICY every_row ON notifications USING (true) WITH CHECK (true);
