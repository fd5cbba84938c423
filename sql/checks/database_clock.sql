-- description: The database server's clock (clock_timestamp, not the transaction's now()) as epoch seconds, for the clock-skew check
SELECT extract(epoch FROM clock_timestamp()) AS t
