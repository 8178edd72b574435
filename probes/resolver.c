/* SPDX-License-Identifier: MIT */
/* DNS resolvers from resolv.conf, each with the link the main routing table
 * sends its queries through: a VPN that takes over DNS puts its own server
 * there, or routes the old one into its tunnel. */
#include <arpa/inet.h>
#include <stdio.h>

#include "probe.h"
#include "route.h"
#include "util.h"

#define RESOLV_CONF_MAX (64 * 1024)
#define SERVERS_MAX 32 /* per file; glibc itself reads three */

static const char *const sources[] = {
        "/etc/resolv.conf",
        /* systemd-resolved's upstream servers, behind its 127.0.0.53 stub */
        "/run/systemd/resolve/resolv.conf",
};

struct resolver_ctx {
        struct tt_probe_ctx *probe;
        const struct tt_link *links;
        size_t n_links;
        const struct tt_routes *routes; /* NULL when not known */
};

/* The link queries to server leave through, into dev (IFNAMSIZ). */
static void server_dev(const struct resolver_ctx *c, const char *server, char *dev) {
        char addr[INET6_ADDRSTRLEN + IFNAMSIZ];
        strscpy(addr, sizeof(addr), server);
        /* fe80::1%wlan0 names its link itself. */
        char *scope = strchr(addr, '%');
        if (scope) {
                *scope++ = '\0';
                if (strlen(scope) < IFNAMSIZ)
                        strscpy(dev, IFNAMSIZ, scope);
                return;
        }
        uint8_t a[16];
        int family = inet_pton(AF_INET, addr, a) == 1 ? AF_INET : inet_pton(AF_INET6, addr, a) == 1 ? AF_INET6 : 0;
        if (family == 0)
                return;
        static const uint8_t loopback6[16] = { [15] = 1 };
        /* The local table, which the files do not show, keeps loopback on lo. */
        if ((family == AF_INET && a[0] == 127) || (family == AF_INET6 && memcmp(a, loopback6, 16) == 0)) {
                strscpy(dev, IFNAMSIZ, "lo");
                return;
        }
        const struct tt_route *rt = c->routes ? tt_routes_lookup(c->routes, family, a) : NULL;
        if (rt && rt->dev[0])
                strscpy(dev, IFNAMSIZ, rt->dev);
}

static int emit_server(const struct resolver_ctx *c, const char *source, const char *server) {
        char dev[IFNAMSIZ] = "", subject[128];
        server_dev(c, server, dev);
        if (dev[0])
                snprintf(subject, sizeof(subject), "if:%s", dev);
        else
                snprintf(subject, sizeof(subject), "resolver:%s", server);
        struct tt_observation o;
        tt_obs_init(&o, "resolver", subject);
        tt_obs_add_str(&o, "server", server);
        tt_obs_add_str(&o, "source", source);
        if (dev[0]) {
                const struct tt_link *l = tt_links_find(c->links, c->n_links, dev);
                tt_obs_add_str(&o, "dev", dev);
                tt_obs_add_str(&o, "dev_kind", l ? l->kind : NULL);
        }
        return tt_emit(c->probe, &o);
}

/* glibc takes only numeric addresses, IPv6 ones with an optional %scope. */
static bool server_valid(const char *s) {
        char addr[INET6_ADDRSTRLEN];
        const char *scope = strchr(s, '%');
        size_t len = scope ? (size_t) (scope - s) : strlen(s);
        if (len >= sizeof(addr) || (scope && (strlen(scope + 1) == 0 || strlen(scope + 1) >= IFNAMSIZ)))
                return false;
        strscpyl(addr, sizeof(addr), s, len);
        uint8_t a[16];
        return inet_pton(AF_INET, addr, a) == 1 || inet_pton(AF_INET6, addr, a) == 1;
}

static int read_source(const struct resolver_ctx *c, const char *source) {
        _cleanup_free_ char *text = NULL;
        int e = tt_root_read_file(c->probe->root, source, RESOLV_CONF_MAX, &text, NULL);
        if (e == -ENOENT)
                return 0;
        if (e < 0)
                return e;
        unsigned n = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line && n < SERVERS_MAX; line = strtok_r(NULL, "\n", &save)) {
                char *t = strstrip(line);
                if (!startswith(t, "nameserver") || (t[10] != ' ' && t[10] != '\t'))
                        continue;
                char *server = strstrip(t + 10);
                /* Anything after the address is not part of it. */
                server[strcspn(server, " \t#;")] = '\0';
                if (!server_valid(server))
                        continue;
                if ((e = emit_server(c, source, server)) < 0)
                        return e;
                n++;
        }
        return 0;
}

static int resolver_scan(struct tt_probe_ctx *ctx) {
        _cleanup_free_ struct tt_link *links = NULL;
        size_t n_links = 0;
        int e = tt_links_read(ctx->root, &links, &n_links, NULL);
        if (e < 0 && e != -ENOENT)
                return e;
        struct tt_routes routes;
        e = tt_routes_read(ctx->root, links, n_links, &routes);
        if (e < 0 && e != -ENOENT)
                return e;
        struct resolver_ctx c = { ctx, links, n_links, e >= 0 ? &routes : NULL };
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(sources); i++)
                r = read_source(&c, sources[i]);
        if (e >= 0)
                tt_routes_free(&routes);
        return r;
}

const struct tt_probe tt_probe_resolver = {
        .name = "resolver",
        .default_enabled = true,
        .scan = resolver_scan,
        .netlink_rescan = true,
};
