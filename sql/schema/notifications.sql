-- description: The optional notifications table (P2 "notification delivery issues")
CREATE TABLE IF NOT EXISTS notifications (
    id {id_column} PRIMARY KEY,
    order_id {ref_type} REFERENCES orders (id) ON DELETE CASCADE,
    channel text NOT NULL DEFAULT 'email',
    status text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
