-- telltale fleet view, part 3: who may do what. Run as a superuser after
-- schema.sql and views.sql (and again after reloading them). The roles are
-- groups without login; give people and services a login role in them:
--
--   CREATE ROLE rsyslog LOGIN PASSWORD '...' IN ROLE telltale_ingest;
--   CREATE ROLE analyst LOGIN PASSWORD '...' IN ROLE telltale_reader;
--
-- rsyslog can only add messages: it cannot read what other laptops sent,
-- rewrite events or change the farm settings. The parsing trigger runs as
-- the schema's owner.

BEGIN;

DO $$
BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'telltale_ingest') THEN
                CREATE ROLE telltale_ingest NOLOGIN;
        END IF;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'telltale_reader') THEN
                CREATE ROLE telltale_reader NOLOGIN;
        END IF;
END
$$;

REVOKE ALL ON SCHEMA telltale FROM PUBLIC;
GRANT USAGE ON SCHEMA telltale TO telltale_ingest, telltale_reader;
GRANT INSERT (reported_at, from_ip, hostname, app_name, procid, msgid, sd, msg) ON telltale.message TO telltale_ingest;
GRANT USAGE ON SEQUENCE telltale.message_id_seq TO telltale_ingest;
GRANT SELECT ON ALL TABLES IN SCHEMA telltale TO telltale_reader;

COMMIT;
