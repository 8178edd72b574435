#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The SOC half of the fleet view on its own: the reference rsyslog ruleset
writing to PostgreSQL, the schema's parser and the farm views, fed with
messages in telltale's RFC 5424 form (core/format-syslog.c) over TCP, hostile
ones included; then the Sigma correlation evaluated over the same events must
name the same farms as the SQL view, and every SIEM flavour must use the same
thresholds. fleet_pipeline.py runs the real daemons through the same stack.

    fleet_collector.py [TELLTALE]      (the binary is not used)"""

import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

import yaml

from fleet_stack import SOURCE, Checks, Failure, Postgres, Rsyslog, wait_for

check = Checks()
SD_ID = "telltale@32473"


def h():
    return secrets.token_hex(16)


def sd_escape(v):
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def message(host, rule, category, severity, event="new", evidence=None, summary="", sd_id=SD_ID, app="telltale",
            extra_main=None):
    """A finding as telltale's rfc5424 output writes it."""
    sev = {"info": 6, "low": 5, "medium": 4, "high": 3, "critical": 2}[severity]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    main = {"id": secrets.token_hex(16), "event": event, "rule": rule, "category": category, "severity": severity,
            "confidence": "90", "technique": "T1219", "product": rule.split(".")[-1], "subject": "s",
            "first_seen": now}
    main.update(extra_main or {})
    sd = "[%s%s]" % (sd_id, "".join(' %s="%s"' % (k, sd_escape(v)) for k, v in main.items()))
    if evidence:
        sd += "[evidence@%s%s]" % (sd_id.split("@")[1], "".join(' %s="%s"' % (k, sd_escape(v))
                                                                 for k, v in evidence.items()))
    return "<%d>1 %s %s %s 4242 %s %s %s" % (80 + sev, now, host, app, event, sd, summary)


def context(host, event="new", **hashes):
    ev = {"probe": "netctx", "kind": "context", "key": "netctx:" + h()}
    ev.update({k + "_hash": v for k, v in hashes.items() if v})
    return message(host, "context.network", "context", "info", event, ev, "Network context")


def send(port, messages):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        for m in messages:
            b = m.encode() if isinstance(m, str) else m
            s.sendall(b"%d %s" % (len(b), b))  # RFC 6587 octet counting, as telltale sends


# ---- the fleet, as the collector sees it ----

FARM = ["farm-a", "farm-b", "farm-c", "farm-d", "farm-e"]
FAMILY = ["fam-1", "fam-2"]
STRANGERS = ["home-%02d" % i for i in range(1, 21)]
HOSTILE_HOST = "x');DROP/**/TABLE/**/telltale.event;--"  # RFC 5424 HOSTNAME: printable, no spaces
farm_gw, farm_bssid, farm_ssid, family_gw = h(), h(), h(), h()
isp_dns, factory_ssid, common_domain = h(), h(), h()


def fleet_messages():
    out = []
    for i, host in enumerate(FARM):
        out.append(context(host, gateway_mac=farm_gw, bssid=farm_bssid, ssid=farm_ssid, dns=isp_dns,
                           dhcp_domain=common_domain))
    for host in FAMILY:
        out.append(context(host, gateway_mac=family_gw, bssid=h(), ssid=h(), dns=isp_dns))
    for i, host in enumerate(STRANGERS):
        wired = i % 4 == 3
        out.append(context(host, gateway_mac=h(), bssid=None if wired else h(),
                           ssid=None if wired else (factory_ssid if i % 3 == 0 else h()),
                           dns=isp_dns if i % 2 == 0 else h(), dhcp_domain=common_domain))
    # The same laptop reporting again (ongoing) is still one host.
    out.append(context(FARM[0], event="ongoing", gateway_mac=farm_gw, bssid=farm_bssid))
    # Left the farm's network before we knew it: only a "cleared" event. Not a sighting.
    out.append(context("ghost", event="cleared", gateway_mac=farm_gw, bssid=farm_bssid))
    # Three hosts whose "hashes" are not hashes: a broken or forged sender.
    for host in ("forger-1", "forger-2", "forger-3"):
        out.append(context(host, gateway_mac="not-a-hash", bssid="ZZ" * 16))
    out.append(context(HOSTILE_HOST, gateway_mac=h()))
    # The other findings of the farm's hosts.
    out.append(message("farm-b", "kvm.pikvm.usb", "kvm", "critical", evidence={"probe": "usb", "kind": "usb_device"},
                       summary="PiKVM USB gadget attached"))
    out.append(message("farm-d", "remote-access.anydesk", "remote-access", "high",
                       evidence={"probe": "package", "kind": "package", "name": "anydesk"}, summary="AnyDesk"))
    out.append(message("farm-e", "foreign-route.nordvpn", "foreign-route", "medium", summary="NordVPN"))
    out.append(message("farm-a", "tamper.stopping", "tamper", "medium", summary="telltale stopping"))
    out.append(message("farm-a", "telltale.heartbeat", "tamper", "info", event="ongoing", summary="running"))
    # A finding elsewhere is no farm.
    out.append(message("home-05", "remote-access.anydesk", "remote-access", "high", summary="AnyDesk"))
    # A cleared finding on a farm host does not count either.
    out.append(message("farm-c", "kvm.tinypilot.usb", "kvm", "critical", event="cleared", summary="gone"))
    return out


def hostile_messages():
    return [
        # Every character RFC 5424 escapes, in a finding's fields.
        message("esc-1", "remote-access.anydesk", "remote-access", "high",
                evidence={"probe": "package", "kind": "package", "name": 'a"b]c\\d\'e'},
                summary="quote ' and backslash \\ and ]", extra_main={"product": 'Any"Desk]\\'}),
        # Another enterprise number: a deployment's own sd_id.
        message("pen-1", "context.network", "context", "info", sd_id="telltale@99999",
                evidence={"probe": "netctx", "kind": "context", "gateway_mac_hash": h()}),
        # No structured data, no telltale element, not telltale at all.
        "<86>1 2026-11-23T06:04:14.000Z nosd-1 telltale 1 new - no structured data",
        '<86>1 2026-11-23T06:04:14.000Z noel-1 telltale 1 new [evidence@32473 kind="context"] evidence only',
        '<86>1 2026-11-23T06:04:14.000Z other-1 sshd 1 - [x@1 a="b"] not for this database',
        # RFC 3164 from a telltale that is not one: no structured data to parse.
        "<86>Nov 23 06:04:14 legacy-1 telltale[1]: new kvm.pikvm.usb",
        # Far over rsyslog's message size: cut, kept, and the stream goes on.
        message("huge-1", "remote-access.anydesk", "remote-access", "high", summary="x" * 100000),
        # Bytes that are not UTF-8 in a value.
        message("utf-1", "remote-access.anydesk", "remote-access", "high",
                evidence={"probe": "package", "kind": "package", "name": "caf\udce9"}).encode("utf-8",
                                                                                           "surrogateescape"),
        message("last-1", "remote-access.anydesk", "remote-access", "high", summary="after the hostile ones"),
    ]


# ---- Sigma, evaluated: the rule as written, over the events in the database ----

def sigma_matches(rule, ev):
    det = rule["detection"]

    def selection(name):
        sel = det[name]
        for field, want in sel.items():
            wants = want if isinstance(want, list) else [want]
            if str(ev.get(field)) not in [str(w) for w in wants]:
                return False
        return True

    cond = det["condition"]
    tokens = re.findall(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*", cond)
    expr = []
    for t in tokens:
        if t in ("and", "or", "not", "(", ")"):
            expr.append(t)
        elif t in det and t != "condition":
            expr.append(str(selection(t)))
        else:
            raise Failure("Sigma condition uses %r, which this evaluator does not know" % t)
    return eval(" ".join(expr), {"__builtins__": {}})  # only True/False/and/or/not/()


def sigma_correlations(docs, events):
    """{(group-by field, value): distinct hosts} for every correlation that fires."""
    by_name = {d["name"]: d for d in docs if "name" in d and "detection" in d}
    fired = {}
    for d in docs:
        c = d.get("correlation")
        if not c:
            continue
        assert c["type"] == "value_count", c
        span = timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[c["timespan"][-1]]:
                            int(c["timespan"][:-1])})
        cond = dict(c["condition"])
        field = cond.pop("field")
        ops = {"gte": lambda n, v: n >= v, "gt": lambda n, v: n > v, "lte": lambda n, v: n <= v,
               "lt": lambda n, v: n < v, "eq": lambda n, v: n == v}
        matched = [e for e in events if any(sigma_matches(by_name[r], e) for r in c["rules"])]
        groups = {}
        for e in matched:
            key = tuple(e.get(g) for g in c["group-by"])
            if None in key:
                continue
            groups.setdefault(key, []).append(e)
        for key, evs in groups.items():
            evs.sort(key=lambda e: e["time"])
            for i, first in enumerate(evs):  # every window starting at an event
                values = {e[field] for e in evs[i:] if e["time"] - first["time"] <= span and field in e}
                if all(ops[op](len(values), v) for op, v in cond.items()):
                    fired[(c["group-by"][0], key[0])] = values
                    break
    return fired


def threshold_consistency():
    sigma = list(yaml.safe_load_all(open(os.path.join(SOURCE, "contrib/siem/sigma/telltale_laptop_farm.yml"))))
    spl = open(os.path.join(SOURCE, "contrib/siem/splunk/telltale_laptop_farm.spl")).read()
    esql = open(os.path.join(SOURCE, "contrib/siem/elastic/telltale_laptop_farm.esql")).read()
    views = open(os.path.join(SOURCE, "contrib/postgres/views.sql")).read()
    corr = [d["correlation"] for d in sigma if "correlation" in d]
    found = {
        "sigma": ({c["condition"]["gte"] for c in corr},
                  {int(c["timespan"][:-1]) for c in corr if c["timespan"][-1] == "d"}),
        "spl": ({int(x) for x in re.findall(r"where host_count >= (\d+)", spl)},
                {int(x) for x in re.findall(r"earliest=-(\d+)d", spl)}),
        "esql": ({int(x) for x in re.findall(r"WHERE host_count >= (\d+)", esql)},
                 {int(x) for x in re.findall(r"NOW\(\) - (\d+) days", esql)}),
        "sql": ({int(x) for x in re.findall(r"min_hosts integer NOT NULL DEFAULT (\d+)", views)},
                {int(x) for x in re.findall(r"lookback\s+interval NOT NULL DEFAULT '(\d+) days'", views)}),
    }
    values = {k: (tuple(sorted(v[0])), tuple(sorted(v[1]))) for k, v in found.items()}
    check(all(len(a) == 1 and len(b) == 1 for a, b in values.values()) and len(set(values.values())) == 1,
          "Sigma, SPL, ES|QL and SQL use one threshold and one window: %s" % values)
    check(sorted(c["group-by"][0] for c in corr) == ["bssid_hash", "gateway_mac_hash"]
          and all(c["condition"]["field"] == "host" for c in corr),
          "Sigma correlations count distinct hosts per gateway MAC and per BSSID hash")
    check(all("gateway_mac_hash" in t and "bssid_hash" in t for t in (spl, esql))
          and re.search(r"kinds\s+text\[\] NOT NULL DEFAULT ARRAY\['gateway_mac', 'bssid'\]", views),
          "SPL, ES|QL and SQL group by the same two context kinds")
    names = {d.get("name") for d in sigma}
    check(all(r in names for c in corr for r in c["rules"]), "Sigma correlations name rules defined in the file")


def input_config_valid(base, env):
    """The production inputs (TLS and RELP over TLS) are valid rsyslog config: with certificates
    where the file expects them, rsyslogd -N1 accepts it together with the ruleset."""
    d = os.path.join(base, "tls")
    os.makedirs(d)
    run = lambda *a: subprocess.run(["openssl", *a], capture_output=True, text=True, timeout=60, cwd=d, check=True)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=test CA", "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=siem.example.net",
        "-keyout", "server.key", "-out", "server.csr")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-out", "server.pem")
    text = open(os.path.join(SOURCE, "contrib/rsyslog/telltale-input.conf")).read()
    conf = os.path.join(d, "rsyslog.conf")
    with open(os.path.join(d, "input.conf"), "w") as f:
        f.write(text.replace("/etc/rsyslog.d/telltale/", d + "/"))
    with open(conf, "w") as f:
        f.write('global(workDirectory="%s")\ninclude(file="%s")\ninclude(file="%s")\n' % (
            d, os.path.join(SOURCE, "contrib/rsyslog/telltale-pgsql.conf"), os.path.join(d, "input.conf")))
    p = subprocess.run(["rsyslogd", "-N1", "-f", conf], capture_output=True, text=True, env=env, timeout=60)
    check(p.returncode == 0 and text.count("/etc/rsyslog.d/telltale/") == 6,
          "the production TLS and RELP inputs are valid rsyslog config", p.stderr)


def main():
    threshold_consistency()
    with tempfile.TemporaryDirectory(prefix="tt-fleet-collector-") as base:
        pg = Postgres(base)
        rs = None
        try:
            pg.start()
            rs = Rsyslog(base, pg)
            input_config_valid(base, rs.env)
            port = rs.start()
            fleet = fleet_messages()
            hostile = hostile_messages()
            send(port, fleet + hostile)
            # sshd's and the RFC 3164 one are not for the database; the one that is not UTF-8 is refused by it.
            n_telltale = len(fleet) + len(hostile) - 3
            try:
                wait_for("all messages in the database",
                         lambda: pg.query("SELECT count(*) AS n FROM telltale.message")[0]["n"] >= n_telltale, 60)
            except Failure:
                print(rs.log())
                print([m["hostname"] for m in pg.query("SELECT hostname FROM telltale.message")])
                raise
            run_checks(pg, n_telltale)
            # Database down: rsyslog keeps the messages and delivers them when it is back.
            pg.stop()
            send(port, [message("late-1", "remote-access.anydesk", "remote-access", "high", summary="queued")])
            time.sleep(2)
            pg.run("pg_ctl", "-D", pg.data, "-l", pg.log, "-w", "-o",
                   "-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off" % pg.socket_dir, "start")
            pg.started = True
            got = False
            try:
                got = wait_for("the queued message", lambda: pg.query(
                    "SELECT 1 FROM telltale.event WHERE host = 'late-1'"), 60)
            except Failure:
                pass
            check(bool(got), "a message sent while the database was down arrives once it is back")
        finally:
            if rs:
                rs.stop()
            pg.stop()
    return check.finish()


def run_checks(pg, n_telltale):
    msgs = {m["hostname"]: m for m in pg.query("SELECT hostname, parse_error, msg FROM telltale.message")}
    check(len(pg.query("SELECT 1 FROM telltale.message")) == n_telltale, "every telltale message is stored, once")
    check("other-1" not in msgs and "legacy-1" not in msgs, "other programs' and RFC 3164 messages are not stored")
    check(msgs.get("nosd-1", {}).get("parse_error") == "no structured data", "no structured data: kept, marked",
          msgs.get("nosd-1"))
    check(msgs.get("noel-1", {}).get("parse_error") == "no telltale@ element", "no telltale@ element: kept, marked")
    check("huge-1" in msgs and "last-1" in msgs, "an oversized message is cut, and the stream goes on")
    check(HOSTILE_HOST in msgs and pg.query("SELECT count(*) AS n FROM telltale.event")[0]["n"] > 30,
          "a hostname made of SQL is stored as a name")
    esc = pg.query("SELECT product, summary, evidence FROM telltale.event WHERE host = 'esc-1'")
    check(esc and esc[0]["product"] == 'Any"Desk]\\' and esc[0]["evidence"].get("name") == 'a"b]c\\d\'e'
          and esc[0]["summary"] == "quote ' and backslash \\ and ]",
          "escaped quotes, brackets and backslashes come back as sent", esc)
    check(pg.query("SELECT 1 FROM telltale.context_sighting WHERE host = 'pen-1'"),
          "another enterprise number in the SD-ID is parsed the same")
    check("utf-1" not in msgs and "last-1" in msgs,
          "a message that is not UTF-8 is refused by the database alone: the ones after it arrive")

    farms = pg.query("SELECT * FROM telltale.suspected_farm")
    check([(f["context_kind"], f["context_hash"]) for f in farms] == [("gateway_mac", farm_gw), ("bssid", farm_bssid)],
          "suspected farms: the farm's gateway, then its access point, nothing else",
          [(f["context_kind"], f["host_count"], f["hosts"]) for f in farms])
    check(all(f["hosts"] == FARM and f["host_count"] == 5 for f in farms), "each names exactly the five farm hosts")
    check(all(f["first_seen"] and f["last_seen"] and f["first_seen"] <= f["last_seen"] for f in farms),
          "first and last seen")
    ranked = pg.query("SELECT * FROM telltale.farm_host ORDER BY rank")
    order = [r["host"] for r in ranked]
    check(order[:2] == ["farm-b", "farm-d"] and sorted(order) == FARM,
          "farm hosts ranked: the KVM, then the remote-access one, first", order)
    flags = {r["host"]: (r["kvm"], r["remote_access"], r["foreign_route"]) for r in ranked}
    check(flags == {"farm-a": (False, False, False), "farm-b": (True, False, False), "farm-c": (False, False, False),
                    "farm-d": (False, True, False), "farm-e": (False, False, True)},
          "KVM, remote-access and VPN flags per host (a cleared KVM does not count)", flags)
    fa = [r for r in ranked if r["host"] == "farm-a"]
    check(fa and fa[0]["findings"] == ["tamper.stopping"] and fa[0]["worst_severity"] == "medium",
          "other findings listed, heartbeats left out", fa)
    check(ranked and ranked[-1]["host"] == "farm-c", "a host without other findings comes last")

    # What the roles may do.
    p = pg.psql("SELECT count(*) FROM telltale.message", user="rsyslog", check=False)
    check(p.returncode != 0 and "permission denied" in p.stderr, "rsyslog's role cannot read what laptops sent")
    p = pg.psql("INSERT INTO telltale.event (message_id, received_at, host, event) VALUES (1, now(), 'x', 'new')",
                user="rsyslog", check=False)
    check(p.returncode != 0 and "permission denied" in p.stderr, "rsyslog's role cannot write events")
    check(len(pg.query("SELECT * FROM telltale.farm_host", user="analyst")) == 5, "the analyst's role reads the views")
    p = pg.psql("UPDATE telltale.farm_setting SET min_hosts = 50", user="analyst", check=False)
    check(p.returncode != 0, "the analyst's role cannot change the settings")

    # Tuning.
    pg.psql("UPDATE telltale.farm_setting SET min_hosts = 2")
    check(any(f["hosts"] == FAMILY for f in pg.query("SELECT * FROM telltale.suspected_farm")),
          "min_hosts 2: the family shows up (why the default is 3)")
    pg.psql("UPDATE telltale.farm_setting SET min_hosts = 3, kinds = ARRAY['gateway_mac', 'bssid', 'dns', 'ssid']")
    wide = {(f["context_kind"], f["context_hash"]): f["host_count"]
            for f in pg.query("SELECT * FROM telltale.suspected_farm")}
    check(wide.get(("dns", isp_dns), 0) > 10 and ("ssid", factory_ssid) in wide,
          "grouping by DNS or SSID hashes lumps strangers together (why they are off by default)", wide)
    pg.psql("UPDATE telltale.farm_setting SET kinds = DEFAULT")
    check(not pg.query("SELECT * FROM telltale.suspected_farms(min_hosts => 6)"), "min_hosts 6: no farm of five")
    check(not pg.query("SELECT * FROM telltale.suspected_farms(since => now() + interval '1 minute')"),
          "a window that excludes every sighting: no farm")
    check(len(pg.query("SELECT * FROM telltale.suspected_farms(kinds => ARRAY['bssid'])")) == 1,
          "kinds given per query")
    pg.psql("INSERT INTO telltale.known_network VALUES ('gateway_mac', '%s', 'test', 'office')" % farm_gw)
    rows = pg.query("SELECT context_kind FROM telltale.suspected_farm")
    check([r["context_kind"] for r in rows] == ["bssid"] and len(pg.query("SELECT * FROM telltale.farm_host")) == 5,
          "a known network drops out; the access point still shows the farm")
    pg.psql("INSERT INTO telltale.known_network VALUES ('bssid', '%s', 'test', 'office Wi-Fi')" % farm_bssid)
    check(not pg.query("SELECT * FROM telltale.suspected_farm") and not pg.query("SELECT * FROM telltale.farm_host"),
          "both known: no farm")
    pg.psql("DELETE FROM telltale.known_network")

    # The Sigma correlation, evaluated over the same events, names the same farms.
    rows = pg.query("SELECT host, event, rule, category, received_at, evidence FROM telltale.event")
    events = []
    for r in rows:
        e = {k: v for k, v in (r["evidence"] or {}).items() if k not in ("probe", "kind", "key")}
        e.update(host=r["host"], event=r["event"], rule=r["rule"], category=r["category"],
                 time=datetime.fromisoformat(r["received_at"]))
        events.append(e)
    docs = list(yaml.safe_load_all(open(os.path.join(SOURCE, "contrib/siem/sigma/telltale_laptop_farm.yml"))))
    fired = sigma_correlations(docs, events)
    sql = {({"gateway_mac": "gateway_mac_hash", "bssid": "bssid_hash"}[f["context_kind"]], f["context_hash"]):
           set(f["hosts"]) for f in pg.query("SELECT * FROM telltale.suspected_farm")}
    # The SQL view also rejects values that are not hashes; the Sigma rule leaves that to the SIEM's parsing.
    fired = {k: v for k, v in fired.items() if re.fullmatch(r"[0-9a-f]{32}", k[1])}
    check(fired == sql and len(sql) == 2, "the Sigma correlation names the same farms as the SQL view",
          {"sigma": fired, "sql": sql})


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print("FAIL " + str(e))
        sys.exit(1)
