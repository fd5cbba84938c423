-- description: The values the server applies for some settings, by name (NULL when unknown), to compare with what the DSN asked for
-- source: doctor (startup_options)
-- params: names
SELECT name, current_setting(name, true) AS value
FROM unnest(%(names)s::text[]) AS name
