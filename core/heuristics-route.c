/* SPDX-License-Identifier: MIT */
/* Foreign routing and remote sessions: what needs the config to judge (the
 * corporate VPN, management networks, expected countries and location). */
#include <fnmatch.h>
#include <strings.h>
#include <inttypes.h>
#include <stdio.h>

#include "config.h"
#include "heuristics.h"
#include "rtt.h"
#include "util.h"

static bool addr_listed(const struct tt_cidr_list *l, const char *addr) {
        for (size_t i = 0; addr && i < l->n; i++)
                if (tt_cidr_contains_text(&l->items[i], addr))
                        return true;
        return false;
}

/* Links that carry traffic somewhere else than the wire they sit on. */
static unsigned tunnel_confidence(const char *kind) {
        static const struct {
                const char *kind;
                unsigned confidence;
        } kinds[] = {
                { "wireguard", 80 }, { "tailscale", 85 }, { "zerotier", 85 },
                { "tun", 70 },       { "tap", 50 },       { "ppp", 40 }, /* also mobile broadband and DSL */
        };
        for (size_t i = 0; kind && i < ELEMENTSOF(kinds); i++)
                if (streq(kinds[i].kind, kind))
                        return kinds[i].confidence;
        return 0;
}

static bool corporate_link(const struct tt_config *cfg, const char *dev) {
        return tt_config_corporate_link(cfg, dev);
}

static const char *str_or(const struct tt_observation *o, const char *key, const char *fallback) {
        const char *s = tt_obs_get_str(o, key);
        return s ? s : fallback;
}

static int64_t int_or(const struct tt_observation *o, const char *key, int64_t fallback) {
        const struct tt_attr *a = tt_obs_get(o, key);
        return a && a->type != TT_VALUE_STR ? a->num : fallback;
}

static int tunnel_interface(const struct tt_config *cfg, const struct tt_observation *o, unsigned *ret_confidence,
                            char *reason, size_t size) {
        const char *name = tt_obs_get_str(o, "name"), *kind = tt_obs_get_str(o, "link_kind");
        unsigned confidence = tunnel_confidence(kind);
        if (!name || confidence == 0 || corporate_link(cfg, name))
                return 0;
        /* A TAP port of a bridge is a virtual machine's NIC (libvirt's vnet0,
         * virbr0-nic), not a VPN. */
        if (streq(kind, "tap") && tt_obs_get_str(o, "master"))
                return 0;
        snprintf(reason, size, "%s is a %s link (state %s), not the corporate VPN", name, kind,
                 str_or(o, "operstate", "state unknown"));
        *ret_confidence = confidence;
        return 1;
}

const struct tt_heuristic tt_heuristic_tunnel_interface = {
        .name = "tunnel-interface",
        .kind = "netif",
        .eval_config = tunnel_interface,
};

/* A route through a tunnel link that is not the corporate VPN: the probes
 * give the link's kind (dev_kind) with every route, rule and resolver. */
static bool foreign_tunnel(const struct tt_config *cfg, const struct tt_observation *o) {
        const char *dev = tt_obs_get_str(o, "dev");
        return dev && tunnel_confidence(tt_obs_get_str(o, "dev_kind")) > 0 && !corporate_link(cfg, dev);
}

static int default_route_takeover(const struct tt_config *cfg, const struct tt_observation *o,
                                  unsigned *ret_confidence, char *reason, size_t size) {
        const char *takeover = tt_obs_get_str(o, "takeover");
        if (!takeover || !foreign_tunnel(cfg, o))
                return 0;
        const char *dev = tt_obs_get_str(o, "dev"), *kind = tt_obs_get_str(o, "dev_kind");
        const char *family = str_or(o, "family", "ip");
        if (streq(takeover, "split"))
                snprintf(reason, size, "all %s traffic goes through %s (%s): split default route, %s/%" PRId64 " and "
                         "its complement", family, dev, kind, str_or(o, "dst", "?"), int_or(o, "prefix_len", -1));
        else if (streq(takeover, "policy"))
                snprintf(reason, size, "policy routing table %" PRId64 " sends %s traffic through %s (%s)",
                         int_or(o, "table", -1), family, dev, kind);
        else
                snprintf(reason, size, "the %s default route goes through %s (%s)", family, dev, kind);
        *ret_confidence = MAX(tunnel_confidence(kind), 85u);
        return 1;
}

const struct tt_heuristic tt_heuristic_default_route_takeover = {
        .name = "default-route-takeover",
        .kind = "route",
        .eval_config = default_route_takeover,
};

static bool standard_table(int64_t table) {
        return table == 0 || table == 253 || table == 254 || table == 255; /* unspec, default, main, local */
}

static int policy_routing(const struct tt_config *cfg, const struct tt_observation *o, unsigned *ret_confidence,
                          char *reason, size_t size) {
        int64_t table = int_or(o, "table", 0);
        if (standard_table(table) || !foreign_tunnel(cfg, o))
                return 0;
        const struct tt_attr *mark = tt_obs_get(o, "fwmark");
        char what[64] = "all traffic";
        if (mark && mark->type == TT_VALUE_INT)
                snprintf(what, sizeof(what), "traffic marked 0x%" PRIx64, (uint64_t) mark->num);
        snprintf(reason, size, "rule %" PRId64 " sends %s%s to table %" PRId64 ", routed through %s (%s)",
                 int_or(o, "priority", -1), int_or(o, "invert", 0) ? "all but " : "", what, table,
                 tt_obs_get_str(o, "dev"), tt_obs_get_str(o, "dev_kind"));
        *ret_confidence = 75;
        return 1;
}

const struct tt_heuristic tt_heuristic_policy_routing = {
        .name = "policy-routing",
        .kind = "policy_rule",
        .eval_config = policy_routing,
};

static int resolver_via_tunnel(const struct tt_config *cfg, const struct tt_observation *o, unsigned *ret_confidence,
                               char *reason, size_t size) {
        const char *server = tt_obs_get_str(o, "server");
        if (!server || !foreign_tunnel(cfg, o) || addr_listed(&cfg->network.vpn_cidrs, server))
                return 0;
        snprintf(reason, size, "DNS server %s (%s) is reached through %s (%s)", server, str_or(o, "source", "?"),
                 tt_obs_get_str(o, "dev"), tt_obs_get_str(o, "dev_kind"));
        *ret_confidence = 75;
        return 1;
}

const struct tt_heuristic tt_heuristic_resolver_via_tunnel = {
        .name = "resolver-via-tunnel",
        .kind = "resolver",
        .eval_config = resolver_via_tunnel,
};

/* An interactive remote login that IT's management networks do not explain. */
static bool unexplained_remote(const struct tt_config *cfg, const struct tt_observation *o) {
        const struct tt_attr *remote = tt_obs_get(o, "remote");
        if (!remote || remote->type != TT_VALUE_BOOL || !remote->num)
                return false;
        const char *class = tt_obs_get_str(o, "class");
        if (class && !streq(class, "user"))
                return false;
        return !addr_listed(&cfg->network.management, tt_obs_get_str(o, "remote_host"));
}

static bool graphical(const struct tt_observation *o) {
        static const char *const services[] = { "xrdp*", "*vnc*", "nx*", "gdm-*rdp*", NULL };
        const char *type = tt_obs_get_str(o, "type"), *service = tt_obs_get_str(o, "service");
        if (type && (streq(type, "x11") || streq(type, "wayland") || streq(type, "mir")))
                return true;
        for (size_t i = 0; service && services[i]; i++)
                if (fnmatch(services[i], service, 0) == 0)
                        return true;
        return false;
}

static void session_describe(const struct tt_observation *o, char *reason, size_t size) {
        snprintf(reason, size, "remote %s session %s of %s from %s", str_or(o, "service", "login"),
                 str_or(o, "id", "?"), str_or(o, "user", "?"), str_or(o, "remote_host", "an unknown host"));
}

static int remote_session(const struct tt_config *cfg, const struct tt_observation *o, unsigned *ret_confidence,
                          char *reason, size_t size) {
        if (!unexplained_remote(cfg, o) || graphical(o))
                return 0;
        session_describe(o, reason, size);
        *ret_confidence = 80;
        return 1;
}

const struct tt_heuristic tt_heuristic_remote_session = {
        .name = "remote-session",
        .kind = "session",
        .eval_config = remote_session,
};

static int remote_session_graphical(const struct tt_config *cfg, const struct tt_observation *o,
                                    unsigned *ret_confidence, char *reason, size_t size) {
        if (!unexplained_remote(cfg, o) || !graphical(o))
                return 0;
        session_describe(o, reason, size);
        *ret_confidence = 90;
        return 1;
}

const struct tt_heuristic tt_heuristic_remote_session_graphical = {
        .name = "remote-session-graphical",
        .kind = "session",
        .eval_config = remote_session_graphical,
};

static int session_foreign_country(const struct tt_config *cfg, const struct tt_observation *o,
                                   unsigned *ret_confidence, char *reason, size_t size) {
        const char *country = tt_obs_get_str(o, "country");
        const struct tt_strv *expected = &cfg->network.expected_countries;
        if (!country || expected->n == 0 || !unexplained_remote(cfg, o))
                return 0;
        for (size_t i = 0; i < expected->n; i++)
                if (strcasecmp(expected->items[i], country) == 0)
                        return 0;
        snprintf(reason, size, "remote session from %s, located in %s; this laptop is expected in %s%s",
                 str_or(o, "remote_host", "?"), country, expected->items[0], expected->n > 1 ? " and others" : "");
        *ret_confidence = 85;
        return 1;
}

const struct tt_heuristic tt_heuristic_session_foreign_country = {
        .name = "session-foreign-country",
        .kind = "session",
        .eval_config = session_foreign_country,
};

static int session_rtt_relayed(const struct tt_config *cfg, const struct tt_observation *o, unsigned *ret_confidence,
                               char *reason, size_t size) {
        const char *country = tt_obs_get_str(o, "country");
        int64_t rtt = int_or(o, "rtt_ms", -1);
        struct tt_rtt_verdict v;
        if (!country || rtt < 0 || !unexplained_remote(cfg, o) || tt_rtt_judge(cfg, country, (double) rtt, &v) < 0 ||
            !v.relayed)
                return 0;
        snprintf(reason, size,
                 "round trip %" PRId64 " ms to %s (%s) is above the %.0f ms a direct path allows "
                 "(%.0f km, fibre floor %.0f ms): the session is relayed",
                 rtt, str_or(o, "remote_host", "?"), country, v.ceiling_ms, v.distance_km, v.floor_ms);
        /* The further above the ceiling, the surer. */
        double excess = ((double) rtt - v.ceiling_ms) / v.ceiling_ms;
        *ret_confidence = 60 + (unsigned) MIN(35.0, excess * 50.0);
        return 1;
}

const struct tt_heuristic tt_heuristic_session_rtt_relayed = {
        .name = "session-rtt-relayed",
        .kind = "session",
        .eval_config = session_rtt_relayed,
};
