/* SPDX-License-Identifier: MIT */
#include "rtt.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <math.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>

#include "config.h"
#include "nlwalk.h"
#include "util.h"

/* include/net/tcp_states.h, not in the uapi headers */
#define TCP_STATE_ESTABLISHED 1

struct country {
        char code[3];
        double latitude, longitude, radius_km;
};

/* Rough centre of each country's main territory and a radius that covers it
 * (half its longest extent, rounded up; remote islands left out), compiled
 * by hand for this table: good to a few hundred km, which the model's radii
 * absorb. Sorted by code. */
static const struct country countries[] = {
        { "AD", 42.5, 1.5, 20 }, { "AE", 24, 54, 250 }, { "AF", 33, 66, 650 }, { "AG", 17.1, -61.8, 30 },
        { "AI", 18.2, -63.1, 15 }, { "AL", 41, 20, 170 }, { "AM", 40, 45, 150 }, { "AO", -12.5, 18.5, 700 },
        { "AR", -34, -64, 1800 }, { "AS", -14.3, -170.7, 50 }, { "AT", 47.5, 14.5, 300 }, { "AU", -25, 134, 2000 },
        { "AW", 12.5, -70, 20 }, { "AX", 60.2, 20, 50 }, { "AZ", 40.5, 47.5, 250 }, { "BA", 44, 18, 200 },
        { "BB", 13.2, -59.5, 20 }, { "BD", 24, 90, 350 }, { "BE", 50.8, 4.5, 150 }, { "BF", 12.2, -1.5, 450 },
        { "BG", 42.7, 25.5, 250 }, { "BH", 26, 50.5, 30 }, { "BI", -3.5, 30, 150 }, { "BJ", 9.5, 2.3, 350 },
        { "BL", 17.9, -62.8, 10 }, { "BM", 32.3, -64.8, 20 }, { "BN", 4.5, 114.7, 80 }, { "BO", -17, -65, 700 },
        { "BQ", 12.2, -68.3, 50 }, { "BR", -10, -52, 2200 }, { "BS", 24, -76, 400 }, { "BT", 27.5, 90.5, 150 },
        { "BW", -22, 24, 500 }, { "BY", 53.5, 28, 350 }, { "BZ", 17.2, -88.7, 150 }, { "CA", 56, -96, 2800 },
        { "CC", -12.2, 96.9, 20 }, { "CD", -2.9, 23.7, 1000 }, { "CF", 6.6, 20.9, 600 }, { "CG", -0.7, 15.2, 450 },
        { "CH", 46.8, 8.2, 180 }, { "CI", 7.5, -5.5, 350 }, { "CK", -21.2, -159.8, 500 }, { "CL", -33, -71, 2100 },
        { "CM", 5.7, 12.7, 600 }, { "CN", 35, 104, 2300 }, { "CO", 4, -73, 750 }, { "CR", 9.9, -84, 200 },
        { "CU", 21.5, -79, 600 }, { "CV", 16, -24, 200 }, { "CW", 12.2, -69, 30 }, { "CX", -10.5, 105.6, 10 },
        { "CY", 35, 33, 120 }, { "CZ", 49.8, 15.5, 250 }, { "DE", 51, 10.5, 450 }, { "DJ", 11.8, 42.6, 100 },
        { "DK", 56, 10, 250 }, { "DM", 15.4, -61.4, 30 }, { "DO", 18.8, -70.2, 200 }, { "DZ", 28, 2.6, 1000 },
        { "EC", -1.5, -78, 400 }, { "EE", 58.7, 25.5, 200 }, { "EG", 26.7, 30, 600 }, { "EH", 24.5, -13, 500 },
        { "ER", 15.3, 39, 350 }, { "ES", 40.2, -3.6, 550 }, { "ET", 9, 39.5, 700 }, { "FI", 64.5, 26, 600 },
        { "FJ", -17.7, 178, 300 }, { "FK", -51.8, -59.5, 150 }, { "FM", 7, 155, 1300 }, { "FO", 62, -6.8, 60 },
        { "FR", 46.5, 2.5, 550 }, { "GA", -0.8, 11.6, 350 }, { "GB", 54, -2.5, 550 }, { "GD", 12.1, -61.7, 20 },
        { "GE", 42.2, 43.5, 250 }, { "GF", 4, -53, 200 }, { "GG", 49.5, -2.6, 10 }, { "GH", 7.9, -1, 350 },
        { "GI", 36.1, -5.35, 5 }, { "GL", 72, -40, 1300 }, { "GM", 13.4, -15.4, 170 }, { "GN", 10.4, -10.9, 400 },
        { "GP", 16.2, -61.6, 50 }, { "GQ", 1.6, 10.3, 300 }, { "GR", 39, 22, 450 }, { "GT", 15.7, -90.3, 250 },
        { "GU", 13.4, 144.8, 20 }, { "GW", 12, -15, 150 }, { "GY", 5, -59, 400 }, { "HK", 22.3, 114.2, 30 },
        { "HN", 14.8, -86.6, 350 }, { "HR", 45.1, 15.5, 300 }, { "HT", 19, -72.5, 200 }, { "HU", 47.2, 19.5, 270 },
        { "ID", -2.5, 118, 2600 }, { "IE", 53.2, -8, 250 }, { "IL", 31.4, 35, 230 }, { "IM", 54.2, -4.5, 30 },
        { "IN", 22, 79, 1600 }, { "IO", -6.3, 71.9, 100 }, { "IQ", 33, 43.7, 500 }, { "IR", 32.5, 54, 1100 },
        { "IS", 65, -18.5, 250 }, { "IT", 42.8, 12.5, 600 }, { "JE", 49.2, -2.1, 10 }, { "JM", 18.1, -77.3, 120 },
        { "JO", 31.2, 36.5, 250 }, { "JP", 36.5, 138, 1500 }, { "KE", 0.2, 37.9, 550 }, { "KG", 41.5, 74.8, 450 },
        { "KH", 12.6, 105, 300 }, { "KI", 1.9, -157.5, 2000 }, { "KM", -11.9, 43.9, 150 }, { "KN", 17.3, -62.7, 20 },
        { "KP", 40.2, 127.2, 350 }, { "KR", 36.5, 127.8, 250 }, { "KW", 29.3, 47.6, 120 }, { "KY", 19.3, -81.2, 80 },
        { "KZ", 48, 67, 1500 }, { "LA", 18.2, 103.9, 500 }, { "LB", 33.9, 35.9, 110 }, { "LC", 13.9, -61, 20 },
        { "LI", 47.15, 9.55, 15 }, { "LK", 7.8, 80.7, 220 }, { "LR", 6.4, -9.4, 300 }, { "LS", -29.6, 28.2, 150 },
        { "LT", 55.2, 23.9, 200 }, { "LU", 49.8, 6.1, 50 }, { "LV", 56.9, 24.6, 220 }, { "LY", 27, 17, 1000 },
        { "MA", 31.8, -7, 600 }, { "MC", 43.74, 7.42, 3 }, { "MD", 47.2, 28.5, 200 }, { "ME", 42.7, 19.3, 100 },
        { "MF", 18.08, -63.05, 10 }, { "MG", -19.4, 46.7, 800 }, { "MH", 7.1, 171.2, 700 }, { "MK", 41.6, 21.7, 130 },
        { "ML", 17.6, -3.9, 1000 }, { "MM", 21, 96, 1000 }, { "MN", 46.8, 103, 1200 }, { "MO", 22.2, 113.55, 10 },
        { "MP", 15.2, 145.7, 300 }, { "MQ", 14.65, -61, 40 }, { "MR", 20.3, -10.3, 800 }, { "MS", 16.7, -62.2, 10 },
        { "MT", 35.9, 14.4, 30 }, { "MU", -20.3, 57.6, 600 }, { "MV", 3.2, 73.2, 450 }, { "MW", -13.3, 34.3, 450 },
        { "MX", 23.6, -102.5, 1600 }, { "MY", 4.2, 108, 1000 }, { "MZ", -18.7, 35.5, 1000 },
        { "NA", -22.9, 18.5, 700 }, { "NC", -21.3, 165.5, 250 }, { "NE", 17.6, 8.1, 900 }, { "NF", -29, 168, 10 },
        { "NG", 9.1, 8.7, 600 }, { "NI", 12.9, -85.2, 250 }, { "NL", 52.2, 5.3, 180 }, { "NO", 64.5, 12, 900 },
        { "NP", 28.4, 84.1, 450 }, { "NR", -0.53, 166.9, 5 }, { "NU", -19, -169.9, 15 }, { "NZ", -41, 174, 800 },
        { "OM", 21, 57, 500 }, { "PA", 8.5, -80, 350 }, { "PE", -9.2, -75, 900 }, { "PF", -17.7, -149.4, 1200 },
        { "PG", -6.3, 144, 800 }, { "PH", 12.9, 122, 900 }, { "PK", 30.4, 69.3, 900 }, { "PL", 52, 19.4, 350 },
        { "PM", 46.9, -56.3, 20 }, { "PN", -24.4, -128.3, 300 }, { "PR", 18.2, -66.5, 100 }, { "PS", 31.9, 35.2, 80 },
        { "PT", 39.6, -8, 300 }, { "PW", 7.5, 134.6, 300 }, { "PY", -23.4, -58.4, 500 }, { "QA", 25.3, 51.2, 100 },
        { "RE", -21.1, 55.5, 40 }, { "RO", 45.9, 25, 350 }, { "RS", 44, 21, 250 }, { "RU", 60, 90, 4500 },
        { "RW", -1.9, 29.9, 100 }, { "SA", 24, 45, 1100 }, { "SB", -9.6, 160.2, 700 }, { "SC", -4.7, 55.5, 600 },
        { "SD", 15.5, 30, 900 }, { "SE", 62, 16, 800 }, { "SG", 1.35, 103.8, 25 }, { "SH", -15.96, -5.7, 1500 },
        { "SI", 46.1, 14.9, 120 }, { "SJ", 78, 16, 300 }, { "SK", 48.7, 19.7, 220 }, { "SL", 8.5, -11.8, 170 },
        { "SM", 43.94, 12.46, 5 }, { "SN", 14.5, -14.5, 350 }, { "SO", 5.2, 46.2, 800 }, { "SR", 4, -56, 250 },
        { "SS", 7, 30, 600 }, { "ST", 0.2, 6.6, 150 }, { "SV", 13.8, -88.9, 130 }, { "SX", 18.04, -63.05, 10 },
        { "SY", 35, 38.5, 400 }, { "SZ", -26.5, 31.5, 100 }, { "TC", 21.7, -71.8, 100 }, { "TD", 15.5, 18.7, 900 },
        { "TF", -49.3, 69.3, 1500 }, { "TG", 8.6, 0.8, 300 }, { "TH", 15.9, 101, 800 }, { "TJ", 38.9, 71.3, 350 },
        { "TK", -9.2, -171.8, 100 }, { "TL", -8.9, 125.7, 200 }, { "TM", 39, 59.6, 550 }, { "TN", 34, 9.5, 400 },
        { "TO", -21.2, -175.2, 400 }, { "TR", 39, 35.2, 800 }, { "TT", 10.7, -61.2, 80 }, { "TV", -7.1, 177.6, 350 },
        { "TW", 23.7, 121, 200 }, { "TZ", -6.4, 34.9, 600 }, { "UA", 48.4, 31.2, 650 }, { "UG", 1.4, 32.3, 300 },
        { "UM", 19.3, 166.6, 3000 }, { "US", 39.8, -98.6, 2500 }, { "UY", -32.5, -55.8, 250 },
        { "UZ", 41.4, 64.6, 700 }, { "VA", 41.9, 12.45, 1 }, { "VC", 13.25, -61.2, 60 }, { "VE", 6.4, -66.6, 700 },
        { "VG", 18.4, -64.6, 30 }, { "VI", 18.3, -64.9, 40 }, { "VN", 16, 107.8, 800 }, { "VU", -15.4, 166.9, 450 },
        { "WF", -13.8, -177.2, 150 }, { "WS", -13.8, -172.1, 80 }, { "XK", 42.6, 20.9, 80 },
        { "YE", 15.6, 48.5, 700 }, { "YT", -12.8, 45.15, 25 }, { "ZA", -29, 24.7, 900 }, { "ZM", -13.1, 27.8, 600 },
        { "ZW", -19, 29.2, 400 },
};

static int country_cmp(const void *key, const void *elem) {
        return strncasecmp(key, ((const struct country *) elem)->code, 2);
}

int tt_country_place(const char *code, struct tt_place *ret) {
        if (!code || strlen(code) != 2)
                return -ENOENT;
        const struct country *c = bsearch(code, countries, ELEMENTSOF(countries), sizeof(countries[0]), country_cmp);
        if (!c)
                return -ENOENT;
        *ret = (struct tt_place){ c->latitude, c->longitude, c->radius_km };
        return 0;
}

double tt_distance_km(const struct tt_place *a, const struct tt_place *b) {
        const double earth_radius_km = 6371.0, rad = M_PI / 180.0;
        double dlat = (b->latitude - a->latitude) * rad, dlon = (b->longitude - a->longitude) * rad;
        double h = sin(dlat / 2) * sin(dlat / 2) +
                   cos(a->latitude * rad) * cos(b->latitude * rad) * sin(dlon / 2) * sin(dlon / 2);
        return 2 * earth_radius_km * asin(sqrt(MIN(1.0, h)));
}

double tt_rtt_floor_ms(const struct tt_place *a, const struct tt_place *b) {
        double d = MAX(0.0, tt_distance_km(a, b) - a->radius_km - b->radius_km);
        return 2 * d / TT_RTT_FIBRE_KM_PER_MS;
}

double tt_rtt_ceiling_ms(const struct tt_place *a, const struct tt_place *b) {
        double d = tt_distance_km(a, b) + a->radius_km + b->radius_km;
        return TT_RTT_PATH_STRETCH * 2 * d / TT_RTT_FIBRE_KM_PER_MS + TT_RTT_SLACK_MS;
}

int tt_rtt_judge(const struct tt_config *cfg, const char *peer_country, double rtt_ms, struct tt_rtt_verdict *ret) {
        struct tt_place peer;
        if (tt_country_place(peer_country, &peer) < 0)
                return -ENOENT;
        struct tt_place here[64];
        size_t n = 0;
        if (cfg->network.expected_location.set)
                here[n++] = (struct tt_place){ cfg->network.expected_location.latitude,
                                               cfg->network.expected_location.longitude, TT_RTT_LOCATION_RADIUS_KM };
        else
                for (size_t i = 0; i < cfg->network.expected_countries.n && n < ELEMENTSOF(here); i++)
                        if (tt_country_place(cfg->network.expected_countries.items[i], &here[n]) >= 0)
                                n++;
        if (n == 0)
                return -ENOENT;
        struct tt_rtt_verdict v = { .distance_km = INFINITY };
        for (size_t i = 0; i < n; i++) {
                double ceiling = tt_rtt_ceiling_ms(&here[i], &peer), d = tt_distance_km(&here[i], &peer);
                if (ceiling > v.ceiling_ms)
                        v.ceiling_ms = ceiling;
                if (d < v.distance_km) {
                        v.distance_km = d;
                        v.floor_ms = tt_rtt_floor_ms(&here[i], &peer);
                }
        }
        v.relayed = rtt_ms > v.ceiling_ms;
        *ret = v;
        return 0;
}

int tt_rtt_handshake(uint64_t syn_usec, uint64_t synack_usec, uint64_t ack_usec, uint32_t *ret_usec) {
        if (syn_usec == 0 || synack_usec < syn_usec || ack_usec < synack_usec || ack_usec - syn_usec > UINT32_MAX)
                return -EINVAL;
        *ret_usec = (uint32_t) (ack_usec - syn_usec);
        return 0;
}

/* The RTT of one sock_diag answer if its peer is addr. */
static bool diag_peer_rtt(const struct nlmsghdr *h, int family, const uint8_t *addr, uint32_t *ret_usec) {
        static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
                return false;
        const struct inet_diag_msg *m = NLMSG_DATA(h);
        const uint8_t *dst = (const uint8_t *) m->id.idiag_dst;
        bool same;
        if (family == AF_INET6)
                same = m->idiag_family == AF_INET6 && memcmp(dst, addr, 16) == 0;
        else if (m->idiag_family == AF_INET)
                same = memcmp(dst, addr, 4) == 0;
        else
                same = m->idiag_family == AF_INET6 && memcmp(dst, v4mapped, 12) == 0 && memcmp(dst + 12, addr, 4) == 0;
        if (!same)
                return false;
        const uint8_t *attrs = (const uint8_t *) NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(*m));
        size_t len = h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m))), off = 0;
        for (const struct rtattr *a; (a = tt_rta_next(attrs, len, &off));) {
                if (a->rta_type != INET_DIAG_INFO)
                        continue;
                /* Older kernels send a shorter tcp_info: take what is there. */
                struct tcp_info info = {};
                size_t have = tt_rta_payload_len(a);
                memcpy(&info, tt_rta_payload(a), MIN(have, sizeof(info)));
                bool has_min = have >= offsetof(struct tcp_info, tcpi_min_rtt) + sizeof(info.tcpi_min_rtt);
                uint32_t rtt = has_min && info.tcpi_min_rtt != 0 && info.tcpi_min_rtt != UINT32_MAX ? info.tcpi_min_rtt
                                                                                                   : info.tcpi_rtt;
                if (rtt == 0)
                        return false;
                *ret_usec = rtt;
                return true;
        }
        return false;
}

struct diag_peer {
        int family;
        const uint8_t *addr;
        uint32_t best;
};

static int diag_peer_cb(const struct nlmsghdr *h, void *userdata) {
        struct diag_peer *p = userdata;
        uint32_t rtt;
        if (diag_peer_rtt(h, p->family, p->addr, &rtt) && rtt < p->best)
                p->best = rtt;
        return 0;
}

static int diag_dump(int fd, int sock_family, struct diag_peer *p) {
        struct {
                struct nlmsghdr h;
                struct inet_diag_req_v2 r;
        } req = {
                .h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
                .r = { .sdiag_family = (uint8_t) sock_family, .sdiag_protocol = IPPROTO_TCP,
                       .idiag_ext = 1 << (INET_DIAG_INFO - 1), .idiag_states = 1 << TCP_STATE_ESTABLISHED },
        };
        return tt_netlink_dump(fd, &req, sizeof(req), 32768, diag_peer_cb, p);
}

int tt_rtt_tcp_peer(int family, const uint8_t *addr, uint32_t *ret_usec) {
        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0)
                return -errno;
        struct diag_peer p = { .family = family, .addr = addr, .best = UINT32_MAX };
        int r = diag_dump(fd, family, &p);
        /* A dual-stack listener (sshd on ::) sees IPv4 peers as ::ffff:a.b.c.d. */
        if (r >= 0 && family == AF_INET)
                r = diag_dump(fd, AF_INET6, &p);
        if (r < 0)
                return r;
        if (p.best == UINT32_MAX)
                return -ENOENT;
        *ret_usec = p.best;
        return 0;
}
