-- description: Lock the tables the world fills until commit, so the check that they are empty still holds when they are emptied ({tables}: identifiers via psycopg.sql)
LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE
