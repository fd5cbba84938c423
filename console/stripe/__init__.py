"""The Stripe side of an incident: what Stripe holds that the database does not.

The console otherwise sees only `webhook_events`; an event Stripe sent while the endpoint
was down, refused for its signature or cut off by a rate limit may never have been
written there. This package asks Stripe's Events API (through stripe-python, imported
lazily: it is slow to import), sorts the window's events against the database, and
redelivers the missing ones, signed like Stripe signs them, as a previewed, confirmed
and audited action.

- `keys`: which API keys may be used, and the `--live` guard;
- `errors`: Stripe's answers (401, 403, 429, 5xx, early pages) as one-line problems;
- `client`: listing and fetching events, with retries and backoff;
- `window`: `--since 2h` / `--from T --to T`, inside Stripe's 30 days;
- `reconcile`: missing / failed / unprocessed / processed, by type, with samples;
- `delivery` and `redeliver`: the redelivery action (preview, token, apply);
- `report`: the same results as lines for a terminal.
"""
