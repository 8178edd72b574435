-- telltale fleet view, part 1: where rsyslog puts what the laptops send.
--
-- rsyslog (contrib/rsyslog/telltale-pgsql.conf) inserts one row per message
-- into telltale.message, with the RFC 5424 structured data already turned
-- into JSON by mmpstrucdata. A trigger parses that row into telltale.event:
-- one row per finding event (new, ongoing, cleared) or other telltale
-- message, with the finding's fields and its first observation (evidence)
-- as jsonb. The raw row stays, so nothing a laptop sent is ever lost to a
-- parser that did not understand it: such rows carry parse_error.
--
-- Everything in a message is what a laptop claims: hostname and all. A
-- laptop's owner with root can send anything. Treat the values as data,
-- never as trusted.
--
-- Load with: psql -v ON_ERROR_STOP=1 -d telltale -f schema.sql -f views.sql
-- (and roles.sql once per cluster). Reloading is safe: everything is
-- CREATE ... IF NOT EXISTS or CREATE OR REPLACE.

BEGIN;

CREATE SCHEMA IF NOT EXISTS telltale;

CREATE TABLE IF NOT EXISTS telltale.message (
        id          bigserial PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now(),
        reported_at text,        -- the laptop's TIMESTAMP, as rsyslog wrote it
        from_ip     text,        -- the peer rsyslog saw (a relay's, behind one)
        hostname    text NOT NULL,
        app_name    text,
        procid      text,
        msgid       text,        -- telltale puts the event there: new, ongoing, cleared
        sd          text,        -- structured data as JSON (rsyslog's $!rfc5424-sd)
        msg         text,
        parse_error text
);

CREATE TABLE IF NOT EXISTS telltale.event (
        message_id  bigint PRIMARY KEY REFERENCES telltale.message (id) ON DELETE CASCADE,
        received_at timestamptz NOT NULL,
        reported_at timestamptz,
        host        text NOT NULL,
        event       text NOT NULL,
        finding_id  text,
        rule        text,
        category    text,
        severity    text,
        confidence  integer,
        technique   text,
        product     text,
        subject     text,
        summary     text,
        evidence    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS event_category_time ON telltale.event (category, received_at);
CREATE INDEX IF NOT EXISTS event_host_time ON telltale.event (host, received_at);
CREATE INDEX IF NOT EXISTS event_context ON telltale.event ((evidence ->> 'kind'), received_at);

-- info < low < medium < high < critical; NULL for anything else.
CREATE OR REPLACE FUNCTION telltale.severity_rank(severity text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT array_position(ARRAY['info', 'low', 'medium', 'high', 'critical'], severity) - 1
$$;

CREATE OR REPLACE FUNCTION telltale.severity_name(rank integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT (ARRAY['info', 'low', 'medium', 'high', 'critical'])[rank + 1]
$$;

-- A string of the structured data as a value, or NULL: mmpstrucdata gives
-- strings, but nothing stops a sender from shaping the JSON otherwise.
CREATE OR REPLACE FUNCTION telltale.sd_text(element jsonb, name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN jsonb_typeof(element -> name) = 'string' THEN element ->> name END
$$;

-- Parses a message into telltale.event. SECURITY DEFINER: the role rsyslog
-- logs in as may only insert messages (roles.sql), not write events.
CREATE OR REPLACE FUNCTION telltale.message_ingest() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
        sd jsonb;
        element record;
        main jsonb;
        evidence jsonb := '{}';
        reported timestamptz;
        confidence integer;
        problem text;
BEGIN
        IF coalesce(NEW.sd, '') = '' THEN
                problem := 'no structured data';
        ELSE
                BEGIN
                        sd := NEW.sd::jsonb;
                EXCEPTION WHEN others THEN
                        problem := 'structured data is not JSON';
                END;
        END IF;
        IF problem IS NULL AND jsonb_typeof(sd) IS DISTINCT FROM 'object' THEN
                problem := 'structured data is not a JSON object';
        END IF;
        IF problem IS NULL THEN
                -- The SD-IDs are "telltale@PEN" and "evidence@PEN", whatever
                -- enterprise number the daemons were configured with.
                FOR element IN SELECT key, value FROM jsonb_each(sd) LOOP
                        IF jsonb_typeof(element.value) <> 'object' THEN
                                CONTINUE;
                        ELSIF element.key LIKE 'telltale@%' THEN
                                main := element.value;
                        ELSIF element.key LIKE 'evidence@%' THEN
                                evidence := element.value;
                        END IF;
                END LOOP;
                IF main IS NULL THEN
                        problem := 'no telltale@ element';
                END IF;
        END IF;
        IF problem IS NOT NULL THEN
                UPDATE telltale.message SET parse_error = problem WHERE id = NEW.id;
                RETURN NULL;
        END IF;

        BEGIN
                reported := NEW.reported_at::timestamptz;
        EXCEPTION WHEN others THEN
                reported := NULL;
        END;
        IF telltale.sd_text(main, 'confidence') ~ '^[0-9]{1,3}$' THEN
                confidence := telltale.sd_text(main, 'confidence')::integer;
        END IF;
        INSERT INTO telltale.event (message_id, received_at, reported_at, host, event, finding_id, rule, category,
                                    severity, confidence, technique, product, subject, summary, evidence)
        VALUES (NEW.id, NEW.received_at, reported, NEW.hostname,
                coalesce(telltale.sd_text(main, 'event'), NEW.msgid, ''),
                telltale.sd_text(main, 'id'), telltale.sd_text(main, 'rule'), telltale.sd_text(main, 'category'),
                telltale.sd_text(main, 'severity'), confidence, nullif(telltale.sd_text(main, 'technique'), ''),
                nullif(telltale.sd_text(main, 'product'), ''), nullif(telltale.sd_text(main, 'subject'), ''),
                NEW.msg, evidence);
        RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER message_ingest AFTER INSERT ON telltale.message
        FOR EACH ROW EXECUTE FUNCTION telltale.message_ingest();

COMMIT;
