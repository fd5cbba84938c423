-- description: Doctor's fix for an orders.state ENUM that lacks a state the guide uses; a template for psycopg.sql, never run by the console
-- source: doctor (order_state)
ALTER TYPE {type} ADD VALUE IF NOT EXISTS {label}
