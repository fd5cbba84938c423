-- description: The session's statement_timeout now, to restore it after the index build raised it
SELECT current_setting('statement_timeout') AS t
