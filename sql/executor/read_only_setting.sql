-- description: Whether this session defaults to read-only transactions ('on' unless the console was started with --allow-write); the executor refuses to write otherwise
SELECT current_setting('default_transaction_read_only') AS ro
