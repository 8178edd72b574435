/* SPDX-License-Identifier: MIT */
#include "daemon.h"
#include "sandbox.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>
#include <systemd/sd-login.h>
#include <time.h>

#include "buf.h"
#include "setup.h"
#include "sink.h"
#include "state.h"

#define USEC_PER_SEC 1000000ULL
#define USEC_PER_MSEC 1000ULL
/* A probe without a configured interval. */
#define DEFAULT_INTERVAL_USEC (60 * USEC_PER_SEC)
/* Device and network events come in bursts (a USB gadget brings several
 * interfaces): one rescan after the burst. */
#define DEBOUNCE_USEC (100 * USEC_PER_MSEC)
/* Observations kept per probe between scans (only those that match a rule). */
#define CACHE_MAX 4096
/* Consecutive failures of a probe that make a tamper event. */
#define PROBE_FAILURES_TAMPER 3
/* What an event probe (pcap) saw counts for this long after it was last
 * seen; then its findings clear. */
#define WATCH_TTL_USEC (10 * 60 * USEC_PER_SEC)
/* How long a clean stop waits for the outputs to deliver. */
#define STOP_DRAIN_USEC (5 * USEC_PER_SEC)
#define STOP_POLL_USEC (20 * USEC_PER_MSEC)

struct probe_run {
        const struct tt_probe *probe;
        bool enabled;
        usec_t interval;
        sd_event_source *timer;
        size_t n_cache;
        struct tt_evidence *cache; /* from the last scan that worked */
        bool pending;              /* an event asked for a rescan */
        unsigned failures;         /* in a row */
        bool tamper_open;
        char note[256];
        /* An event probe's observations, as they come (matching ones only). */
        struct tt_probe_ctx *watch_ctx;
        void *watch;
        size_t n_watched;
        struct watched *watched;
};

struct watched {
        struct tt_evidence obs;
        usec_t seen;
};

struct daemon {
        struct tt_daemon_args args;
        sd_event *event;
        struct tt_root root;
        struct tt_setup *setup;
        /* Whether the sandbox kept what packet capture needs: a probe that
         * captures can (re)start only then. */
        bool capture_kept, sandboxed;
        char host[256];
        struct tt_core *core;    /* evaluation of everything cached */
        struct tt_core *scratch; /* does one observation match anything? */
        struct tt_state *state;
        char state_path[4096];
        size_t n_sinks;
        struct tt_sink **sinks;
        sd_event_source **heartbeats;
        size_t n_probes;
        struct probe_run *probes;
        struct tt_buf buf;
        sd_event_source *debounce, *due, *watchdog, *stop_poll;
        sd_device_monitor *udev;
        int netlink_fd;
        sd_event_source *netlink;
        sd_login_monitor *login;
        sd_event_source *login_source;
        usec_t started;
        char status[128]; /* as last told to systemd */
        bool reload_failed;
        bool stopping;
        usec_t stop_deadline;
};

static const struct tt_rule rule_stopping = {
        .id = (char *) "tamper.stopping",
        .product = (char *) "telltale",
        .description = (char *) "The daemon stopped; nothing is watched until it runs again.",
        .technique = (char *) "T1562.001",
        .category = TT_CATEGORY_TAMPER,
        .severity = TT_SEVERITY_MEDIUM,
        .confidence = 100,
};

static const struct tt_rule rule_reload_failed = {
        .id = (char *) "tamper.config-reload-failed",
        .product = (char *) "telltale",
        .description = (char *) "A new configuration or catalog was refused; the last good one stays.",
        .technique = (char *) "T1562.001",
        .category = TT_CATEGORY_TAMPER,
        .severity = TT_SEVERITY_MEDIUM,
        .confidence = 100,
};

static const struct tt_rule rule_probe_failing = {
        .id = (char *) "tamper.probe-failing",
        .product = (char *) "telltale",
        .description = (char *) "A probe failed several times in a row; what it watches is not seen.",
        .technique = (char *) "T1562.001",
        .category = TT_CATEGORY_TAMPER,
        .severity = TT_SEVERITY_MEDIUM,
        .confidence = 100,
};

static const struct tt_rule rule_heartbeat = {
        .id = (char *) "telltale.heartbeat",
        .product = (char *) "telltale",
        .description = (char *) "The daemon runs: its silence is the signal.",
        .technique = (char *) "",
        .category = TT_CATEGORY_TAMPER,
        .severity = TT_SEVERITY_INFO,
        .confidence = 100,
};

static usec_t now_realtime(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static usec_t jitter(usec_t range) {
        return range ? (usec_t) random() % range : 0;
}

_printf_(1, 2) static void say(const char *fmt, ...) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        struct tt_buf b = {};
        tt_buf_text(&b, msg, NULL);
        fprintf(stderr, "telltale: %s\n", b.data ? b.data : "");
        tt_buf_free(&b);
}

static void sink_report(void *userdata, const struct tt_sink *s, enum tt_sink_level level, const char *msg) {
        say("output %s: %s%s", tt_sink_name(s), level == TT_SINK_ERROR ? "error: " : "", msg);
}

static void deliver(struct daemon *d, const struct tt_finding *f) {
        for (size_t i = 0; i < d->n_sinks; i++)
                tt_sink_send(d->sinks[i], f);
}

static int emit_event(void *userdata, const struct tt_finding *f) {
        deliver(userdata, f);
        return 0;
}

/* An event about the daemon itself: not subject to state or min_severity. */
static void self_event(struct daemon *d, const struct tt_rule *rule, enum tt_event ev, const char *subject,
                       const char *summary) {
        usec_t now = now_realtime();
        struct tt_finding f = {
                .event = ev,
                .rule = rule,
                .subject = (char *) subject,
                .category = rule->category,
                .severity = rule->severity,
                .confidence = rule->confidence,
                .summary = (char *) summary,
                .first_seen = now,
                .last_seen = now,
        };
        tt_finding_id(d->host, rule->id, subject, f.id);
        deliver(d, &f);
}

static void cache_clear(struct probe_run *p) {
        for (size_t i = 0; i < p->n_cache; i++)
                tt_evidence_free(&p->cache[i]);
        free(p->cache);
        p->cache = NULL;
        p->n_cache = 0;
}

static void watched_clear(struct probe_run *p) {
        for (size_t i = 0; i < p->n_watched; i++)
                tt_evidence_free(&p->watched[i].obs);
        free(p->watched);
        p->watched = NULL;
        p->n_watched = 0;
}

/* Entries are in the order they were last seen: expired ones are in front. */
static void watched_expire(struct probe_run *p, usec_t now) {
        size_t n = 0;
        while (n < p->n_watched && p->watched[n].seen + WATCH_TTL_USEC <= now)
                tt_evidence_free(&p->watched[n++].obs);
        if (n == 0)
                return;
        memmove(p->watched, p->watched + n, (p->n_watched - n) * sizeof(*p->watched));
        p->n_watched -= n;
}

static bool evidence_same(const struct tt_evidence *e, const struct tt_observation *o) {
        if (!streq(e->kind, o->kind) || !streq(e->subject, o->subject ? o->subject : "") || e->n_attrs != o->n_attrs)
                return false;
        for (size_t i = 0; i < e->n_attrs; i++) {
                const struct tt_attr *a = &e->attrs[i], *b = &o->attrs[i];
                if (!streq(a->key, b->key) || a->type != b->type || a->num != b->num ||
                    !streq_ptr(a->str, b->str))
                        return false;
        }
        return true;
}

static void observation_from(const struct tt_evidence *e, struct tt_observation *o) {
        tt_obs_init(o, e->kind, isempty(e->subject) ? NULL : e->subject);
        for (size_t i = 0; i < e->n_attrs && o->n_attrs < TT_OBS_ATTRS_MAX; i++)
                o->attrs[o->n_attrs++] = e->attrs[i];
}

static void status_update(struct daemon *d) {
        size_t failing = 0, enabled = 0;
        for (size_t i = 0; i < d->n_probes; i++) {
                enabled += d->probes[i].enabled;
                failing += d->probes[i].enabled && d->probes[i].failures > 0;
        }
        char status[128];
        snprintf(status, sizeof(status), "STATUS=%zu finding(s) open, %zu probe(s), %zu failing, %zu output(s)",
                 tt_state_n_active(d->state), enabled, failing, d->n_sinks);
        /* Every evaluation would be a message to systemd: only changes. */
        if (streq(status, d->status))
                return;
        strscpy(d->status, sizeof(d->status), status);
        sd_notify(false, status);
}

/* A probe's remark goes to stderr once, when it changes. */
static void probe_note(struct probe_run *p, const char *note) {
        if (streq(note, p->note))
                return;
        if (note[0])
                say("probe %s: %s", p->probe->name, note);
        strscpy(p->note, sizeof(p->note), note);
}

static int on_due(sd_event_source *es, uint64_t usec, void *userdata);

/* Everything cached goes through the core; the state turns what is found
 * into events. */
static int evaluate(struct daemon *d) {
        usec_t now = now_realtime();
        tt_core_reset(d->core);
        usec_t expires = TT_USEC_INFINITY;
        for (size_t i = 0; i < d->n_probes; i++) {
                struct probe_run *p = &d->probes[i];
                struct tt_observation o;
                for (size_t j = 0; j < p->n_cache; j++) {
                        observation_from(&p->cache[j], &o);
                        tt_core_observe(d->core, p->probe->name, &o, now);
                }
                /* What an event probe remarked since (capture lost an interface, ...) */
                if (p->watch_ctx)
                        probe_note(p, p->watch_ctx->note);
                watched_expire(p, now);
                for (size_t j = 0; j < p->n_watched; j++) {
                        observation_from(&p->watched[j].obs, &o);
                        tt_core_observe(d->core, p->probe->name, &o, now);
                        expires = MIN(expires, p->watched[j].seen + WATCH_TTL_USEC);
                }
        }
        int r = tt_core_flush(d->core, now);
        if (r < 0)
                return r;
        size_t n = tt_core_n_findings(d->core), k = 0;
        _cleanup_free_ const struct tt_finding **v = calloc(n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct tt_finding *f = tt_core_finding(d->core, i);
                /* The network context is info by design and must still reach
                 * the SOC: the fleet view is built from it. */
                if (f->severity >= d->setup->cfg.min_severity || f->category == TT_CATEGORY_CONTEXT)
                        v[k++] = f;
        }
        if ((r = tt_state_update(d->state, v, k, now, emit_event, d)) < 0)
                return r;
        if (tt_state_dirty(d->state) && (r = tt_state_save(d->state, d->state_path)) < 0)
                say("cannot save the alert state to %s: %s", d->state_path, strerror(-r));

        usec_t due = MIN(tt_state_next_due(d->state), expires);
        d->due = sd_event_source_disable_unref(d->due);
        if (due != TT_USEC_INFINITY)
                sd_event_add_time(d->event, &d->due, CLOCK_REALTIME, due, USEC_PER_SEC, on_due, d);
        status_update(d);
        return 0;
}

static int on_due(sd_event_source *es, uint64_t usec, void *userdata) {
        struct daemon *d = userdata;
        int r = evaluate(d);
        if (r < 0)
                say("evaluation failed: %s", strerror(-r));
        return 0;
}

struct scan {
        struct daemon *d;
        size_t n, cap;
        struct tt_evidence *obs;
        size_t dropped;
};

/* Only observations that match a rule are kept for evaluation: most of what
 * probes see (every process, every socket) never will. */
static int scan_emit(void *userdata, const char *probe, const struct tt_observation *o) {
        struct scan *sc = userdata;
        tt_core_reset(sc->d->scratch);
        int r = tt_core_observe(sc->d->scratch, probe, o, 0);
        if (r < 0)
                return r;
        if (tt_core_n_findings(sc->d->scratch) == 0)
                return 0;
        if (sc->n == CACHE_MAX) {
                sc->dropped++;
                return 0;
        }
        if (sc->n == sc->cap) {
                size_t cap = sc->cap ? sc->cap * 2 : 16;
                struct tt_evidence *v = realloc(sc->obs, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                sc->obs = v;
                sc->cap = cap;
        }
        if ((r = tt_evidence_copy(&sc->obs[sc->n], probe, o)) < 0)
                return r;
        sc->n++;
        return 0;
}

static void probe_failed(struct daemon *d, struct probe_run *p, int r) {
        p->failures++;
        if (p->failures == 1)
                say("probe %s failed: %s; what it saw last stays", p->probe->name, strerror(-r));
        if (p->failures == PROBE_FAILURES_TAMPER && !p->tamper_open) {
                char summary[256];
                snprintf(summary, sizeof(summary), "probe %s failed %u times in a row: %s", p->probe->name,
                         p->failures, strerror(-r));
                self_event(d, &rule_probe_failing, TT_EVENT_NEW, p->probe->name, summary);
                p->tamper_open = true;
        }
}

/* One pass of a probe. What a failed pass saw is thrown away and the last
 * good pass stays: breaking a probe must not clear its findings. */
static int probe_scan(struct daemon *d, struct probe_run *p) {
        const struct tt_probe_config *pc = tt_config_probe(&d->setup->cfg, p->probe->name);
        struct scan sc = { .d = d };
        struct tt_probe_ctx ctx = {
                .root = &d->root,
                .options = pc ? pc->node : NULL,
                .catalog_paths = (const char *const *) d->setup->catalog_paths,
                .config = &d->setup->cfg,
                .emit = scan_emit,
                .userdata = &sc,
                .probe_name = p->probe->name,
        };
        int r = p->probe->scan(&ctx);
        if (r < 0) {
                for (size_t i = 0; i < sc.n; i++)
                        tt_evidence_free(&sc.obs[i]);
                free(sc.obs);
                probe_failed(d, p, r);
                return r;
        }
        cache_clear(p);
        p->cache = sc.obs;
        p->n_cache = sc.n;
        if (p->failures > 0)
                say("probe %s works again", p->probe->name);
        if (p->tamper_open) {
                char summary[128];
                snprintf(summary, sizeof(summary), "probe %s works again", p->probe->name);
                self_event(d, &rule_probe_failing, TT_EVENT_CLEARED, p->probe->name, summary);
                p->tamper_open = false;
        }
        p->failures = 0;
        if (sc.dropped)
                snprintf(ctx.note, sizeof(ctx.note), "%zu matching observations beyond %d not kept", sc.dropped,
                         CACHE_MAX);
        probe_note(p, ctx.note);
        return 0;
}

static int on_probe_timer(sd_event_source *es, uint64_t usec, void *userdata);

static void probe_arm(struct daemon *d, struct probe_run *p, usec_t delay) {
        p->timer = sd_event_source_disable_unref(p->timer);
        if (!p->enabled || !p->probe->scan)
                return;
        /* The accuracy lets the kernel wake us for several timers at once. */
        sd_event_add_time_relative(d->event, &p->timer, CLOCK_MONOTONIC, delay, p->interval / 20, on_probe_timer, d);
}

static int on_probe_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        struct daemon *d = userdata;
        for (size_t i = 0; i < d->n_probes; i++) {
                struct probe_run *p = &d->probes[i];
                if (p->timer != es)
                        continue;
                probe_scan(d, p);
                /* ten thousand laptops must not report in step */
                probe_arm(d, p, p->interval + jitter(p->interval / 10));
                break;
        }
        int r = evaluate(d);
        if (r < 0)
                say("evaluation failed: %s", strerror(-r));
        return 0;
}

static int on_debounce(sd_event_source *es, uint64_t usec, void *userdata) {
        struct daemon *d = userdata;
        d->debounce = sd_event_source_disable_unref(d->debounce);
        for (size_t i = 0; i < d->n_probes; i++) {
                struct probe_run *p = &d->probes[i];
                if (!p->pending)
                        continue;
                p->pending = false;
                if (p->enabled && p->probe->scan)
                        probe_scan(d, p);
        }
        int r = evaluate(d);
        if (r < 0)
                say("evaluation failed: %s", strerror(-r));
        return 0;
}

static void rescan_soon(struct daemon *d) {
        if (!d->debounce)
                sd_event_add_time_relative(d->event, &d->debounce, CLOCK_MONOTONIC, DEBOUNCE_USEC, 0, on_debounce, d);
}

static bool probe_wants_subsystem(const struct tt_probe *p, const char *subsystem) {
        for (size_t i = 0; p->udev_subsystems && p->udev_subsystems[i]; i++)
                if (streq(p->udev_subsystems[i], subsystem))
                        return true;
        return false;
}

static int on_uevent(sd_device_monitor *m, sd_device *dev, void *userdata) {
        struct daemon *d = userdata;
        const char *subsystem = NULL;
        if (sd_device_get_subsystem(dev, &subsystem) < 0 || !subsystem)
                return 0;
        bool any = false;
        for (size_t i = 0; i < d->n_probes; i++)
                if (d->probes[i].enabled && probe_wants_subsystem(d->probes[i].probe, subsystem)) {
                        d->probes[i].pending = true;
                        any = true;
                }
        if (any)
                rescan_soon(d);
        return 0;
}

static int udev_start(struct daemon *d) {
        _cleanup_free_ const char **subsystems = calloc(1, sizeof(char *));
        size_t n = 0;
        for (size_t i = 0; i < d->n_probes; i++) {
                const struct tt_probe *p = d->probes[i].probe;
                for (size_t j = 0; d->probes[i].enabled && p->udev_subsystems && p->udev_subsystems[j]; j++) {
                        bool seen = false;
                        for (size_t k = 0; k < n && !seen; k++)
                                seen = streq(subsystems[k], p->udev_subsystems[j]);
                        if (seen)
                                continue;
                        const char **v = realloc(subsystems, (n + 2) * sizeof(char *));
                        if (!v)
                                return -ENOMEM;
                        subsystems = v;
                        subsystems[n++] = p->udev_subsystems[j];
                }
        }
        if (n == 0)
                return 0;
        int r = sd_device_monitor_new(&d->udev);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(d->udev, subsystems[i], NULL);
        if (r >= 0)
                r = sd_device_monitor_attach_event(d->udev, d->event);
        if (r >= 0)
                r = sd_device_monitor_start(d->udev, on_uevent, d);
        if (r < 0) {
                say("cannot watch udev events: %s; devices are seen at the next periodic scan only", strerror(-r));
                d->udev = sd_device_monitor_unref(d->udev);
        }
        return 0;
}

static int on_netlink(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct daemon *d = userdata;
        char buf[8192];
        /* What changed does not matter: the probes read the whole picture. */
        while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
                ;
        for (size_t i = 0; i < d->n_probes; i++) {
                struct probe_run *p = &d->probes[i];
                if (p->enabled && p->probe->netlink_rescan) {
                        p->pending = true;
                        rescan_soon(d);
                }
                if (p->watch && p->probe->netlink_changed)
                        p->probe->netlink_changed(p->watch);
        }
        return 0;
}

static int netlink_start(struct daemon *d) {
        bool wanted = false;
        for (size_t i = 0; i < d->n_probes; i++)
                wanted = wanted || (d->probes[i].enabled &&
                                    (d->probes[i].probe->netlink_rescan || d->probes[i].probe->netlink_changed));
        if (!wanted)
                return 0;
        struct sockaddr_nl sa = {
                .nl_family = AF_NETLINK,
                .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
                             RTMGRP_IPV6_ROUTE,
        };
        d->netlink_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
        if (d->netlink_fd < 0 || bind(d->netlink_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            sd_event_add_io(d->event, &d->netlink, d->netlink_fd, EPOLLIN, on_netlink, d) < 0) {
                say("cannot watch network changes: %s; they are seen at the next periodic scan only", strerror(errno));
                if (d->netlink_fd >= 0)
                        close(d->netlink_fd);
                d->netlink_fd = -1;
        }
        return 0;
}

static int on_login(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct daemon *d = userdata;
        sd_login_monitor_flush(d->login);
        for (size_t i = 0; i < d->n_probes; i++)
                if (d->probes[i].enabled && d->probes[i].probe->session_rescan) {
                        d->probes[i].pending = true;
                        rescan_soon(d);
                }
        return 0;
}

static void login_start(struct daemon *d) {
        bool wanted = false;
        for (size_t i = 0; i < d->n_probes; i++)
                wanted = wanted || (d->probes[i].enabled && d->probes[i].probe->session_rescan);
        if (!wanted || !d->root.live)
                return;
        int r = sd_login_monitor_new("session", &d->login);
        if (r >= 0)
                r = sd_event_add_io(d->event, &d->login_source, sd_login_monitor_get_fd(d->login),
                                    (uint32_t) sd_login_monitor_get_events(d->login), on_login, d);
        if (r < 0) {
                say("cannot watch logind sessions: %s; they are seen at the next periodic scan only", strerror(-r));
                d->login_source = sd_event_source_disable_unref(d->login_source);
                d->login = sd_login_monitor_unref(d->login);
        }
}

static int on_heartbeat(sd_event_source *es, uint64_t usec, void *userdata);

static void heartbeat_arm(struct daemon *d, size_t i) {
        uint64_t interval = tt_sink_heartbeat_usec(d->sinks[i]);
        if (interval == 0)
                return;
        d->heartbeats[i] = sd_event_source_disable_unref(d->heartbeats[i]);
        sd_event_add_time_relative(d->event, &d->heartbeats[i], CLOCK_MONOTONIC, interval + jitter(interval / 10),
                                   interval / 20, on_heartbeat, d);
}

static int on_heartbeat(sd_event_source *es, uint64_t usec, void *userdata) {
        struct daemon *d = userdata;
        for (size_t i = 0; i < d->n_sinks; i++) {
                if (d->heartbeats[i] != es)
                        continue;
                char status[128], summary[1024];
                size_t failing = 0;
                for (size_t j = 0; j < d->n_probes; j++)
                        failing += d->probes[j].enabled && d->probes[j].failures > 0;
                tt_sink_status(d->sinks[i], status, sizeof(status));
                usec_t up = (now_realtime() - d->started) / USEC_PER_SEC;
                int len = snprintf(summary, sizeof(summary),
                                   "telltale " TT_VERSION " running for %llus: %zu finding(s) open, %zu probe(s) "
                                   "failing, this output %s",
                                   (unsigned long long) up, tt_state_n_active(d->state), failing, status);
                /* What the probes remark (a capture that loses packets, a missing
                 * fleet key) is a blind spot the SOC should see, not only the journal. */
                for (size_t j = 0; j < d->n_probes && len > 0 && (size_t) len < sizeof(summary); j++)
                        if (d->probes[j].enabled && d->probes[j].note[0])
                                len += snprintf(summary + len, sizeof(summary) - (size_t) len, "; %s: %s",
                                                d->probes[j].probe->name, d->probes[j].note);
                usec_t now = now_realtime();
                struct tt_finding f = {
                        .event = TT_EVENT_ONGOING,
                        .rule = &rule_heartbeat,
                        .subject = d->host,
                        .category = rule_heartbeat.category,
                        .severity = rule_heartbeat.severity,
                        .confidence = 100,
                        .summary = summary,
                        .first_seen = d->started,
                        .last_seen = now,
                };
                tt_finding_id(d->host, rule_heartbeat.id, d->host, f.id);
                tt_sink_send(d->sinks[i], &f);
                heartbeat_arm(d, i);
                break;
        }
        return 0;
}

static void sinks_free(struct daemon *d) {
        for (size_t i = 0; i < d->n_sinks; i++) {
                sd_event_source_disable_unref(d->heartbeats[i]);
                tt_sink_free(d->sinks[i]);
        }
        free(d->sinks);
        free(d->heartbeats);
        d->sinks = NULL;
        d->heartbeats = NULL;
        d->n_sinks = 0;
}

/* Every configured output; without any, stdout in the foreground and the
 * journal otherwise. One that can't start says so and the others go on. */
static int sinks_start(struct daemon *d) {
        const struct tt_config *cfg = &d->setup->cfg;
        struct tt_output_config fallback = {
                .type = d->args.foreground ? TT_OUTPUT_STDOUT : TT_OUTPUT_JOURNAL,
                .format = TT_FORMAT_TEXT,
        };
        size_t n = cfg->n_outputs ? cfg->n_outputs : 1;
        const struct tt_output_config *outputs = cfg->n_outputs ? cfg->outputs : &fallback;
        d->sinks = calloc(n, sizeof(*d->sinks));
        d->heartbeats = calloc(n, sizeof(*d->heartbeats));
        if (!d->sinks || !d->heartbeats)
                return -ENOMEM;
        struct tt_sink_env env = {
                .event = d->event,
                .host = d->host,
                .state_dir = cfg->state_dir,
                .report = sink_report,
                .userdata = d,
        };
        for (size_t i = 0; i < n; i++) {
                struct tt_sink *s;
                int r = tt_sink_new(&outputs[i], &env, &s);
                if (r < 0) {
                        say("output %zu: cannot set up: %s", i + 1, strerror(-r));
                        continue;
                }
                tt_sink_start(s);
                d->sinks[d->n_sinks] = s;
                heartbeat_arm(d, d->n_sinks);
                d->n_sinks++;
        }
        return 0;
}

static int state_dir_make(const char *dir) {
        char buf[4096];
        if (strscpy(buf, sizeof(buf), dir))
                return -ENAMETOOLONG;
        for (char *p = buf + 1;; p++) {
                if (*p && *p != '/')
                        continue;
                char c = *p;
                *p = '\0';
                if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                        return -errno;
                if (!c)
                        return 0;
                *p = c;
        }
}

static void state_open(struct daemon *d) {
        const struct tt_config *cfg = &d->setup->cfg;
        struct tt_state_config sc = {
                .host = d->host,
                .ongoing_interval_usec = cfg->ongoing_interval_usec,
                .rate_events = cfg->rate_limit.events,
                .rate_interval_usec = cfg->rate_limit.interval_usec,
        };
        if (d->state) {
                tt_state_set_config(d->state, &sc);
                return;
        }
        if (tt_state_new(&sc, &d->state) < 0)
                return;
        int r = state_dir_make(cfg->state_dir);
        if (r < 0)
                say("cannot create %s: %s; the alert state will not survive a restart", cfg->state_dir, strerror(-r));
        snprintf(d->state_path, sizeof(d->state_path), "%s/state", cfg->state_dir);
        r = tt_state_load(d->state, d->state_path);
        if (r == -EBADMSG)
                say("%s is damaged; starting with an empty alert state (open findings are announced again)",
                    d->state_path);
        else if (r < 0 && r != -ENOENT)
                say("cannot read %s: %s; starting with an empty alert state", d->state_path, strerror(-r));
}

static int cores_new(struct daemon *d) {
        struct tt_core *core = NULL, *scratch = NULL;
        int r = tt_core_new(&d->setup->cfg, &d->setup->cat, d->host, &core);
        if (r >= 0)
                r = tt_core_new(&d->setup->cfg, &d->setup->cat, d->host, &scratch);
        if (r < 0) {
                tt_core_free(core);
                return r;
        }
        tt_core_free(d->core);
        tt_core_free(d->scratch);
        d->core = core;
        d->scratch = scratch;
        return 0;
}

/* Probe settings from the config; every enabled probe scans now and then
 * on its timer. */
static void probes_configure(struct daemon *d) {
        for (size_t i = 0; i < d->n_probes; i++) {
                struct probe_run *p = &d->probes[i];
                const struct tt_probe_config *pc = tt_config_probe(&d->setup->cfg, p->probe->name);
                p->enabled = tt_setup_probe_enabled(d->setup, p->probe);
                p->interval = pc && pc->interval_usec ? pc->interval_usec : DEFAULT_INTERVAL_USEC;
                if (!p->enabled)
                        cache_clear(p);
        }
}

static void probes_scan_all(struct daemon *d) {
        for (size_t i = 0; i < d->n_probes; i++) {
                struct probe_run *p = &d->probes[i];
                if (!p->enabled || !p->probe->scan)
                        continue;
                probe_scan(d, p);
                probe_arm(d, p, p->interval + jitter(p->interval / 5));
        }
}

struct watch_userdata {
        struct daemon *d;
        struct probe_run *p;
};

/* Keeps the order of last sight: the entry moves to the end. */
static void watched_touch(struct probe_run *p, size_t i, usec_t now) {
        struct watched w = p->watched[i];
        w.seen = now;
        memmove(p->watched + i, p->watched + i + 1, (p->n_watched - i - 1) * sizeof(*p->watched));
        p->watched[p->n_watched - 1] = w;
}

/* An event probe saw something: kept if it matches, refreshed if it was
 * seen before, and evaluated after the usual short delay. */
static int watch_emit(void *userdata, const char *probe, const struct tt_observation *o) {
        struct watch_userdata *w = userdata;
        struct probe_run *p = w->p;
        tt_core_reset(w->d->scratch);
        int r = tt_core_observe(w->d->scratch, probe, o, 0);
        if (r < 0 || tt_core_n_findings(w->d->scratch) == 0)
                return r;
        usec_t now = now_realtime();
        size_t i;
        for (i = 0; i < p->n_watched && !evidence_same(&p->watched[i].obs, o); i++)
                ;
        if (i == p->n_watched) {
                struct tt_evidence copy;
                if ((r = tt_evidence_copy(&copy, probe, o)) < 0)
                        return r;
                if (p->n_watched == CACHE_MAX) {
                        /* A flood pushes out the oldest. */
                        tt_evidence_free(&p->watched[0].obs);
                        i = 0;
                } else {
                        struct watched *v = realloc(p->watched, (p->n_watched + 1) * sizeof(*v));
                        if (!v) {
                                tt_evidence_free(&copy);
                                return -ENOMEM;
                        }
                        p->watched = v;
                        i = p->n_watched++;
                }
                p->watched[i].obs = copy;
        }
        watched_touch(p, i, now);
        rescan_soon(w->d);
        return 0;
}

static void watch_stop(struct probe_run *p) {
        if (p->watch && p->probe->unwatch)
                p->probe->unwatch(p->watch);
        p->watch = NULL;
        if (p->watch_ctx)
                free(p->watch_ctx->userdata);
        p->watch_ctx = mfree(p->watch_ctx);
}

static void watches_stop(struct daemon *d) {
        for (size_t i = 0; i < d->n_probes; i++)
                watch_stop(&d->probes[i]);
}

/* A session still carries traffic: what was seen of it stays (its finding
 * does not clear while it goes on). */
static void watch_still_seen(void *userdata, const char *probe, const char *subject) {
        struct watch_userdata *w = userdata;
        struct probe_run *p = w->p;
        usec_t now = now_realtime();
        /* Each entry once: a touched one moves to the end and the next takes its place. */
        size_t i = 0;
        for (size_t left = p->n_watched; left > 0; left--)
                if (streq(p->watched[i].obs.subject, subject))
                        watched_touch(p, i, now);
                else
                        i++;
}

/* Event probes start with the current setup; a reload stops and starts them again. */
static void watches_start(struct daemon *d) {
        for (size_t i = 0; i < d->n_probes; i++) {
                struct probe_run *p = &d->probes[i];
                if (!p->enabled || !p->probe->watch)
                        continue;
                if (p->probe->packet_capture && d->sandboxed && !d->capture_kept) {
                        say("probe %s: packet capture was not allowed at start-up; it needs a restart", p->probe->name);
                        continue;
                }
                const struct tt_probe_config *pc = tt_config_probe(&d->setup->cfg, p->probe->name);
                struct watch_userdata *w = calloc(1, sizeof(*w));
                p->watch_ctx = calloc(1, sizeof(*p->watch_ctx));
                if (!w || !p->watch_ctx) {
                        free(w);
                        p->watch_ctx = mfree(p->watch_ctx);
                        say("probe %s: out of memory", p->probe->name);
                        continue;
                }
                *w = (struct watch_userdata){ d, p };
                *p->watch_ctx = (struct tt_probe_ctx){
                        .root = &d->root,
                        .options = pc ? pc->node : NULL,
                        .catalog_paths = (const char *const *) d->setup->catalog_paths,
                        .config = &d->setup->cfg,
                        .emit = watch_emit,
                        .still_seen = watch_still_seen,
                        .userdata = w,
                        .probe_name = p->probe->name,
                };
                int r = p->probe->watch(p->watch_ctx, d->event, &p->watch);
                probe_note(p, p->watch_ctx->note[0] || r != -EOPNOTSUPP ? p->watch_ctx->note : "not available here");
                if (r < 0 && r != -EOPNOTSUPP)
                        probe_failed(d, p, r);
                if (r < 0)
                        watch_stop(p);
        }
}

static int setup_load(struct daemon *d, struct tt_setup **ret, char *err_text, size_t size) {
        struct tt_setup *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        struct tt_error err = {};
        int r = tt_setup_load(d->args.config, s, &err);
        if (r < 0) {
                strscpy(err_text, size, err.msg[0] ? err.msg : strerror(-r));
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

static void setup_free(struct tt_setup *s) {
        if (!s)
                return;
        tt_setup_free(s);
        free(s);
}

static void reload(struct daemon *d) {
        sd_notify(false, "RELOADING=1");
        char err[1024];
        struct tt_setup *s;
        int r = setup_load(d, &s, err, sizeof(err));
        if (r < 0) {
                say("reload refused, the last good configuration stays: %s", err);
                char summary[1200];
                snprintf(summary, sizeof(summary), "reload refused, the last good configuration stays: %s", err);
                self_event(d, &rule_reload_failed, TT_EVENT_NEW, "config", summary);
                d->reload_failed = true;
                sd_notify(false, "READY=1");
                return;
        }
        /* Outputs close (spools synced) before the new ones open the same spools. */
        sinks_free(d);
        struct tt_setup *old = d->setup;
        char old_host[sizeof(d->host)];
        strscpy(old_host, sizeof(old_host), d->host);
        d->setup = s;
        tt_setup_host(d->setup, &d->root, d->host, sizeof(d->host));
        if ((r = cores_new(d)) < 0) {
                say("reload failed: %s; the last good configuration stays", strerror(-r));
                d->setup = old;
                strscpy(d->host, sizeof(d->host), old_host);
                setup_free(s);
                sinks_start(d);
                sd_notify(false, "READY=1");
                return;
        }
        /* The event probes hold the old setup's options. */
        watches_stop(d);
        setup_free(old);
        state_open(d);
        sinks_start(d);
        if (d->reload_failed)
                self_event(d, &rule_reload_failed, TT_EVENT_CLEARED, "config", "the configuration loads again");
        d->reload_failed = false;
        probes_configure(d);
        watches_start(d);
        /* A new catalog may match what the old one let pass: look again. */
        probes_scan_all(d);
        if ((r = evaluate(d)) < 0)
                say("evaluation failed: %s", strerror(-r));
        say("reloaded %s: %zu rules, %zu output(s)", d->setup->cfg.path ? d->setup->cfg.path : "built-in defaults",
            d->setup->cat.n_rules, d->n_sinks);
        sd_notify(false, "READY=1");
}

static int on_stop_poll(sd_event_source *es, uint64_t usec, void *userdata) {
        struct daemon *d = userdata;
        bool idle = true;
        for (size_t i = 0; i < d->n_sinks && idle; i++)
                idle = tt_sink_idle(d->sinks[i]);
        usec_t now;
        sd_event_now(d->event, CLOCK_MONOTONIC, &now);
        if (idle || now >= d->stop_deadline)
                return sd_event_exit(d->event, 0);
        sd_event_source_set_time_relative(es, STOP_POLL_USEC);
        return sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
}

static void stop(struct daemon *d, const char *why) {
        if (d->stopping)
                return;
        d->stopping = true;
        sd_notify(false, "STOPPING=1");
        char summary[128];
        snprintf(summary, sizeof(summary), "telltale stopping (%s); nothing is watched until it runs again", why);
        self_event(d, &rule_stopping, TT_EVENT_NEW, d->host, summary);
        for (size_t i = 0; i < d->n_probes; i++)
                d->probes[i].timer = sd_event_source_disable_unref(d->probes[i].timer);
        d->debounce = sd_event_source_disable_unref(d->debounce);
        d->due = sd_event_source_disable_unref(d->due);
        usec_t now;
        sd_event_now(d->event, CLOCK_MONOTONIC, &now);
        d->stop_deadline = now + STOP_DRAIN_USEC;
        /* Outputs get a moment to deliver, the stop event first of all. */
        if (sd_event_add_time_relative(d->event, &d->stop_poll, CLOCK_MONOTONIC, STOP_POLL_USEC, 0, on_stop_poll, d) <
            0)
                sd_event_exit(d->event, 0);
}

static int on_signal(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata) {
        struct daemon *d = userdata;
        if (si->ssi_signo == SIGHUP && !d->stopping)
                reload(d);
        else if (si->ssi_signo == SIGTERM || si->ssi_signo == SIGINT)
                stop(d, si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
        return 0;
}

static int on_watchdog(sd_event_source *es, uint64_t usec, void *userdata) {
        const uint64_t *interval = userdata;
        sd_notify(false, "WATCHDOG=1");
        sd_event_source_set_time_relative(es, *interval);
        return sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
}

static void daemon_free(struct daemon *d) {
        for (size_t i = 0; i < d->n_probes; i++) {
                sd_event_source_disable_unref(d->probes[i].timer);
                cache_clear(&d->probes[i]);
                watched_clear(&d->probes[i]);
                watch_stop(&d->probes[i]);
        }
        free(d->probes);
        sinks_free(d);
        if (d->state && tt_state_dirty(d->state))
                tt_state_save(d->state, d->state_path);
        tt_state_free(d->state);
        tt_core_free(d->core);
        tt_core_free(d->scratch);
        sd_event_source_disable_unref(d->debounce);
        sd_event_source_disable_unref(d->due);
        sd_event_source_disable_unref(d->stop_poll);
        sd_event_source_disable_unref(d->netlink);
        sd_event_source_disable_unref(d->login_source);
        sd_login_monitor_unref(d->login);
        sd_device_monitor_unref(d->udev);
        if (d->netlink_fd >= 0)
                close(d->netlink_fd);
        tt_buf_free(&d->buf);
        setup_free(d->setup);
        tt_root_close(&d->root);
        sd_event_unref(d->event);
}

int tt_daemon_run(const struct tt_daemon_args *a) {
        struct daemon d = { .args = *a, .netlink_fd = -1, .root = { .fd = -1 } };
        char err[1024];
        int status = 2;
        uint64_t watchdog_usec = 0, half;

        if (setup_load(&d, &d.setup, err, sizeof(err)) < 0) {
                say("%s", err);
                return 2;
        }
        int r = tt_root_open(a->root, &d.root);
        if (r < 0) {
                say("--root %s: %s", a->root, strerror(-r));
                goto out;
        }
        unsigned seed;
        if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
                seed = (unsigned) (getpid() ^ now_realtime());
        srandom(seed);
        d.started = now_realtime();
        tt_setup_host(d.setup, &d.root, d.host, sizeof(d.host));

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        if ((r = sd_event_default(&d.event)) < 0 ||
            (r = sd_event_add_signal(d.event, NULL, SIGTERM, on_signal, &d)) < 0 ||
            (r = sd_event_add_signal(d.event, NULL, SIGINT, on_signal, &d)) < 0 ||
            (r = sd_event_add_signal(d.event, NULL, SIGHUP, on_signal, &d)) < 0) {
                say("cannot set up the event loop: %s", strerror(-r));
                goto out;
        }
        if ((r = cores_new(&d)) < 0) {
                say("%s", strerror(-r));
                goto out;
        }
        state_open(&d);
        if (!d.state) {
                say("out of memory");
                goto out;
        }
        while (tt_probes[d.n_probes])
                d.n_probes++;
        d.probes = calloc(d.n_probes + 1, sizeof(*d.probes));
        if (!d.probes) {
                say("out of memory");
                goto out;
        }
        for (size_t i = 0; i < d.n_probes; i++)
                d.probes[i].probe = tt_probes[i];
        probes_configure(&d);
        if ((r = sinks_start(&d)) < 0) {
                say("%s", strerror(-r));
                goto out;
        }
        /* Watch before the first scan, so nothing plugged in meanwhile is missed. */
        udev_start(&d);
        netlink_start(&d);
        login_start(&d);
        probes_scan_all(&d);
        watches_start(&d);
        /* Capture privileges stay only when capture runs now, so a reload can reopen it. */
        for (size_t i = 0; i < d.n_probes; i++)
                d.capture_kept = d.capture_kept || (d.probes[i].probe->packet_capture && d.probes[i].watch);
        if ((r = tt_sandbox_enter(&(const struct tt_sandbox_opts){ .capture = d.capture_kept, .other_users = true })) <
            0) {
                say("cannot enter the sandbox: %s", strerror(-r));
                goto out;
        }
        d.sandboxed = true;
        if ((r = evaluate(&d)) < 0)
                say("evaluation failed: %s", strerror(-r));

        if (sd_watchdog_enabled(false, &watchdog_usec) > 0 && watchdog_usec > 0) {
                half = watchdog_usec / 2;
                sd_event_add_time_relative(d.event, &d.watchdog, CLOCK_MONOTONIC, half, 0, on_watchdog, &half);
        }
        size_t enabled = 0;
        for (size_t i = 0; i < d.n_probes; i++)
                enabled += d.probes[i].enabled;
        say("watching %s with %zu probe(s) and %zu rule(s); %zu output(s)", d.root.live ? "this system" : a->root,
            enabled, d.setup->cat.n_rules, d.n_sinks);
        sd_notify(false, "READY=1");

        r = sd_event_loop(d.event);
        status = r < 0 ? 2 : 0;
        if (r < 0)
                say("event loop failed: %s", strerror(-r));
out:
        sd_event_source_disable_unref(d.watchdog);
        daemon_free(&d);
        return status;
}
