-- telltale fleet view, part 2: suspected laptop farms.
--
-- Every laptop reports the network it is on as keyed hashes (the netctx
-- probe; finding context.network, category "context", severity info): its
-- gateway's MAC, the Wi-Fi access point (BSSID) and name (SSID), the DNS
-- domain and servers. The same hash on two laptops means the same network;
-- nobody can tell which network without the fleet key, which stays on the
-- laptops.
--
-- A family with two company laptops behind one router is normal. Five
-- "employees" hired in five states behind one router is a laptop farm. So:
--
--   telltale.suspected_farm   one row per shared network: context kind and
--                             hash, how many distinct hosts, which, first and
--                             last seen. Default: at least 3 hosts in 14 days,
--                             by gateway MAC or BSSID (telltale.farm_setting).
--   telltale.farm_host        one row per host of a suspected farm with its
--                             other findings (KVM, remote access, VPN), ranked:
--                             hosts with an IP-KVM or remote-access software
--                             first, then by their worst finding.
--   telltale.farm_host_finding  each of those findings, for the analyst.
--
-- Tune in telltale.farm_setting (one row) and list networks that many
-- laptops share on purpose (offices, a coworking space the company pays for)
-- in telltale.known_network. telltale.suspected_farms(min_hosts, since, kinds)
-- answers one-off questions without changing the settings.

BEGIN;

CREATE TABLE IF NOT EXISTS telltale.farm_setting (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        -- 2 would flag every couple who both work from home for the company.
        min_hosts integer NOT NULL DEFAULT 3 CHECK (min_hosts >= 2),
        lookback  interval NOT NULL DEFAULT '14 days' CHECK (lookback > '0'),
        -- ssid, dhcp_domain and dns are shared by strangers (every "FRITZ!Box
        -- 7590" at its factory name, every customer of one ISP, everyone on
        -- the corporate VPN's DNS): they corroborate, they do not group.
        kinds     text[] NOT NULL DEFAULT ARRAY['gateway_mac', 'bssid']
                  CHECK (kinds <@ ARRAY['gateway_mac', 'bssid', 'ssid', 'dhcp_domain', 'dns'])
);
INSERT INTO telltale.farm_setting DEFAULT VALUES ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS telltale.known_network (
        context_kind text NOT NULL CHECK (context_kind IN ('gateway_mac', 'bssid', 'ssid', 'dhcp_domain', 'dns')),
        context_hash text NOT NULL,
        label        text NOT NULL,
        reason       text NOT NULL,
        PRIMARY KEY (context_kind, context_hash)
);

-- Every time a host reported being on a network: context findings, and any
-- other message whose evidence is a context observation (a heartbeat that
-- carries it). A "cleared" event says the host left.
CREATE OR REPLACE VIEW telltale.context_sighting AS
SELECT e.host, e.received_at AS seen_at, c.kind AS context_kind, c.hash AS context_hash
FROM telltale.event e
CROSS JOIN LATERAL (VALUES
        ('gateway_mac', telltale.sd_text(e.evidence, 'gateway_mac_hash')),
        ('bssid', telltale.sd_text(e.evidence, 'bssid_hash')),
        ('ssid', telltale.sd_text(e.evidence, 'ssid_hash')),
        ('dhcp_domain', telltale.sd_text(e.evidence, 'dhcp_domain_hash')),
        ('dns', telltale.sd_text(e.evidence, 'dns_hash'))) AS c (kind, hash)
WHERE e.evidence ->> 'kind' = 'context'
  AND e.event <> 'cleared'
  AND c.hash ~ '^[0-9a-f]{16,64}$';

CREATE OR REPLACE FUNCTION telltale.context_kind_order(kind text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT array_position(ARRAY['gateway_mac', 'bssid', 'ssid', 'dhcp_domain', 'dns'], kind)
$$;

-- NULL arguments take the values of telltale.farm_setting. The arguments are
-- written qualified: a bare min_hosts would be farm_setting's column.
CREATE OR REPLACE FUNCTION telltale.suspected_farms(min_hosts integer DEFAULT NULL, since timestamptz DEFAULT NULL,
                                                    kinds text[] DEFAULT NULL)
RETURNS TABLE (context_kind text, context_hash text, host_count integer, hosts text[], first_seen timestamptz,
               last_seen timestamptz)
LANGUAGE sql STABLE AS $$
        SELECT c.context_kind, c.context_hash, count(DISTINCT c.host)::integer,
               array_agg(DISTINCT c.host ORDER BY c.host), min(c.seen_at), max(c.seen_at)
        FROM telltale.context_sighting c
        CROSS JOIN telltale.farm_setting s
        WHERE c.seen_at >= coalesce(suspected_farms.since, now() - s.lookback)
          AND c.context_kind = ANY (coalesce(suspected_farms.kinds, s.kinds))
          AND NOT EXISTS (SELECT 1 FROM telltale.known_network k
                          WHERE k.context_kind = c.context_kind AND k.context_hash = c.context_hash)
        GROUP BY c.context_kind, c.context_hash, s.min_hosts
        HAVING count(DISTINCT c.host) >= coalesce(suspected_farms.min_hosts, s.min_hosts)
        ORDER BY 3 DESC, telltale.context_kind_order(c.context_kind), 5
$$;

CREATE OR REPLACE VIEW telltale.suspected_farm AS
SELECT * FROM telltale.suspected_farms();

-- Findings other than the context itself, in the same window.
CREATE OR REPLACE VIEW telltale.farm_host_finding AS
SELECT e.host, e.rule, e.category, e.severity, e.product, e.technique, min(e.received_at) AS first_seen,
       max(e.received_at) AS last_seen, (array_agg(e.summary ORDER BY e.received_at DESC))[1] AS summary
FROM telltale.event e
CROSS JOIN telltale.farm_setting s
WHERE e.host IN (SELECT unnest(hosts) FROM telltale.suspected_farm)
  AND e.rule IS NOT NULL
  AND e.rule <> 'telltale.heartbeat'
  AND e.category IS DISTINCT FROM 'context'
  AND e.event IN ('new', 'ongoing')
  AND e.received_at >= now() - s.lookback
GROUP BY e.host, e.rule, e.category, e.severity, e.product, e.technique;

CREATE OR REPLACE VIEW telltale.farm_host AS
WITH member AS (
        -- A host in several suspected farms (its gateway and its access point)
        -- is listed once, with the biggest.
        SELECT DISTINCT ON (h.host) h.host, f.context_kind, f.context_hash, f.host_count
        FROM telltale.suspected_farm f
        CROSS JOIN LATERAL unnest(f.hosts) AS h (host)
        ORDER BY h.host, f.host_count DESC, telltale.context_kind_order(f.context_kind)
), finding AS (
        SELECT host,
               bool_or(category = 'kvm') AS kvm,
               bool_or(category IN ('remote-access', 'remote-session')) AS remote_access,
               bool_or(category = 'foreign-route') AS foreign_route,
               max(telltale.severity_rank(severity)) AS worst,
               array_agg(DISTINCT rule ORDER BY rule) AS rules
        FROM telltale.farm_host_finding
        GROUP BY host
)
SELECT row_number() OVER (ORDER BY coalesce(f.kvm OR f.remote_access, false) DESC, coalesce(f.kvm, false) DESC,
                                   f.worst DESC NULLS LAST, cardinality(f.rules) DESC NULLS LAST, m.host) AS rank,
       m.host, m.context_kind, m.context_hash, m.host_count,
       coalesce(f.kvm, false) AS kvm, coalesce(f.remote_access, false) AS remote_access,
       coalesce(f.foreign_route, false) AS foreign_route, telltale.severity_name(f.worst) AS worst_severity,
       coalesce(f.rules, '{}') AS findings
FROM member m
LEFT JOIN finding f USING (host)
ORDER BY rank;

COMMIT;
