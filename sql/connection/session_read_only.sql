-- description: The session default for read-only, for a connection the console did not open (its own carry the decision client-side)
-- source: core (console.core.db.writable)
SELECT current_setting('default_transaction_read_only') AS default_read_only
