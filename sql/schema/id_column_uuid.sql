-- description: The id column of the guide's tables with uuid ids ({id_column} in monitored.sql and notifications.sql)
uuid DEFAULT gen_random_uuid()
