/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <strings.h>

#include "format-syslog.h"

static const char *const format_names[_TT_FORMAT_MAX] = {
        [TT_FORMAT_TEXT] = "text",
        [TT_FORMAT_JSON] = "json",
        [TT_FORMAT_RFC5424] = "rfc5424",
        [TT_FORMAT_CEF] = "cef",
};

static const char *const output_type_names[_TT_OUTPUT_TYPE_MAX] = {
        [TT_OUTPUT_STDOUT] = "stdout",
        [TT_OUTPUT_JOURNAL] = "journal",
        [TT_OUTPUT_SYSLOG] = "syslog",
        [TT_OUTPUT_REMOTE] = "remote",
};

const char *tt_output_format_to_string(enum tt_output_format f) {
        return f < _TT_FORMAT_MAX ? format_names[f] : "?";
}

int tt_output_format_from_string(const char *s, enum tt_output_format *ret) {
        for (size_t i = 0; i < _TT_FORMAT_MAX; i++)
                if (streq(format_names[i], s)) {
                        *ret = (enum tt_output_format) i;
                        return 0;
                }
        return -EINVAL;
}

static int string_dup(const struct tt_yaml_node *n, const char *what, char **ret, struct tt_error *err) {
        int r = tt_yaml_expect(n, TT_YAML_SCALAR, what, err);
        if (r < 0)
                return r;
        if (isempty(n->value))
                return tt_error_at(err, n, "%s must not be empty", what);
        char *s = strdup(n->value);
        if (!s)
                return -ENOMEM;
        free(*ret);
        *ret = s;
        return 0;
}

/* A file the config names: a relative path is taken from the config file's
 * directory, so a config and its key, certificates and database can travel
 * together. */
static int path_dup(const struct tt_yaml_node *n, const char *what, const char *config_path, char **ret,
                    struct tt_error *err) {
        int r = string_dup(n, what, ret, err);
        if (r < 0 || (*ret)[0] == '/' || !config_path)
                return r;
        const char *slash = strrchr(config_path, '/');
        if (!slash)
                return 0;
        char *p;
        if (asprintf(&p, "%.*s/%s", (int) (slash - config_path), config_path, *ret) < 0)
                return -ENOMEM;
        free(*ret);
        *ret = p;
        return 0;
}

static int strv_parse(const struct tt_yaml_node *n, const char *what, struct tt_strv *ret, struct tt_error *err) {
        int r = tt_yaml_expect(n, TT_YAML_SEQUENCE, what, err);
        if (r < 0)
                return r;
        ret->items = calloc(n->n_items + 1, sizeof(char *));
        if (!ret->items)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_items; i++) {
                r = string_dup(n->items[i], what, &ret->items[i], err);
                if (r < 0)
                        return r;
                ret->n++;
        }
        return 0;
}

static void strv_clear(struct tt_strv *v) {
        for (size_t i = 0; i < v->n; i++)
                free(v->items[i]);
        free(v->items);
}

static int cidrs_parse(const struct tt_yaml_node *n, const char *what, struct tt_cidr_list *ret,
                       struct tt_error *err) {
        int r = tt_yaml_expect(n, TT_YAML_SEQUENCE, what, err);
        if (r < 0)
                return r;
        ret->items = calloc(n->n_items + 1, sizeof(struct tt_cidr));
        if (!ret->items)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_items; i++) {
                const struct tt_yaml_node *c = n->items[i];
                if ((r = tt_yaml_expect(c, TT_YAML_SCALAR, what, err)) < 0)
                        return r;
                if (tt_cidr_parse(c->value, &ret->items[i]) < 0)
                        return tt_error_at(err, c, "bad address range \"%s\" (like 10.0.0.0/8 or fd00::/8)",
                                           c->value);
                ret->n++;
        }
        return 0;
}

static int allow_parse(const struct tt_yaml_node *n, struct tt_allow *a, struct tt_error *err) {
        int r = tt_yaml_expect(n, TT_YAML_MAPPING, "an allow entry", err);
        if (r < 0)
                return r;
        char src[512];
        snprintf(src, sizeof(src), "%s:%u", n->file, n->line);
        if (!(a->source = strdup(src)))
                return -ENOMEM;
        for (size_t i = 0; i < n->n_items; i++) {
                const struct tt_yaml_node *k = tt_yaml_key(n, i), *v = tt_yaml_value(n, i);
                for (size_t j = 0; j < i; j++)
                        if (streq(tt_yaml_key(n, j)->value, k->value))
                                return tt_error_at(err, k, "duplicate key \"%s\"", k->value);
                if (streq(k->value, "rule"))
                        r = string_dup(v, "rule", &a->rule, err);
                else if (streq(k->value, "reason"))
                        r = string_dup(v, "reason", &a->reason, err);
                else {
                        const struct tt_kind *kind = tt_kind_find(k->value);
                        if (!kind)
                                return tt_error_at(err, k,
                                                   "unknown key \"%s\" (expected rule, reason or an observation "
                                                   "kind such as usb or process)",
                                                   k->value);
                        if (a->match.kind)
                                return tt_error_at(err, k, "an allow entry takes one observation kind");
                        r = tt_kind_match_parse(v, kind, &a->match, err);
                }
                if (r < 0)
                        return r;
        }
        if (!a->reason)
                return tt_error_at(err, n, "an allow entry needs a \"reason\"");
        if (!a->rule && !a->match.kind)
                return tt_error_at(err, n, "an allow entry needs a \"rule\" or an observation kind to match");
        return 0;
}

int tt_remote_target_parse(const char *target, struct tt_remote_target *r) {
        static const struct {
                const char *scheme;
                enum tt_remote_proto proto;
                const char *port;
        } schemes[] = {
                { "udp://", TT_REMOTE_UDP, "514" },
                { "tcp://", TT_REMOTE_TCP, "514" },
                { "tls://", TT_REMOTE_TLS, "6514" },
                { "relp://", TT_REMOTE_RELP, "2514" },
        };
        const char *rest = NULL, *port = NULL;
        for (size_t i = 0; i < ELEMENTSOF(schemes) && !rest; i++)
                if (startswith(target, schemes[i].scheme)) {
                        rest = target + strlen(schemes[i].scheme);
                        r->proto = schemes[i].proto;
                        port = schemes[i].port;
                }
        if (!rest)
                return -EPROTONOSUPPORT;
        const char *host = rest, *end;
        if (*rest == '[') { /* [v6]:port */
                host = rest + 1;
                end = strchr(host, ']');
                if (!end || (end[1] && end[1] != ':'))
                        return -EINVAL;
                if (end[1] == ':')
                        port = end + 2;
        } else {
                end = strchr(rest, ':');
                if (end)
                        port = end + 1;
                else
                        end = rest + strlen(rest);
        }
        size_t len = (size_t) (end - host);
        if (len == 0 || len >= sizeof(r->host))
                return -EINVAL;
        memcpy(r->host, host, len);
        r->host[len] = '\0';
        for (const char *p = r->host; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                      *p == '-' || *p == ':' || *p == '_'))
                        return -EINVAL;
        uint64_t n;
        if (safe_atou64(port, 10, &n) < 0 || n == 0 || n > 65535)
                return -EINVAL;
        snprintf(r->port, sizeof(r->port), "%u", (unsigned) n);
        return 0;
}

static int output_parse(const struct tt_yaml_node *n, const char *config_path, struct tt_output_config *o,
                        struct tt_error *err) {
        static const char *const keys[] = { "type", "format", "target", "tls", "spool", "heartbeat", "sd_id", NULL };
        int r = tt_yaml_expect(n, TT_YAML_MAPPING, "an output", err);
        if (r < 0 || (r = tt_yaml_check_keys(n, keys, err)) < 0)
                return r;
        o->node = n;
        const struct tt_yaml_node *v = tt_yaml_get(n, "type");
        if (!v)
                return tt_error_at(err, n, "an output needs a \"type\" (stdout, journal, syslog, remote)");
        if ((r = tt_yaml_expect(v, TT_YAML_SCALAR, "type", err)) < 0)
                return r;
        size_t t;
        for (t = 0; t < _TT_OUTPUT_TYPE_MAX; t++)
                if (streq(v->value, output_type_names[t]))
                        break;
        if (t == _TT_OUTPUT_TYPE_MAX)
                return tt_error_at(err, v, "unknown output type \"%s\" (stdout, journal, syslog, remote)", v->value);
        o->type = (enum tt_output_type) t;
        o->format = o->type == TT_OUTPUT_STDOUT ? TT_FORMAT_TEXT : TT_FORMAT_RFC5424;
        o->heartbeat_usec = 5 * 60 * 1000000ULL;
        o->spool_max = 64ULL << 20;
        if ((v = tt_yaml_get(n, "format"))) {
                if ((r = tt_yaml_expect(v, TT_YAML_SCALAR, "format", err)) < 0)
                        return r;
                if (tt_output_format_from_string(v->value, &o->format) < 0)
                        return tt_error_at(err, v, "unknown format \"%s\" (text, json, rfc5424, cef)", v->value);
        }
        struct tt_remote_target remote = {};
        bool is_remote = false;
        if ((v = tt_yaml_get(n, "target"))) {
                if ((r = string_dup(v, "target", &o->target, err)) < 0)
                        return r;
                if (o->type == TT_OUTPUT_SYSLOG) {
                        if (o->target[0] != '/')
                                return tt_error_at(err, v, "a syslog target is a local socket path, like /dev/log");
                } else if ((r = tt_remote_target_parse(o->target, &remote)) == -EPROTONOSUPPORT)
                        return tt_error_at(err, v, "target must start with udp://, tcp://, tls:// or relp://");
                else if (r < 0)
                        return tt_error_at(err, v, "bad target \"%s\" (like tls://siem.example.net:6514)", o->target);
                else
                        is_remote = true;
        }
        if (o->type == TT_OUTPUT_REMOTE && !o->target)
                return tt_error_at(err, n, "a remote output needs a \"target\"");
        if (o->type != TT_OUTPUT_REMOTE && o->type != TT_OUTPUT_SYSLOG && o->target)
                return tt_error_at(err, tt_yaml_get(n, "target"), "only remote and syslog outputs take a target");
        if ((v = tt_yaml_get(n, "tls"))) {
                static const char *const tls_keys[] = { "ca", "cert", "key", NULL };
                if ((r = tt_yaml_expect(v, TT_YAML_MAPPING, "tls", err)) < 0 ||
                    (r = tt_yaml_check_keys(v, tls_keys, err)) < 0)
                        return r;
                const struct tt_yaml_node *x;
                if ((x = tt_yaml_get(v, "ca")) && (r = path_dup(x, "ca", config_path, &o->tls_ca, err)) < 0)
                        return r;
                if ((x = tt_yaml_get(v, "cert")) && (r = path_dup(x, "cert", config_path, &o->tls_cert, err)) < 0)
                        return r;
                if ((x = tt_yaml_get(v, "key")) && (r = path_dup(x, "key", config_path, &o->tls_key, err)) < 0)
                        return r;
                if (!!o->tls_cert != !!o->tls_key)
                        return tt_error_at(err, v, "tls needs both \"cert\" and \"key\", or neither");
                struct in6_addr a;
                /* librelp checks the certificate against the name given, never an address. */
                if (is_remote && remote.proto == TT_REMOTE_RELP &&
                    (inet_pton(AF_INET, remote.host, &a) == 1 || inet_pton(AF_INET6, remote.host, &a) == 1))
                        return tt_error_at(err, v,
                                           "RELP over TLS checks the collector's certificate by name: the target "
                                           "needs its host name, not an address");
        }
        if ((v = tt_yaml_get(n, "spool"))) {
                static const char *const spool_keys[] = { "path", "max_size", NULL };
                if ((r = tt_yaml_expect(v, TT_YAML_MAPPING, "spool", err)) < 0 ||
                    (r = tt_yaml_check_keys(v, spool_keys, err)) < 0)
                        return r;
                const struct tt_yaml_node *x;
                if ((x = tt_yaml_get(v, "path")) && (r = string_dup(x, "path", &o->spool_path, err)) < 0)
                        return r;
                if ((x = tt_yaml_get(v, "max_size")) && (r = tt_yaml_size(x, &o->spool_max, err)) < 0)
                        return r;
        }
        if ((v = tt_yaml_get(n, "heartbeat")) && (r = tt_yaml_duration(v, &o->heartbeat_usec, err)) < 0)
                return r;
        if ((v = tt_yaml_get(n, "sd_id"))) {
                if ((r = string_dup(v, "sd_id", &o->sd_id, err)) < 0)
                        return r;
                if (!tt_syslog_sd_id_valid(o->sd_id))
                        return tt_error_at(err, v, "sd_id must be NAME@ENTERPRISE-NUMBER, like telltale@32473");
        }
        return 0;
}

static int probe_parse(const struct tt_yaml_node *k, const struct tt_yaml_node *v, struct tt_probe_config *p,
                       struct tt_error *err) {
        p->name = k->value;
        p->enabled = true;
        p->node = v;
        int r = tt_yaml_expect(v, TT_YAML_MAPPING, "a probe entry", err);
        if (r < 0)
                return r;
        const struct tt_yaml_node *x;
        if ((x = tt_yaml_get(v, "enabled")) && (r = tt_yaml_bool(x, &p->enabled, err)) < 0)
                return r;
        if ((x = tt_yaml_get(v, "interval")) && (r = tt_yaml_duration(x, &p->interval_usec, err)) < 0)
                return r;
        return 0;
}

static int degrees_parse(const struct tt_yaml_node *n, const char *what, double max, double *ret,
                         struct tt_error *err) {
        int r = tt_yaml_expect(n, TT_YAML_SCALAR, what, err);
        if (r < 0)
                return r;
        char *end;
        errno = 0;
        double d = strtod(n->value, &end);
        if (n->quoted || errno != 0 || end == n->value || *end != '\0' || !(d >= -max && d <= max))
                return tt_error_at(err, n, "%s must be a number of degrees from %g to %g", what, -max, max);
        *ret = d;
        return 0;
}

static int location_parse(const struct tt_yaml_node *v, struct tt_config *c, struct tt_error *err) {
        static const char *const keys[] = { "latitude", "longitude", NULL };
        int r = tt_yaml_expect(v, TT_YAML_MAPPING, "expected_location", err);
        if (r < 0 || (r = tt_yaml_check_keys(v, keys, err)) < 0)
                return r;
        const struct tt_yaml_node *lat = tt_yaml_get(v, "latitude"), *lon = tt_yaml_get(v, "longitude");
        if (!lat || !lon)
                return tt_error_at(err, v, "expected_location needs both \"latitude\" and \"longitude\"");
        if ((r = degrees_parse(lat, "latitude", 90, &c->network.expected_location.latitude, err)) < 0 ||
            (r = degrees_parse(lon, "longitude", 180, &c->network.expected_location.longitude, err)) < 0)
                return r;
        c->network.expected_location.set = true;
        return 0;
}

static int network_parse(const struct tt_yaml_node *n, struct tt_config *c, struct tt_error *err) {
        static const char *const keys[] = { "local", "management", "expected_countries", "corporate_vpn",
                                            "geoip_db", "expected_location", NULL };
        int r = tt_yaml_expect(n, TT_YAML_MAPPING, "network", err);
        if (r < 0 || (r = tt_yaml_check_keys(n, keys, err)) < 0)
                return r;
        const struct tt_yaml_node *v;
        if ((v = tt_yaml_get(n, "local")) && (r = cidrs_parse(v, "network.local", &c->network.local, err)) < 0)
                return r;
        if ((v = tt_yaml_get(n, "management")) &&
            (r = cidrs_parse(v, "network.management", &c->network.management, err)) < 0)
                return r;
        if ((v = tt_yaml_get(n, "expected_countries"))) {
                if ((r = strv_parse(v, "a country code", &c->network.expected_countries, err)) < 0)
                        return r;
                for (size_t i = 0; i < v->n_items; i++) {
                        const char *cc = v->items[i]->value;
                        if (strlen(cc) != 2 || !isalpha((unsigned char) cc[0]) || !isalpha((unsigned char) cc[1]))
                                return tt_error_at(err, v->items[i], "\"%s\" is not an ISO 3166 country code", cc);
                }
        }
        if ((v = tt_yaml_get(n, "corporate_vpn"))) {
                static const char *const vpn_keys[] = { "interfaces", "cidrs", NULL };
                if ((r = tt_yaml_expect(v, TT_YAML_MAPPING, "corporate_vpn", err)) < 0 ||
                    (r = tt_yaml_check_keys(v, vpn_keys, err)) < 0)
                        return r;
                const struct tt_yaml_node *x;
                if ((x = tt_yaml_get(v, "interfaces")) &&
                    (r = strv_parse(x, "an interface name", &c->network.vpn_interfaces, err)) < 0)
                        return r;
                if ((x = tt_yaml_get(v, "cidrs")) &&
                    (r = cidrs_parse(x, "corporate_vpn.cidrs", &c->network.vpn_cidrs, err)) < 0)
                        return r;
        }
        if ((v = tt_yaml_get(n, "geoip_db")) && (r = path_dup(v, "geoip_db", c->path, &c->network.geoip_db, err)) < 0)
                return r;
        if ((v = tt_yaml_get(n, "expected_location")) && (r = location_parse(v, c, err)) < 0)
                return r;
        return 0;
}

static int report_parse(const struct tt_yaml_node *n, struct tt_config *c, struct tt_error *err) {
        const struct tt_yaml_node *v = tt_yaml_get(n, "ongoing_interval");
        int r;
        if (v && (r = tt_yaml_duration(v, &c->ongoing_interval_usec, err)) < 0)
                return r;
        if (v && c->ongoing_interval_usec < 1000000)
                return tt_error_at(err, v, "ongoing_interval must be at least 1s");
        if ((v = tt_yaml_get(n, "rate_limit"))) {
                static const char *const keys[] = { "events", "interval", NULL };
                const struct tt_yaml_node *x;
                if ((r = tt_yaml_expect(v, TT_YAML_MAPPING, "rate_limit", err)) < 0 ||
                    (r = tt_yaml_check_keys(v, keys, err)) < 0)
                        return r;
                if ((x = tt_yaml_get(v, "events")) && (r = tt_yaml_uint(x, 1000000, &c->rate_limit.events, err)) < 0)
                        return r;
                if ((x = tt_yaml_get(v, "interval"))) {
                        if ((r = tt_yaml_duration(x, &c->rate_limit.interval_usec, err)) < 0)
                                return r;
                        if (c->rate_limit.interval_usec < 1000000)
                                return tt_error_at(err, x, "rate_limit.interval must be at least 1s");
                }
        }
        return 0;
}

static int config_parse(struct tt_config *c, const struct tt_yaml_node *root, struct tt_error *err) {
        static const char *const keys[] = { "host_id", "state_dir", "report", "probes", "allow",
                                            "network", "fleet",   "outputs", NULL };
        int r = tt_yaml_expect(root, TT_YAML_MAPPING, "the config", err);
        if (r < 0 || (r = tt_yaml_check_keys(root, keys, err)) < 0)
                return r;
        const struct tt_yaml_node *v;
        if ((v = tt_yaml_get(root, "host_id")) && (r = string_dup(v, "host_id", &c->host_id, err)) < 0)
                return r;
        if ((v = tt_yaml_get(root, "state_dir")) && (r = string_dup(v, "state_dir", &c->state_dir, err)) < 0)
                return r;
        if ((v = tt_yaml_get(root, "report"))) {
                if ((r = tt_yaml_expect(v, TT_YAML_MAPPING, "report", err)) < 0 ||
                    (r = tt_yaml_check_keys(v, (const char *const[]){ "min_severity", "ongoing_interval", "rate_limit",
                                                                       NULL }, err)) < 0 ||
                    (r = report_parse(v, c, err)) < 0)
                        return r;
                const struct tt_yaml_node *s = tt_yaml_get(v, "min_severity");
                if (s) {
                        if ((r = tt_yaml_expect(s, TT_YAML_SCALAR, "min_severity", err)) < 0)
                                return r;
                        if (tt_severity_from_string(s->value, &c->min_severity) < 0)
                                return tt_error_at(err, s,
                                                   "unknown severity \"%s\" (info, low, medium, high, critical)",
                                                   s->value);
                }
        }
        if ((v = tt_yaml_get(root, "probes"))) {
                if ((r = tt_yaml_expect(v, TT_YAML_MAPPING, "probes", err)) < 0)
                        return r;
                if (!(c->probes = calloc(v->n_items + 1, sizeof(struct tt_probe_config))))
                        return -ENOMEM;
                for (size_t i = 0; i < v->n_items; i++) {
                        for (size_t j = 0; j < i; j++)
                                if (streq(tt_yaml_key(v, i)->value, tt_yaml_key(v, j)->value))
                                        return tt_error_at(err, tt_yaml_key(v, i), "duplicate key \"%s\"",
                                                           tt_yaml_key(v, i)->value);
                        if ((r = probe_parse(tt_yaml_key(v, i), tt_yaml_value(v, i), &c->probes[i], err)) < 0)
                                return r;
                        c->n_probes++;
                }
        }
        if ((v = tt_yaml_get(root, "allow"))) {
                if ((r = tt_yaml_expect(v, TT_YAML_SEQUENCE, "allow", err)) < 0)
                        return r;
                if (!(c->allow = calloc(v->n_items + 1, sizeof(struct tt_allow))))
                        return -ENOMEM;
                for (size_t i = 0; i < v->n_items; i++) {
                        r = allow_parse(v->items[i], &c->allow[i], err);
                        c->n_allow++;
                        if (r < 0)
                                return r;
                }
        }
        if ((v = tt_yaml_get(root, "network")) && (r = network_parse(v, c, err)) < 0)
                return r;
        if ((v = tt_yaml_get(root, "fleet"))) {
                if ((r = tt_yaml_expect(v, TT_YAML_MAPPING, "fleet", err)) < 0 ||
                    (r = tt_yaml_check_keys(v, (const char *const[]){ "secret_file", NULL }, err)) < 0)
                        return r;
                const struct tt_yaml_node *x = tt_yaml_get(v, "secret_file");
                if (x && (r = path_dup(x, "secret_file", c->path, &c->fleet_secret_file, err)) < 0)
                        return r;
        }
        if ((v = tt_yaml_get(root, "outputs"))) {
                if ((r = tt_yaml_expect(v, TT_YAML_SEQUENCE, "outputs", err)) < 0)
                        return r;
                if (!(c->outputs = calloc(v->n_items + 1, sizeof(struct tt_output_config))))
                        return -ENOMEM;
                for (size_t i = 0; i < v->n_items; i++) {
                        r = output_parse(v->items[i], c->path, &c->outputs[i], err);
                        c->n_outputs++;
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int config_defaults(struct tt_config *c) {
        *c = (struct tt_config){
                .min_severity = TT_SEVERITY_MEDIUM,
                .ongoing_interval_usec = 3600 * 1000000ULL,
                .rate_limit = { .events = 30, .interval_usec = 600 * 1000000ULL },
        };
        c->host_id = strdup("auto");
        c->state_dir = strdup("/var/lib/telltale");
        c->network.geoip_db = strdup("/usr/share/telltale/dbip-country-lite.mmdb");
        c->fleet_secret_file = strdup("/etc/telltale/fleet.key");
        if (!c->host_id || !c->state_dir || !c->network.geoip_db || !c->fleet_secret_file)
                return -ENOMEM;
        return 0;
}

int tt_config_load(const char *path, struct tt_config *ret, struct tt_error *err) {
        struct tt_config c;
        int r = config_defaults(&c);
        if (r >= 0 && path) {
                c.path = strdup(path);
                if (!c.path)
                        r = -ENOMEM;
                if (r >= 0)
                        r = tt_yaml_load_file(path, &c.doc, err);
                if (r >= 0 && c.doc.root)
                        r = config_parse(&c, c.doc.root, err);
        }
        if (r < 0) {
                if (r == -ENOMEM)
                        tt_error_set(err, r, "out of memory");
                tt_config_free(&c);
                return r;
        }
        *ret = c;
        return 0;
}

static void cidrs_clear(struct tt_cidr_list *l) {
        free(l->items);
}

void tt_config_free(struct tt_config *c) {
        free(c->path);
        free(c->host_id);
        free(c->state_dir);
        free(c->probes);
        for (size_t i = 0; i < c->n_allow; i++) {
                free(c->allow[i].rule);
                free(c->allow[i].reason);
                free(c->allow[i].source);
                tt_kind_match_free(&c->allow[i].match);
        }
        free(c->allow);
        cidrs_clear(&c->network.local);
        cidrs_clear(&c->network.management);
        cidrs_clear(&c->network.vpn_cidrs);
        strv_clear(&c->network.expected_countries);
        strv_clear(&c->network.vpn_interfaces);
        free(c->network.geoip_db);
        free(c->fleet_secret_file);
        for (size_t i = 0; i < c->n_outputs; i++) {
                struct tt_output_config *o = &c->outputs[i];
                free(o->target);
                free(o->tls_ca);
                free(o->tls_cert);
                free(o->tls_key);
                free(o->spool_path);
                free(o->sd_id);
        }
        free(c->outputs);
        tt_yaml_doc_free(&c->doc);
        *c = (struct tt_config){};
}

const struct tt_probe_config *tt_config_probe(const struct tt_config *c, const char *name) {
        for (size_t i = 0; i < c->n_probes; i++)
                if (streq(c->probes[i].name, name))
                        return &c->probes[i];
        return NULL;
}

bool tt_config_corporate_link(const struct tt_config *c, const char *ifname) {
        for (size_t i = 0; ifname && i < c->network.vpn_interfaces.n; i++)
                if (fnmatch(c->network.vpn_interfaces.items[i], ifname, 0) == 0)
                        return true;
        return false;
}
