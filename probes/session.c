/* SPDX-License-Identifier: MIT */
/* Login sessions (systemd-logind): who is logged in, and from where. A remote
 * session's peer is geolocated (network.geoip_db) and, live, its TCP round
 * trip taken from the kernel (sock_diag tcp_info), for the RTT physics.
 *
 * Live through sd-login; libsystemd 252 has no call for the user name, the
 * leader or the start time, so those come from the session file sd-login
 * itself reads. Under --root, /run/systemd/sessions/<id> in logind's format
 * (UID=, USER=, REMOTE=1, REMOTE_HOST=, SERVICE=, TYPE=, CLASS=, LEADER=,
 * REALTIME=). */
#include <arpa/inet.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>

#include "config.h"
#include "format.h"
#include "geo.h"
#include "probe.h"
#include "rtt.h"
#include "util.h"

#define SESSION_FILE_MAX (16 * 1024)
#define SESSIONS_MAX 1024
#define SESSIONS_DIR "/run/systemd/sessions"

struct session {
        char id[33];
        char user[64], service[64], remote_host[256], tty[64], type[16], class[32];
        bool has_uid, has_leader, remote;
        uint64_t uid, leader, realtime;
};

static bool session_id_valid(const char *id) {
        size_t n = strlen(id);
        if (n == 0 || n >= sizeof(((struct session *) NULL)->id))
                return false;
        for (; *id; id++)
                if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') || (*id >= '0' && *id <= '9')))
                        return false;
        return true;
}

/* logind writes some values shell-quoted ("..." with backslash escapes). */
static void value_copy(char *dst, size_t size, const char *v) {
        size_t n = strlen(v), k = 0;
        bool quoted = n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0];
        if (quoted) {
                v++;
                n -= 2;
        }
        for (size_t i = 0; i < n && k + 1 < size; i++) {
                if (quoted && v[i] == '\\' && i + 1 < n)
                        i++;
                dst[k++] = v[i];
        }
        dst[k] = '\0';
}

static void uint_value(const char *v, bool *ret_has, uint64_t *ret) {
        uint64_t x;
        if (safe_atou64(v, 10, &x) >= 0) {
                *ret = x;
                if (ret_has)
                        *ret_has = true;
        }
}

/* Parses one session file; fields already set (from sd-login) are kept. */
static void session_parse(char *text, struct session *s) {
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(line, '=');
                if (!eq || line[0] == '#')
                        continue;
                *eq = '\0';
                const char *k = line, *v = eq + 1;
                if (streq(k, "USER") && !s->user[0])
                        value_copy(s->user, sizeof(s->user), v);
                else if (streq(k, "UID") && !s->has_uid)
                        uint_value(v, &s->has_uid, &s->uid);
                else if (streq(k, "REMOTE"))
                        s->remote = s->remote || streq(v, "1");
                else if (streq(k, "REMOTE_HOST") && !s->remote_host[0])
                        value_copy(s->remote_host, sizeof(s->remote_host), v);
                else if (streq(k, "SERVICE") && !s->service[0])
                        value_copy(s->service, sizeof(s->service), v);
                else if (streq(k, "TTY") && !s->tty[0])
                        value_copy(s->tty, sizeof(s->tty), v);
                else if (streq(k, "TYPE") && !s->type[0])
                        value_copy(s->type, sizeof(s->type), v);
                else if (streq(k, "CLASS") && !s->class[0])
                        value_copy(s->class, sizeof(s->class), v);
                else if (streq(k, "LEADER") && !s->has_leader)
                        uint_value(v, &s->has_leader, &s->leader);
                else if (streq(k, "REALTIME") && !s->realtime)
                        uint_value(v, NULL, &s->realtime);
        }
}

static int session_file_read(const struct tt_root *root, struct session *s) {
        char path[64 + sizeof(s->id)];
        snprintf(path, sizeof(path), SESSIONS_DIR "/%s", s->id);
        _cleanup_free_ char *text = NULL;
        int r = tt_root_read_file(root, path, SESSION_FILE_MAX, &text, NULL);
        if (r < 0)
                return r;
        session_parse(text, s);
        return 0;
}

static void sd_string(int (*get)(const char *, char **), const char *id, char *buf, size_t size) {
        _cleanup_free_ char *v = NULL;
        if (get(id, &v) >= 0 && v)
                strscpy(buf, size, v);
}

static void session_from_sd_login(struct session *s) {
        uid_t uid;
        if (sd_session_get_uid(s->id, &uid) >= 0) {
                s->uid = uid;
                s->has_uid = true;
        }
        s->remote = sd_session_is_remote(s->id) > 0;
        sd_string(sd_session_get_remote_host, s->id, s->remote_host, sizeof(s->remote_host));
        sd_string(sd_session_get_service, s->id, s->service, sizeof(s->service));
        sd_string(sd_session_get_tty, s->id, s->tty, sizeof(s->tty));
        sd_string(sd_session_get_type, s->id, s->type, sizeof(s->type));
        sd_string(sd_session_get_class, s->id, s->class, sizeof(s->class));
}

struct session_scan {
        struct tt_probe_ctx *ctx;
        struct tt_geo *geo;
        bool geo_tried;
};

static void peer_country(struct session_scan *sc, const char *host, char country[static 3]) {
        if (!sc->geo_tried) {
                sc->geo_tried = true;
                const char *path = sc->ctx->config ? sc->ctx->config->network.geoip_db : NULL;
                int r = path ? tt_geo_open(path, &sc->geo) : -ENOENT;
                if (r < 0)
                        snprintf(sc->ctx->note, sizeof(sc->ctx->note),
                                 "no GeoIP database at %s (%s): remote peers' countries unknown",
                                 path ? path : "(none)", strerror(-r));
        }
        if (sc->geo && tt_geo_country(sc->geo, host, country) < 0)
                country[0] = '\0';
}

/* The kernel's smallest measured RTT on the session's TCP connections. */
static int64_t peer_rtt_ms(const char *host) {
        uint8_t a[16];
        uint32_t usec;
        int family = inet_pton(AF_INET, host, a) == 1 ? AF_INET : inet_pton(AF_INET6, host, a) == 1 ? AF_INET6 : 0;
        if (family == 0 || tt_rtt_tcp_peer(family, a, &usec) < 0)
                return -1;
        return (usec + 500) / 1000;
}

static int session_emit(struct session_scan *sc, const struct session *s) {
        char subject[48], start[32], country[3] = "";
        snprintf(subject, sizeof(subject), "session:%s", s->id);
        struct tt_observation o;
        tt_obs_init(&o, "session", subject);
        tt_obs_add_str(&o, "id", s->id);
        if (s->user[0])
                tt_obs_add_str(&o, "user", s->user);
        if (s->has_uid)
                tt_obs_add_int(&o, "uid", (int64_t) MIN(s->uid, (uint64_t) INT64_MAX));
        tt_obs_add_bool(&o, "remote", s->remote);
        if (s->remote_host[0])
                tt_obs_add_str(&o, "remote_host", s->remote_host);
        if (s->service[0])
                tt_obs_add_str(&o, "service", s->service);
        if (s->tty[0])
                tt_obs_add_str(&o, "tty", s->tty);
        if (s->type[0])
                tt_obs_add_str(&o, "type", s->type);
        if (s->class[0])
                tt_obs_add_str(&o, "class", s->class);
        if (s->has_leader)
                tt_obs_add_int(&o, "leader", (int64_t) MIN(s->leader, (uint64_t) INT64_MAX));
        if (s->realtime) {
                tt_format_time(s->realtime, start);
                tt_obs_add_str(&o, "start", start);
        }
        if (s->remote && s->remote_host[0]) {
                peer_country(sc, s->remote_host, country);
                if (country[0])
                        tt_obs_add_str(&o, "country", country);
                int64_t rtt = sc->ctx->root->live ? peer_rtt_ms(s->remote_host) : -1;
                if (rtt >= 0)
                        tt_obs_add_int(&o, "rtt_ms", rtt);
        }
        return tt_emit(sc->ctx, &o);
}

static int scan_live(struct session_scan *sc) {
        if (sd_booted() <= 0) {
                snprintf(sc->ctx->note, sizeof(sc->ctx->note),
                         "systemd is not running here (no /run/systemd/system): no logind sessions to look at");
                return 0;
        }
        char **ids = NULL;
        int n = sd_get_sessions(&ids);
        if (n < 0)
                return n;
        int r = 0;
        for (int i = 0; i < n; i++) {
                struct session s = {};
                if (r >= 0 && i < SESSIONS_MAX && session_id_valid(ids[i])) {
                        strscpy(s.id, sizeof(s.id), ids[i]);
                        session_from_sd_login(&s);
                        (void) session_file_read(sc->ctx->root, &s);
                        r = session_emit(sc, &s);
                }
                free(ids[i]);
        }
        free(ids);
        return r;
}

static int scan_root(struct session_scan *sc) {
        _cleanup_closedir_ DIR *d = NULL;
        int r = tt_root_opendir(sc->ctx->root, SESSIONS_DIR, &d);
        if (r == -ENOENT) {
                snprintf(sc->ctx->note, sizeof(sc->ctx->note),
                         "no " SESSIONS_DIR " under the root (logind not running there): no sessions to look at");
                return 0;
        }
        if (r < 0)
                return r;
        unsigned n = 0;
        for (struct dirent *de; n < SESSIONS_MAX && (de = readdir(d));) {
                /* Skips ".", "..", and the "<id>.ref" FIFOs. */
                if (!session_id_valid(de->d_name))
                        continue;
                struct session s = {};
                strscpy(s.id, sizeof(s.id), de->d_name);
                if (session_file_read(sc->ctx->root, &s) < 0)
                        continue;
                if ((r = session_emit(sc, &s)) < 0)
                        return r;
                n++;
        }
        return 0;
}

static int session_scan(struct tt_probe_ctx *ctx) {
        struct session_scan sc = { .ctx = ctx };
        int r = ctx->root->live ? scan_live(&sc) : scan_root(&sc);
        tt_geo_close(sc.geo);
        return r;
}

const struct tt_probe tt_probe_session = {
        .name = "session",
        .default_enabled = true,
        .scan = session_scan,
        .session_rescan = true,
};
