-- description: Doctor's fix for naive timestamps written in UTC by an application while the server runs in another zone; a template for psycopg.sql, never run by the console
-- source: doctor (timestamps)
ALTER DATABASE {database} SET timezone = {zone}
