-- description: Open one batch's transaction on the autocommit write connection; the executor sends COMMIT itself, apart, so a connection lost while committing (outcome unknown, re-queried) is told from one lost before it (rolled back)
BEGIN
