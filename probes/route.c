/* SPDX-License-Identifier: MIT */
/* Routes and policy rules: who carries the laptop's traffic. A default route,
 * a split default (0.0.0.0/1 + 128.0.0.0/1) or a policy table through a
 * tunnel means the traffic leaves somewhere else than where the laptop is. */
#include "route.h"

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <stdio.h>
#include <sys/socket.h>

#include "nlwalk.h"
#include "probe.h"
#include "util.h"

#define RTF_UP 0x0001
#define RTF_REJECT 0x0200
#define RTF6_ANYCAST 0x00100000
#define RTF6_CACHE 0x01000000
#define RTF6_LOCAL 0x80000000
#define PROC_MAX (1024 * 1024)

void tt_routes_free(struct tt_routes *r) {
        free(r->routes);
        free(r->rules);
        *r = (struct tt_routes){};
}

/* Adds a copy of rt; past TT_ROUTES_MAX it is dropped and truncated set. */
static int route_add(struct tt_routes *r, const struct tt_route *rt) {
        if (r->n_routes == TT_ROUTES_MAX) {
                r->truncated = true;
                return 0;
        }
        if (r->n_routes == r->cap_routes) {
                size_t cap = r->cap_routes ? 2 * r->cap_routes : 16;
                struct tt_route *n = realloc(r->routes, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                r->routes = n;
                r->cap_routes = cap;
        }
        r->routes[r->n_routes++] = *rt;
        return 0;
}

/* Splits a line into whitespace-separated fields, at most max. */
static size_t fields_split(char *line, char **fields, size_t max) {
        size_t n = 0;
        for (char *save = NULL, *t = strtok_r(line, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
                fields[n++] = t;
        return n;
}

static int hex_u32(const char *s, uint32_t *ret) {
        uint64_t v;
        if (strlen(s) > 8 || safe_atou64(s, 16, &v) < 0)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int hex_bytes(const char *s, uint8_t *out, size_t n) {
        if (strlen(s) != 2 * n)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[i] = (uint8_t) (hi << 4 | lo);
        }
        return 0;
}

/* A netmask in network order as a prefix length; -EINVAL if not contiguous. */
static int mask_prefix(const uint8_t mask[4], unsigned *ret) {
        uint32_t m = (uint32_t) mask[0] << 24 | (uint32_t) mask[1] << 16 | (uint32_t) mask[2] << 8 | mask[3];
        unsigned p = 0;
        while (p < 32 && (m & (1u << (31 - p))))
                p++;
        if (p < 32 && (m << p) != 0)
                return -EINVAL;
        *ret = p;
        return 0;
}

static bool dev_valid(const char *dev) {
        return !streq(dev, "*") && strlen(dev) < IFNAMSIZ;
}

/* "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT",
 * addresses as the kernel's %08X of a network-order word in host order. */
int tt_routes_parse_proc_ipv4(struct tt_routes *r, const char *text) {
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        bool header = true;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (header) {
                        header = false;
                        continue;
                }
                char *f[12];
                uint32_t dst, gw, flags, mask;
                uint64_t metric;
                if (fields_split(line, f, ELEMENTSOF(f)) < 8 || !dev_valid(f[0]) || hex_u32(f[1], &dst) < 0 ||
                    hex_u32(f[2], &gw) < 0 || hex_u32(f[3], &flags) < 0 || hex_u32(f[7], &mask) < 0 ||
                    safe_atou64(f[6], 10, &metric) < 0 || metric > UINT32_MAX)
                        continue;
                if (!(flags & RTF_UP) || (flags & RTF_REJECT))
                        continue;
                uint8_t mb[4];
                memcpy(mb, &mask, 4);
                struct tt_route rt = { .family = AF_INET, .has_gateway = gw != 0, .table = TT_ROUTE_TABLE_MAIN,
                                       .metric = (uint32_t) metric };
                if (mask_prefix(mb, &rt.prefix_len) < 0)
                        continue;
                memcpy(rt.dst, &dst, 4);
                memcpy(rt.gateway, &gw, 4);
                strscpy(rt.dev, sizeof(rt.dev), f[0]);
                int e = route_add(r, &rt);
                if (e < 0)
                        return e;
        }
        return 0;
}

/* "dst plen src src_plen next_hop metric refcnt use flags dev", all hex. */
int tt_routes_parse_proc_ipv6(struct tt_routes *r, const char *text) {
        static const uint8_t zero[16];
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[11];
                uint8_t dst[16], gw[16];
                uint32_t plen, metric, flags;
                if (fields_split(line, f, ELEMENTSOF(f)) != 10 || !dev_valid(f[9]) || hex_bytes(f[0], dst, 16) < 0 ||
                    hex_u32(f[1], &plen) < 0 || plen > 128 || hex_bytes(f[4], gw, 16) < 0 ||
                    hex_u32(f[5], &metric) < 0 || hex_u32(f[8], &flags) < 0)
                        continue;
                /* Local, anycast, multicast and cached routes are the local
                 * table's or the kernel's, not where traffic goes. */
                if (!(flags & RTF_UP) || (flags & (RTF_REJECT | RTF6_ANYCAST | RTF6_CACHE | RTF6_LOCAL)) ||
                    dst[0] == 0xff)
                        continue;
                struct tt_route rt = { .family = AF_INET6, .prefix_len = plen, .has_gateway = memcmp(gw, zero, 16) != 0,
                                       .table = TT_ROUTE_TABLE_UNKNOWN, .metric = metric };
                memcpy(rt.dst, dst, 16);
                memcpy(rt.gateway, gw, 16);
                strscpy(rt.dev, sizeof(rt.dev), f[9]);
                int e = route_add(r, &rt);
                if (e < 0)
                        return e;
        }
        return 0;
}

/* One rtnetlink dump; cb gets every message of it. */
static int rtnl_dump(int fd, uint16_t type, uint8_t family, int (*cb)(const struct nlmsghdr *h, void *userdata),
                     void *userdata) {
        struct {
                struct nlmsghdr h;
                struct rtmsg m; /* struct fib_rule_hdr for rules: the same size, family first */
        } req = {
                .h = { .nlmsg_len = sizeof(req), .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
                .m = { .rtm_family = family },
        };
        return tt_netlink_dump(fd, &req, sizeof(req), 65536, cb, userdata);
}

static uint32_t rta_u32(const struct rtattr *a) {
        uint32_t v = 0;
        memcpy(&v, tt_rta_payload(a), MIN(tt_rta_payload_len(a), sizeof(v)));
        return v;
}

static void rta_addr(const struct rtattr *a, int family, uint8_t *out, bool *ret_has) {
        size_t len = family == AF_INET ? 4 : 16;
        if (tt_rta_payload_len(a) != len)
                return;
        memcpy(out, tt_rta_payload(a), len);
        if (ret_has)
                *ret_has = true;
}

static void rta_string(const struct rtattr *a, char *buf, size_t size) {
        const char *s = tt_rta_payload(a);
        strscpyl(buf, size, s, strnlen(s, tt_rta_payload_len(a)));
}

struct live {
        struct tt_routes *routes;
        const struct tt_link *links;
        size_t n_links;
};

static void dev_from_index(const struct live *l, int ifindex, char *dev) {
        const struct tt_link *link = tt_links_find_index(l->links, l->n_links, ifindex);
        if (link)
                strscpy(dev, IFNAMSIZ, link->name);
}

static int route_msg(const struct nlmsghdr *h, void *userdata) {
        struct live *l = userdata;
        if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
                return 0;
        const struct rtmsg *m = NLMSG_DATA(h);
        if ((m->rtm_family != AF_INET && m->rtm_family != AF_INET6) || m->rtm_type != RTN_UNICAST ||
            (m->rtm_flags & RTM_F_CLONED) || m->rtm_dst_len > (m->rtm_family == AF_INET ? 32 : 128))
                return 0;
        struct tt_route rt = { .family = m->rtm_family, .prefix_len = m->rtm_dst_len, .table = m->rtm_table };
        const uint8_t *attrs = (const uint8_t *) m + NLMSG_ALIGN(sizeof(*m));
        size_t len = h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m))), off = 0;
        for (const struct rtattr *a; (a = tt_rta_next(attrs, len, &off));)
                switch (a->rta_type) {
                case RTA_DST:
                        rta_addr(a, rt.family, rt.dst, NULL);
                        break;
                case RTA_GATEWAY:
                        rta_addr(a, rt.family, rt.gateway, &rt.has_gateway);
                        break;
                case RTA_OIF:
                        dev_from_index(l, (int) rta_u32(a), rt.dev);
                        break;
                case RTA_PRIORITY:
                        rt.metric = rta_u32(a);
                        break;
                case RTA_TABLE:
                        rt.table = rta_u32(a);
                        break;
                case RTA_MULTIPATH: {
                        /* The first next hop stands for the route, as in /proc/net/route. */
                        const struct rtnexthop *nh = tt_rta_payload(a);
                        size_t plen = tt_rta_payload_len(a);
                        if (rt.dev[0] || plen < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > plen)
                                break;
                        dev_from_index(l, nh->rtnh_ifindex, rt.dev);
                        size_t noff = 0;
                        const uint8_t *nattrs = (const uint8_t *) nh + RTNH_ALIGN(sizeof(*nh));
                        size_t nlen = nh->rtnh_len - MIN((size_t) nh->rtnh_len, RTNH_ALIGN(sizeof(*nh)));
                        for (const struct rtattr *na; (na = tt_rta_next(nattrs, nlen, &noff));)
                                if (na->rta_type == RTA_GATEWAY)
                                        rta_addr(na, rt.family, rt.gateway, &rt.has_gateway);
                        break;
                }
                }
        if (rt.table == RT_TABLE_LOCAL)
                return 0;
        return route_add(l->routes, &rt);
}

static int rule_msg(const struct nlmsghdr *h, void *userdata) {
        struct live *l = userdata;
        struct tt_routes *r = l->routes;
        if (h->nlmsg_type != RTM_NEWRULE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct fib_rule_hdr)))
                return 0;
        const struct fib_rule_hdr *m = NLMSG_DATA(h);
        if (m->action != FR_ACT_TO_TBL || (m->family != AF_INET && m->family != AF_INET6))
                return 0;
        if (r->n_rules == TT_ROUTE_RULES_MAX) {
                r->truncated = true;
                return 0;
        }
        struct tt_route_rule rule = { .family = m->family, .table = m->table, .invert = m->flags & FIB_RULE_INVERT };
        const uint8_t *attrs = (const uint8_t *) m + NLMSG_ALIGN(sizeof(*m));
        size_t len = h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m))), off = 0;
        for (const struct rtattr *a; (a = tt_rta_next(attrs, len, &off));)
                switch (a->rta_type) {
                case FRA_PRIORITY:
                        rule.priority = rta_u32(a);
                        break;
                case FRA_TABLE:
                        rule.table = rta_u32(a);
                        break;
                case FRA_FWMARK:
                        rule.fwmark = rta_u32(a);
                        rule.has_fwmark = true;
                        break;
                case FRA_FWMASK:
                        rule.fwmask = rta_u32(a);
                        break;
                case FRA_IIFNAME:
                        rta_string(a, rule.iif, sizeof(rule.iif));
                        break;
                case FRA_OIFNAME:
                        rta_string(a, rule.oif, sizeof(rule.oif));
                        break;
                }
        if (!r->rules && !(r->rules = calloc(TT_ROUTE_RULES_MAX, sizeof(*r->rules))))
                return -ENOMEM;
        r->rules[r->n_rules++] = rule;
        return 0;
}

static int read_live(const struct tt_link *links, size_t n_links, struct tt_routes *r) {
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        struct live l = { r, links, n_links };
        static const uint8_t families[] = { AF_INET, AF_INET6 };
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                int e = rtnl_dump(fd, RTM_GETROUTE, families[i], route_msg, &l);
                /* A kernel without IPv6 answers EAFNOSUPPORT. */
                if (e < 0 && e != -EAFNOSUPPORT)
                        return e;
                e = rtnl_dump(fd, RTM_GETRULE, families[i], rule_msg, &l);
                if (e < 0 && e != -EAFNOSUPPORT)
                        return e;
        }
        r->rules_known = true;
        return 0;
}

static int read_proc(const struct tt_root *root, struct tt_routes *r) {
        static const struct {
                const char *path;
                int (*parse)(struct tt_routes *r, const char *text);
        } files[] = {
                { "/proc/net/route", tt_routes_parse_proc_ipv4 },
                { "/proc/net/ipv6_route", tt_routes_parse_proc_ipv6 },
        };
        int found = 0;
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *text = NULL;
                int e = tt_root_read_file(root, files[i].path, PROC_MAX, &text, NULL);
                if (e == -ENOENT)
                        continue;
                if (e < 0)
                        return e;
                found++;
                if ((e = files[i].parse(r, text)) < 0)
                        return e;
        }
        return found ? 0 : -ENOENT;
}

int tt_routes_read(const struct tt_root *root, const struct tt_link *links, size_t n_links, struct tt_routes *ret) {
        struct tt_routes r = {};
        int e = root->live ? read_live(links, n_links, &r) : read_proc(root, &r);
        if (e < 0) {
                tt_routes_free(&r);
                return e;
        }
        tt_routes_mark_takeover(r.routes, r.n_routes);
        *ret = r;
        return 0;
}

static bool standard_table(uint32_t table) {
        return table == TT_ROUTE_TABLE_UNKNOWN || table == RT_TABLE_DEFAULT || table == RT_TABLE_MAIN;
}

/* The /4 blocks (top four address bits) a short prefix covers. */
static unsigned blocks_of(const struct tt_route *rt) {
        unsigned count = 1u << (4 - rt->prefix_len), first = (rt->dst[0] >> 4) & ~(count - 1);
        return ((1u << count) - 1) << first;
}

static bool same_path(const struct tt_route *a, const struct tt_route *b) {
        return a->family == b->family && a->table == b->table && streq(a->dev, b->dev);
}

void tt_routes_mark_takeover(struct tt_route *routes, size_t n) {
        for (size_t i = 0; i < n; i++)
                routes[i].takeover = routes[i].prefix_len != 0 ? NULL
                                     : standard_table(routes[i].table) ? "default"
                                                                       : "policy";
        /* Together, short prefixes through one link may cover everything:
         * IPv4's whole space, or IPv6's global unicast 2000::/3. */
        for (size_t i = 0; i < n; i++) {
                struct tt_route *rt = &routes[i];
                if (rt->prefix_len < 1 || rt->prefix_len > 4)
                        continue;
                unsigned need = rt->family == AF_INET ? 0xffffu : 0x000cu, covered = 0;
                for (size_t j = 0; j < n; j++)
                        if (routes[j].prefix_len >= 1 && routes[j].prefix_len <= 4 && same_path(rt, &routes[j]))
                                covered |= blocks_of(&routes[j]);
                if ((covered & need) == need && (blocks_of(rt) & need))
                        rt->takeover = "split";
        }
}

static bool prefix_contains(const struct tt_route *rt, const uint8_t *addr) {
        unsigned full = rt->prefix_len / 8, rest = rt->prefix_len % 8;
        if (memcmp(rt->dst, addr, full) != 0)
                return false;
        if (rest == 0)
                return true;
        uint8_t mask = (uint8_t) (0xff << (8 - rest));
        return (rt->dst[full] & mask) == (addr[full] & mask);
}

const struct tt_route *tt_routes_lookup(const struct tt_routes *r, int family, const uint8_t *addr) {
        const struct tt_route *best = NULL;
        for (size_t i = 0; i < r->n_routes; i++) {
                const struct tt_route *rt = &r->routes[i];
                if (rt->family != family || (rt->table != TT_ROUTE_TABLE_MAIN && rt->table != TT_ROUTE_TABLE_UNKNOWN) ||
                    !prefix_contains(rt, addr))
                        continue;
                if (!best || rt->prefix_len > best->prefix_len ||
                    (rt->prefix_len == best->prefix_len && rt->metric < best->metric))
                        best = rt;
        }
        return best;
}

const char *tt_routes_table_dev(const struct tt_routes *r, int family, uint32_t table) {
        const char *first = NULL;
        for (size_t i = 0; i < r->n_routes; i++) {
                const struct tt_route *rt = &r->routes[i];
                if (rt->family != family || rt->table != table || !rt->dev[0])
                        continue;
                if (rt->prefix_len == 0)
                        return rt->dev;
                if (!first)
                        first = rt->dev;
        }
        return first;
}

static const char *family_name(int family) {
        return family == AF_INET ? "ipv4" : "ipv6";
}

static const char *dev_kind(const struct tt_link *links, size_t n, const char *dev) {
        const struct tt_link *l = tt_links_find(links, n, dev);
        return l ? l->kind : NULL;
}

static int emit_route(struct tt_probe_ctx *ctx, const struct tt_route *rt, const struct tt_link *links, size_t n) {
        char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN], subject[64];
        inet_ntop(rt->family, rt->dst, dst, sizeof(dst));
        inet_ntop(rt->family, rt->gateway, gw, sizeof(gw));
        if (rt->dev[0])
                snprintf(subject, sizeof(subject), "if:%s", rt->dev);
        else
                snprintf(subject, sizeof(subject), "route:%s/%u", dst, rt->prefix_len);
        struct tt_observation o;
        tt_obs_init(&o, "route", subject);
        tt_obs_add_str(&o, "family", family_name(rt->family));
        tt_obs_add_str(&o, "dst", dst);
        tt_obs_add_int(&o, "prefix_len", rt->prefix_len);
        if (rt->has_gateway)
                tt_obs_add_str(&o, "gateway", gw);
        if (rt->dev[0]) {
                tt_obs_add_str(&o, "dev", rt->dev);
                tt_obs_add_str(&o, "dev_kind", dev_kind(links, n, rt->dev));
        }
        if (rt->table != TT_ROUTE_TABLE_UNKNOWN)
                tt_obs_add_int(&o, "table", rt->table);
        tt_obs_add_int(&o, "metric", rt->metric);
        tt_obs_add_str(&o, "takeover", rt->takeover);
        return tt_emit(ctx, &o);
}

static int emit_rule(struct tt_probe_ctx *ctx, const struct tt_routes *r, const struct tt_route_rule *rule,
                     const struct tt_link *links, size_t n) {
        const char *dev = tt_routes_table_dev(r, rule->family, rule->table);
        char subject[64];
        if (dev)
                snprintf(subject, sizeof(subject), "if:%s", dev);
        else
                snprintf(subject, sizeof(subject), "rule:%s:%u", family_name(rule->family), rule->priority);
        struct tt_observation o;
        tt_obs_init(&o, "policy_rule", subject);
        tt_obs_add_str(&o, "family", family_name(rule->family));
        tt_obs_add_int(&o, "priority", rule->priority);
        tt_obs_add_int(&o, "table", rule->table);
        if (rule->has_fwmark) {
                tt_obs_add_int(&o, "fwmark", rule->fwmark);
                tt_obs_add_int(&o, "fwmask", rule->fwmask);
        }
        tt_obs_add_bool(&o, "invert", rule->invert);
        if (rule->iif[0])
                tt_obs_add_str(&o, "iif", rule->iif);
        if (rule->oif[0])
                tt_obs_add_str(&o, "oif", rule->oif);
        if (dev) {
                tt_obs_add_str(&o, "dev", dev);
                tt_obs_add_str(&o, "dev_kind", dev_kind(links, n, dev));
        }
        return tt_emit(ctx, &o);
}

static int route_scan(struct tt_probe_ctx *ctx) {
        _cleanup_free_ struct tt_link *links = NULL;
        size_t n_links = 0;
        /* Without /sys the routes still count; only their links' kinds are unknown. */
        int e = tt_links_read(ctx->root, &links, &n_links, NULL);
        if (e < 0 && e != -ENOENT)
                return e;
        struct tt_routes r;
        e = tt_routes_read(ctx->root, links, n_links, &r);
        if (e == -ENOENT) {
                snprintf(ctx->note, sizeof(ctx->note), "no /proc/net/route under the root: routes not looked at");
                return 0;
        }
        if (e < 0)
                return e;
        if (r.truncated)
                snprintf(ctx->note, sizeof(ctx->note), "more than %d routes or %d rules: the rest not looked at",
                         TT_ROUTES_MAX, TT_ROUTE_RULES_MAX);
        for (size_t i = 0; e >= 0 && i < r.n_routes; i++)
                e = emit_route(ctx, &r.routes[i], links, n_links);
        for (size_t i = 0; e >= 0 && i < r.n_rules; i++)
                e = emit_rule(ctx, &r, &r.rules[i], links, n_links);
        tt_routes_free(&r);
        return e < 0 ? e : 0;
}

const struct tt_probe tt_probe_route = {
        .name = "route",
        .default_enabled = true,
        .scan = route_scan,
        .netlink_rescan = true,
};
