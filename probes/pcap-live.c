/* SPDX-License-Identifier: MIT */
/* Live capture for the network probe: libpcap handles on the laptop's
 * interfaces, the kernel filter tt_netprobe_bpf on each, non-blocking and in
 * immediate mode, their fds in the daemon's sd-event loop. Opening needs
 * CAP_NET_RAW; reading the open handles needs nothing. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "error.h"
#include "pcap.h"
#include "util.h"
#include "yaml-node.h"

/* Enough for the reassembly buffer's worth of a coalesced (GRO) segment. */
#define LIVE_SNAPLEN (TT_FLOW_DIR_BYTES + 256)
/* The filter passes little: a 256 KiB ring holds hundreds of handshakes
 * between two reads, and it is resident memory all the time. */
#define LIVE_BUFFER (256 << 10)
/* Frames read per wakeup, so one busy interface cannot starve the loop. */
#define LIVE_BATCH 1024
#define LIVE_LOCAL_MAX 64
/* Capture handles: interfaces named in the config. */
#define LIVE_SOURCES_MAX 64
#define LIVE_DROPS_CHECK_USEC (60 * 1000000ULL)

struct live_handle {
        pcap_t *pcap;
        int fd;
        int linktype;
        char name[IFNAMSIZ];
};

struct tt_netprobe_live {
        struct tt_netprobe *np;
        size_t n;
        struct live_handle h[];
};

static int pcap_status_errno(int status) {
        switch (status) {
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
                return -EPERM;
        case PCAP_ERROR_NO_SUCH_DEVICE:
                return -ENODEV;
        case PCAP_ERROR_IFACE_NOT_UP:
                return -ENETDOWN;
        default:
                return -EIO;
        }
}

int tt_netprobe_filter_compile(pcap_t *p, bool skip_loopback, struct bpf_program *ret) {
        _cleanup_free_ char *expr = NULL;
        int r;
        if (pcap_datalink(p) == DLT_EN10MB)
                /* libpcap's "vlan" shifts the offsets of everything after it: it comes last. */
                r = asprintf(&expr, "(%s) or (vlan and (%s))", tt_netprobe_bpf, tt_netprobe_bpf);
        else if (skip_loopback)
                /* The kernel gives loopback ifindex 1 in every namespace (LOOPBACK_IFINDEX). */
                r = asprintf(&expr, "not ifindex 1 and (%s)", tt_netprobe_bpf);
        else
                r = asprintf(&expr, "%s", tt_netprobe_bpf);
        if (r < 0)
                return -ENOMEM;
        return pcap_compile(p, ret, expr, 1, PCAP_NETMASK_UNKNOWN) < 0 ? -EINVAL : 0;
}

/* "any" (every interface, also those that come up later) reads Linux cooked
 * v2 frames, whose interface index lets the filter leave loopback out. */
static int handle_open(const char *name, bool skip_loopback, struct live_handle *ret, char *err, size_t err_size) {
        char errbuf[PCAP_ERRBUF_SIZE] = "";
        pcap_t *p = pcap_create(name, errbuf);
        if (!p) {
                snprintf(err, err_size, "%s: %s", name, errbuf);
                return -ENODEV;
        }
        struct bpf_program prog = {};
        int r = 0, status;
        if (pcap_set_snaplen(p, LIVE_SNAPLEN) < 0 || pcap_set_promisc(p, 0) < 0 ||
            pcap_set_immediate_mode(p, 1) < 0 || pcap_set_buffer_size(p, LIVE_BUFFER) < 0) {
                snprintf(err, err_size, "%s: %s", name, pcap_geterr(p));
                r = -EINVAL;
                goto fail;
        }
        if ((status = pcap_activate(p)) < 0) {
                snprintf(err, err_size, "%s: %s", name, pcap_statustostr(status));
                if (status == PCAP_ERROR)
                        snprintf(err, err_size, "%s: %s", name, pcap_geterr(p));
                r = pcap_status_errno(status);
                goto fail;
        }
        if (skip_loopback && pcap_set_datalink(p, DLT_LINUX_SLL2) < 0) {
                snprintf(err, err_size, "%s: %s", name, pcap_geterr(p));
                r = -EINVAL;
                goto fail;
        }
        if (tt_netprobe_filter_compile(p, skip_loopback, &prog) < 0 || pcap_setfilter(p, &prog) < 0 ||
            pcap_setnonblock(p, 1, errbuf) < 0) {
                snprintf(err, err_size, "%s: %s", name, errbuf[0] ? errbuf : pcap_geterr(p));
                r = -EINVAL;
                goto fail;
        }
        pcap_freecode(&prog);
        *ret = (struct live_handle) { .pcap = p, .fd = pcap_get_selectable_fd(p), .linktype = pcap_datalink(p) };
        strscpy(ret->name, sizeof(ret->name), name);
        if (ret->fd < 0) {
                snprintf(err, err_size, "%s: no file descriptor to wait on", name);
                r = -EIO;
                goto fail;
        }
        return 0;
fail:
        pcap_freecode(&prog);
        pcap_close(p);
        return r;
}

int tt_netprobe_live_open(struct tt_netprobe *np, const char *const *ifaces, struct tt_netprobe_live **ret,
                          char *err, size_t err_size) {
        static const char *const any[] = { "any", NULL };
        bool has_any = false, has_loopback = false;
        size_t n = 0;
        err[0] = '\0';
        if (!ifaces || !ifaces[0])
                ifaces = any;
        for (; ifaces[n]; n++) {
                has_any = has_any || streq(ifaces[n], "any");
                has_loopback = has_loopback || if_nametoindex(ifaces[n]) == 1;
        }
        /* "any" covers every other name listed. */
        if (has_any)
                n = 1;
        struct tt_netprobe_live *l = calloc(1, sizeof(*l) + n * sizeof(struct live_handle));
        if (!l)
                return -ENOMEM;
        l->np = np;
        /* An interface that cannot be opened is reported; the others still capture. */
        int first_error = 0;
        for (size_t i = 0; i < n; i++) {
                char msg[PCAP_ERRBUF_SIZE + IFNAMSIZ + 8];
                const char *name = has_any ? "any" : ifaces[i];
                int r = handle_open(name, has_any && !has_loopback, &l->h[l->n], msg, sizeof(msg));
                if (r >= 0) {
                        l->n++;
                        continue;
                }
                if (!first_error)
                        first_error = r;
                size_t used = strlen(err);
                snprintf(err + used, err_size - used, "%s%s", used ? "; " : "", msg);
        }
        if (l->n == 0) {
                free(l);
                return first_error;
        }
        *ret = l;
        return 0;
}

size_t tt_netprobe_live_fds(const struct tt_netprobe_live *l, int *fds, size_t max) {
        for (size_t i = 0; i < l->n && i < max; i++)
                fds[i] = l->h[i].fd;
        return l->n;
}

struct dispatch_state {
        struct tt_netprobe *np;
        int linktype;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data) {
        const struct dispatch_state *s = (const struct dispatch_state *) user;
        usec_t ts = (usec_t) h->ts.tv_sec * 1000000 + (usec_t) h->ts.tv_usec;
        tt_netprobe_frame(s->np, s->linktype, data, h->caplen, ts);
}

int tt_netprobe_live_dispatch(struct tt_netprobe_live *l, int fd) {
        struct live_handle *h = NULL;
        for (size_t i = 0; i < l->n && !h; i++)
                if (l->h[i].fd == fd)
                        h = &l->h[i];
        if (!h)
                return -EBADF;
        struct dispatch_state s = { .np = l->np, .linktype = h->linktype };
        int total = 0;
        while (total < LIVE_BATCH) {
                int r = pcap_dispatch(h->pcap, LIVE_BATCH - total, on_frame, (u_char *) &s);
                if (r == PCAP_ERROR)
                        /* The interface went away or down. */
                        return -ENETDOWN;
                if (r <= 0)
                        break;
                total += r;
        }
        return total;
}

uint64_t tt_netprobe_live_drops(const struct tt_netprobe_live *l) {
        uint64_t total = 0;
        for (size_t i = 0; i < l->n; i++) {
                struct pcap_stat st;
                if (pcap_stats(l->h[i].pcap, &st) == 0)
                        total += st.ps_drop;
        }
        return total;
}

void tt_netprobe_live_free(struct tt_netprobe_live *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                pcap_close(l->h[i].pcap);
        free(l);
}

/* --- the probe: the daemon's watch ------------------------------------------------------------ */

/* What pcap_watch() hands the daemon: the capture and its event sources. */
struct watch {
        struct tt_probe_ctx *ctx;
        struct tt_netprobe *np;
        struct tt_netprobe_live *live;
        uint64_t drops;       /* as last said */
        uint64_t drops_check; /* CLOCK_MONOTONIC of the next look */
        size_t n_sources;
        sd_event_source *sources[LIVE_SOURCES_MAX];
};

/* Packets the ring had no room for are sessions that may have been missed:
 * said, at most once a minute. */
static void drops_check(struct watch *w, sd_event_source *s) {
        uint64_t now;
        if (sd_event_now(sd_event_source_get_event(s), CLOCK_MONOTONIC, &now) < 0 || now < w->drops_check)
                return;
        w->drops_check = now + LIVE_DROPS_CHECK_USEC;
        uint64_t drops = tt_netprobe_live_drops(w->live);
        if (drops <= w->drops)
                return;
        snprintf(w->ctx->note, sizeof(w->ctx->note),
                 "capture lost %llu packets so far (the kernel's ring was full): sessions may have been missed",
                 (unsigned long long) drops);
        w->drops = drops;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct watch *w = userdata;
        int r = tt_netprobe_live_dispatch(w->live, fd);
        drops_check(w, s);
        if (r < 0 || (revents & (EPOLLERR | EPOLLHUP))) {
                /* An interface that went away stays closed until the probe is
                 * opened again (reload); the others go on. */
                snprintf(w->ctx->note, sizeof(w->ctx->note), "capture stopped on an interface: %s",
                         strerror(r < 0 ? -r : ENETDOWN));
                sd_event_source_set_enabled(s, SD_EVENT_OFF);
        }
        return 0;
}

/* Local in live mode: network.local if set, else the networks of this
 * host's own addresses, with loopback and link-local. */
static size_t local_ranges(const struct tt_config *cfg, struct tt_cidr *ret, size_t max) {
        size_t n = 0;
        if (cfg && cfg->network.local.n > 0) {
                for (size_t i = 0; i < cfg->network.local.n && n < max; i++)
                        ret[n++] = cfg->network.local.items[i];
                return n;
        }
        static const char *const always[] = { "127.0.0.0/8", "169.254.0.0/16", "::1/128", "fe80::/10" };
        for (size_t i = 0; i < ELEMENTSOF(always) && n < max; i++)
                if (tt_cidr_parse(always[i], &ret[n]) >= 0)
                        n++;
        struct ifaddrs *ifa;
        if (getifaddrs(&ifa) < 0)
                return n;
        for (struct ifaddrs *i = ifa; i && n < max; i = i->ifa_next) {
                if (!i->ifa_addr || !i->ifa_netmask)
                        continue;
                struct tt_cidr c = { .family = i->ifa_addr->sa_family };
                const uint8_t *addr, *mask;
                size_t len;
                if (c.family == AF_INET) {
                        addr = (const uint8_t *) &((const struct sockaddr_in *) i->ifa_addr)->sin_addr;
                        mask = (const uint8_t *) &((const struct sockaddr_in *) i->ifa_netmask)->sin_addr;
                        len = 4;
                } else if (c.family == AF_INET6) {
                        addr = (const uint8_t *) &((const struct sockaddr_in6 *) i->ifa_addr)->sin6_addr;
                        mask = (const uint8_t *) &((const struct sockaddr_in6 *) i->ifa_netmask)->sin6_addr;
                        len = 16;
                } else
                        continue;
                for (size_t b = 0; b < len; b++) {
                        c.addr[b] = addr[b] & mask[b];
                        c.prefix += (unsigned) __builtin_popcount(mask[b]);
                }
                ret[n++] = c;
        }
        freeifaddrs(ifa);
        return n;
}

/* probes.pcap.interfaces: a list of names, or "any". names may be NULL (checking only). */
static int interfaces_option(const struct tt_yaml_node *options, const char **names, size_t *ret_n,
                             struct tt_error *err) {
        const struct tt_yaml_node *v = options ? tt_yaml_get(options, "interfaces") : NULL;
        *ret_n = 0;
        if (!v || tt_yaml_is_null(v))
                return 0;
        size_t count = v->type == TT_YAML_SEQUENCE ? v->n_items : 1;
        if ((v->type != TT_YAML_SEQUENCE && v->type != TT_YAML_SCALAR) || count > LIVE_SOURCES_MAX)
                return tt_error_at(err, v, "interfaces: a list of at most %d interface names", LIVE_SOURCES_MAX);
        for (size_t i = 0; i < count; i++) {
                const struct tt_yaml_node *item = v->type == TT_YAML_SEQUENCE ? v->items[i] : v;
                if (item->type != TT_YAML_SCALAR || item->value[0] == '\0' || strlen(item->value) >= IFNAMSIZ)
                        return tt_error_at(err, item, "interfaces: \"%s\" is not an interface name",
                                           item->type == TT_YAML_SCALAR ? item->value : "(not a string)");
                if (names)
                        names[i] = item->value;
        }
        if (names)
                names[count] = NULL;
        *ret_n = count;
        return 0;
}

static int pcap_options_check(const struct tt_yaml_node *options, struct tt_error *err) {
        size_t n;
        return interfaces_option(options, NULL, &n, err);
}

/* Local follows the host's addresses (at start, and when the daemon hears of
 * a change), so a laptop that moves to another network still tells its own
 * side of a connection from the far one. */
static void local_refresh(struct watch *w) {
        struct tt_cidr local[LIVE_LOCAL_MAX];
        size_t n = local_ranges(w->ctx->config, local, ELEMENTSOF(local));
        if (n > 0)
                (void) tt_netprobe_set_local(w->np, local, n);
}

static void pcap_unwatch(void *handle) {
        struct watch *w = handle;
        if (!w)
                return;
        for (size_t i = 0; i < w->n_sources; i++)
                sd_event_source_disable_unref(w->sources[i]);
        tt_netprobe_live_free(w->live);
        tt_netprobe_free(w->np);
        free(w);
}

static int watch_add(struct watch *w, sd_event *e, int fd, sd_event_io_handler_t handler) {
        if (w->n_sources == ELEMENTSOF(w->sources))
                return -E2BIG;
        sd_event_source *s;
        int r = sd_event_add_io(e, &s, fd, EPOLLIN, handler, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(s, "pcap");
        w->sources[w->n_sources++] = s;
        return 0;
}

static int pcap_watch(struct tt_probe_ctx *ctx, sd_event *e, void **ret_watch) {
        if (ctx->root && !ctx->root->live) {
                snprintf(ctx->note, sizeof(ctx->note), "no live capture under --root: it would capture this host");
                return -EOPNOTSUPP;
        }
        const char *names[LIVE_SOURCES_MAX + 1];
        size_t n_names;
        struct tt_error opt_err = {};
        int r = interfaces_option(ctx->options, names, &n_names, &opt_err);
        if (r < 0) {
                strscpy(ctx->note, sizeof(ctx->note), opt_err.msg);
                return r;
        }
        struct watch *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->ctx = ctx;
        const struct tt_netprobe_config cfg = {
                /* A laptop's own traffic: fewer flows and buffers than a capture file may need. */
                .flows = { .max_flows = 16384, .max_buffer_bytes = 16u << 20, .idle_timeout = 300 * 1000000ULL },
        };
        char err[sizeof(ctx->note)] = "";
        if ((r = tt_netprobe_new(ctx, &cfg, &w->np)) >= 0)
                local_refresh(w);
        if (r < 0 || (r = tt_netprobe_live_open(w->np, n_names ? names : NULL, &w->live, err, sizeof(err))) < 0) {
                if (r != -ENOMEM)
                        snprintf(ctx->note, sizeof(ctx->note), "%s", err);
                pcap_unwatch(w);
                return r;
        }
        if (err[0])
                snprintf(ctx->note, sizeof(ctx->note), "%s", err);
        int fds[LIVE_SOURCES_MAX];
        size_t n = MIN(tt_netprobe_live_fds(w->live, fds, ELEMENTSOF(fds)), ELEMENTSOF(fds));
        for (size_t i = 0; i < n && r >= 0; i++)
                r = watch_add(w, e, fds[i], on_readable);
        if (r < 0) {
                pcap_unwatch(w);
                return r;
        }
        *ret_watch = w;
        return 0;
}

static void pcap_netlink_changed(void *handle) {
        local_refresh(handle);
}

static const char *const pcap_options[] = { "interfaces", NULL };

const struct tt_probe tt_probe_pcap = {
        .name = "pcap",
        .options = pcap_options,
        .options_check = pcap_options_check,
        .default_enabled = true,
        .watch = pcap_watch,
        .unwatch = pcap_unwatch,
        .netlink_changed = pcap_netlink_changed,
        .packet_capture = true,
};
