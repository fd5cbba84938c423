-- description: The server settings of the guide's Appendix B, as this role is allowed to see them
-- source: guide, Appendix B: Database Configuration (absent rows are hidden from this role)
-- params: names
SELECT name, setting, unit, current_setting(name) AS shown
FROM pg_settings
WHERE name = ANY(%(names)s::text[])
