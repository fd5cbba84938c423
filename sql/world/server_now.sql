-- description: The server's clock: the generated history ends here unless the caller gives `now`
SELECT now() AS now
