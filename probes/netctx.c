/* SPDX-License-Identifier: MIT */
/* Where the laptop is, as keyed hashes: the default gateway's MAC, the Wi-Fi
 * network (SSID) and access point (BSSID) it is on, the DNS domain and
 * servers. Five laptops of five "employees" in five states that share one
 * gateway are a laptop farm, and only the SOC, which sees every laptop, can
 * tell. Every value is hashed with the fleet secret (core/fleet-hash.h) here,
 * before it becomes an observation: nothing after this probe ever holds a raw
 * MAC, SSID or BSSID, so no finding, log or syslog message can leak one.
 *
 * Sources. The gateway is the first IPv4 route with a next hop whose MAC the
 * neighbour table knows: the default route first, then (when a full-tunnel
 * VPN has replaced it) the host route to the VPN server, which still goes
 * through the home router; tunnels have no neighbours. Routes come from
 * probes/route.c (rtnetlink live, /proc/net/route under --root), neighbours
 * from /proc/net/arp on both, since the live file is the kernel's own table
 * for the namespace we run in. DNS domain and servers come from resolv.conf,
 * systemd-resolved's upstream view first (its stub file only says
 * 127.0.0.53).
 *
 * Wi-Fi, live: nl80211 over generic netlink, as `iw dev wlan0 link` does:
 * NL80211_CMD_GET_INTERFACE gives the SSID the station is connected to, the
 * NL80211_CMD_GET_SCAN dump the BSS whose status is "associated" (its BSSID,
 * and its SSID element for kernels that do not report the SSID with the
 * interface). Under --root: no file on a running system or a disk image says
 * which network is current (NetworkManager's keyfiles list known networks,
 * wpa_supplicant and iwd keep it in memory), so a text file invented for
 * tests would exercise nothing the live path runs. Instead the root may hold
 * /run/telltale/nl80211/<ifname>: the kernel's replies to those two requests,
 * the netlink messages as received, concatenated. The live path and the
 * fixtures then go through the same message parser; only tests write that
 * file (tests/fixtures/fleet/make-fleet.py). */
#include <arpa/inet.h>
#include <stddef.h>
#include <linux/genetlink.h>
#include <linux/nl80211.h>
#include <netinet/ether.h>
#include <stdio.h>
#include <sys/socket.h>

#include "config.h"
#include "fleet-hash.h"
#include "nlwalk.h"
#include "probe.h"
#include "route.h"
#include "util.h"

#define ARP_MAX (1024 * 1024)
#define RESOLV_CONF_MAX (64 * 1024)
#define NL80211_RECORDING_MAX (1024 * 1024)
#define NL_RECV_SIZE 65536
#define DNS_SERVERS_MAX 8
#define SSID_MAX 32
#define ATF_COM 0x02 /* linux/if_arp.h: the entry is complete */
#define ARPHRD_ETHER 1
#define WLAN_EID_SSID 0

static const char *const resolv_confs[] = {
        "/run/systemd/resolve/resolv.conf",
        "/etc/resolv.conf",
};

struct netctx {
        bool have_gateway_mac;
        uint8_t gateway_mac[ETH_ALEN];
        bool have_bssid;
        uint8_t bssid[ETH_ALEN];
        size_t ssid_len; /* 0: none */
        uint8_t ssid[SSID_MAX];
        char domain[254];
        size_t n_dns;
        char dns[DNS_SERVERS_MAX][INET6_ADDRSTRLEN];
};

/* The raw values live only in this struct, on the stack of one scan. */
static void netctx_clear(struct netctx *c) {
        explicit_bzero(c, sizeof(*c));
}

/* "aa:bb:cc:dd:ee:ff", exactly: ether_aton_r() alone takes "a:b:c:d:e:f" and
 * ignores what follows the sixth octet. */
static bool mac_parse(const char *s, uint8_t mac[ETH_ALEN]) {
        struct ether_addr a;
        if (strlen(s) != 3 * ETH_ALEN - 1 || !ether_aton_r(s, &a))
                return false;
        memcpy(mac, a.ether_addr_octet, ETH_ALEN);
        return true;
}

/* A unicast, non-zero station address; an incomplete entry shows zeros. */
static bool mac_usable(const uint8_t mac[ETH_ALEN]) {
        static const uint8_t zero[ETH_ALEN];
        return memcmp(mac, zero, ETH_ALEN) != 0 && !(mac[0] & 1);
}

static void mac_format(const uint8_t mac[ETH_ALEN], char buf[static 3 * ETH_ALEN]) {
        snprintf(buf, 3 * ETH_ALEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* /proc/net/arp: "IP address  HW type  Flags  HW address  Mask  Device". */
static bool arp_lookup(const char *text, const uint8_t gateway[4], const char *dev, uint8_t mac[ETH_ALEN]) {
        const char *line = strchr(text, '\n'); /* the header */
        while (line && *++line) {
                const char *end = strchrnul(line, '\n');
                char copy[256], ip[64], hwtype[16], flags[16], hwaddr[64], mask[64], device[64];
                size_t len = (size_t) (end - line);
                const char *next = *end ? end : NULL;
                if (len >= sizeof(copy)) {
                        line = next;
                        continue;
                }
                memcpy(copy, line, len);
                copy[len] = '\0';
                line = next;
                uint8_t addr[4];
                uint64_t type, fl;
                if (sscanf(copy, "%63s %15s %15s %63s %63s %63s", ip, hwtype, flags, hwaddr, mask, device) != 6 ||
                    inet_pton(AF_INET, ip, addr) != 1 || memcmp(addr, gateway, 4) != 0 || !streq(device, dev) ||
                    !startswith(hwtype, "0x") || safe_atou64(hwtype + 2, 16, &type) < 0 || type != ARPHRD_ETHER ||
                    !startswith(flags, "0x") || safe_atou64(flags + 2, 16, &fl) < 0 || !(fl & ATF_COM) ||
                    !mac_parse(hwaddr, mac) || !mac_usable(mac))
                        continue;
                return true;
        }
        return false;
}

static int route_order(const void *a, const void *b) {
        const struct tt_route *x = *(const struct tt_route *const *) a, *y = *(const struct tt_route *const *) b;
        if (x->prefix_len != y->prefix_len)
                return x->prefix_len < y->prefix_len ? -1 : 1;
        return x->metric < y->metric ? -1 : x->metric > y->metric;
}

/* The gateway's MAC, and the link it is on (dev, IFNAMSIZ): that of the
 * route whose next hop has a MAC, else of the preferred route, so the Wi-Fi
 * is known before the neighbour table has the router. */
static int gateway_find(const struct tt_root *root, const struct tt_routes *routes, struct netctx *c, char *dev) {
        _cleanup_free_ const struct tt_route **cand = calloc(routes->n_routes ? routes->n_routes : 1, sizeof(*cand));
        if (!cand)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < routes->n_routes; i++) {
                const struct tt_route *rt = &routes->routes[i];
                if (rt->family == AF_INET && rt->has_gateway && rt->dev[0] &&
                    (rt->table == TT_ROUTE_TABLE_MAIN || rt->table == TT_ROUTE_TABLE_UNKNOWN))
                        cand[n++] = rt;
        }
        if (n == 0)
                return 0;
        qsort(cand, n, sizeof(*cand), route_order);
        strscpy(dev, IFNAMSIZ, cand[0]->dev);
        _cleanup_free_ char *arp = NULL;
        int e = tt_root_read_file(root, "/proc/net/arp", ARP_MAX, &arp, NULL);
        if (e == -ENOENT)
                return 0;
        if (e < 0)
                return e;
        for (size_t i = 0; i < n; i++)
                if (arp_lookup(arp, cand[i]->gateway, cand[i]->dev, c->gateway_mac)) {
                        c->have_gateway_mac = true;
                        strscpy(dev, IFNAMSIZ, cand[i]->dev);
                        break;
                }
        explicit_bzero(arp, strlen(arp));
        return 0;
}

/* nl80211: what one station interface is connected to. */
struct wifi {
        int ifindex;
        size_t ssid_len, ie_ssid_len;
        uint8_t ssid[SSID_MAX], ie_ssid[SSID_MAX];
        bool have_bssid;
        uint8_t bssid[ETH_ALEN];
};

static const uint8_t *nla_data(const struct rtattr *a) {
        return tt_rta_payload(a);
}

static bool nla_u32(const struct rtattr *a, uint32_t *ret) {
        if (tt_rta_payload_len(a) != sizeof(uint32_t))
                return false;
        memcpy(ret, nla_data(a), sizeof(*ret));
        return true;
}

/* An SSID of 1-32 bytes; a hidden network's element is empty or all zeros. */
static size_t ssid_copy(const uint8_t *s, size_t len, uint8_t out[SSID_MAX]) {
        if (len == 0 || len > SSID_MAX)
                return 0;
        size_t zeros = 0;
        while (zeros < len && s[zeros] == 0)
                zeros++;
        if (zeros == len)
                return 0;
        memcpy(out, s, len);
        return len;
}

/* The SSID element of an 802.11 information-element list. */
static size_t ies_ssid(const uint8_t *ies, size_t len, uint8_t out[SSID_MAX]) {
        for (size_t off = 0; len - off >= 2;) {
                uint8_t id = ies[off], elen = ies[off + 1];
                if (elen > len - off - 2)
                        return 0;
                if (id == WLAN_EID_SSID)
                        return ssid_copy(ies + off + 2, elen, out);
                off += 2 + (size_t) elen;
        }
        return 0;
}

static void bss_parse(struct wifi *w, const uint8_t *attrs, size_t len) {
        uint8_t bssid[ETH_ALEN], ssid[SSID_MAX];
        size_t ssid_len = 0, off = 0;
        bool have_bssid = false, associated = false;
        for (const struct rtattr *a; (a = tt_rta_next(attrs, len, &off));) {
                uint32_t status;
                switch (a->rta_type & NLA_TYPE_MASK) {
                case NL80211_BSS_BSSID:
                        if (tt_rta_payload_len(a) == ETH_ALEN) {
                                memcpy(bssid, nla_data(a), ETH_ALEN);
                                have_bssid = true;
                        }
                        break;
                case NL80211_BSS_STATUS:
                        associated = nla_u32(a, &status) && status == NL80211_BSS_STATUS_ASSOCIATED;
                        break;
                case NL80211_BSS_INFORMATION_ELEMENTS:
                        ssid_len = ies_ssid(nla_data(a), tt_rta_payload_len(a), ssid);
                        break;
                }
        }
        if (associated && have_bssid && mac_usable(bssid) && !w->have_bssid) {
                memcpy(w->bssid, bssid, ETH_ALEN);
                w->have_bssid = true;
                memcpy(w->ie_ssid, ssid, ssid_len);
                w->ie_ssid_len = ssid_len;
        }
        explicit_bzero(ssid, sizeof(ssid));
        explicit_bzero(bssid, sizeof(bssid));
}

/* One nl80211 message: NEW_INTERFACE (reply to GET_INTERFACE) or
 * NEW_SCAN_RESULTS (one BSS of the GET_SCAN dump). Messages about another
 * interface, and anything else, are ignored. */
static void nl80211_msg(struct wifi *w, const struct nlmsghdr *h) {
        if (h->nlmsg_type < NLMSG_MIN_TYPE || h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
                return;
        const struct genlmsghdr *g = NLMSG_DATA(h);
        if (g->cmd != NL80211_CMD_NEW_INTERFACE && g->cmd != NL80211_CMD_NEW_SCAN_RESULTS)
                return;
        const uint8_t *attrs = (const uint8_t *) g + GENL_HDRLEN;
        size_t len = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), off = 0;
        uint32_t ifindex = 0, iftype = NL80211_IFTYPE_UNSPECIFIED;
        const struct rtattr *ssid = NULL, *bss = NULL;
        for (const struct rtattr *a; (a = tt_rta_next(attrs, len, &off));)
                switch (a->rta_type & NLA_TYPE_MASK) {
                case NL80211_ATTR_IFINDEX:
                        (void) nla_u32(a, &ifindex);
                        break;
                case NL80211_ATTR_IFTYPE:
                        (void) nla_u32(a, &iftype);
                        break;
                case NL80211_ATTR_SSID:
                        ssid = a;
                        break;
                case NL80211_ATTR_BSS:
                        bss = a;
                        break;
                }
        if (ifindex == 0 || ifindex != (uint32_t) w->ifindex)
                return;
        if (g->cmd == NL80211_CMD_NEW_INTERFACE) {
                /* An access point or monitor interface's SSID is not a network the laptop is on. */
                if (ssid && (iftype == NL80211_IFTYPE_STATION || iftype == NL80211_IFTYPE_P2P_CLIENT))
                        w->ssid_len = ssid_copy(nla_data(ssid), tt_rta_payload_len(ssid), w->ssid);
        } else if (bss)
                bss_parse(w, nla_data(bss), tt_rta_payload_len(bss));
}

static void nl80211_messages(struct wifi *w, const uint8_t *buf, size_t len) {
        size_t off = 0;
        for (const struct nlmsghdr *h; (h = tt_nlmsg_next(buf, len, &off));) {
                if (h->nlmsg_type == NLMSG_DONE)
                        break;
                nl80211_msg(w, h);
        }
}

/* Requests are dumps: their replies end in NLMSG_DONE, which is what
 * tt_netlink_dump() reads up to (GET_INTERFACE and GETFAMILY answer a dump
 * with every interface and family; the callbacks pick ours). */
struct genl_request {
        struct nlmsghdr h;
        struct genlmsghdr g;
        struct rtattr ifindex_attr;
        uint32_t ifindex;
};

/* ifindex 0: without NL80211_ATTR_IFINDEX. */
static int genl_dump(int fd, uint16_t family, uint8_t cmd, uint32_t ifindex,
                     int (*cb)(const struct nlmsghdr *h, void *userdata), void *userdata) {
        struct genl_request req = {
                .h = { .nlmsg_type = family, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
                .g = { .cmd = cmd, .version = 1 },
                .ifindex_attr = { .rta_len = RTA_LENGTH(sizeof(uint32_t)), .rta_type = NL80211_ATTR_IFINDEX },
                .ifindex = ifindex,
        };
        size_t len = ifindex ? sizeof(req) : offsetof(struct genl_request, ifindex_attr);
        req.h.nlmsg_len = (uint32_t) len;
        return tt_netlink_dump(fd, &req, len, NL_RECV_SIZE, cb, userdata);
}

static int family_msg(const struct nlmsghdr *h, void *userdata) {
        static const char nl80211[] = "nl80211";
        uint16_t *ret = userdata, id = 0;
        bool named = false;
        if (h->nlmsg_type != GENL_ID_CTRL || h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
                return 0;
        const uint8_t *attrs = (const uint8_t *) NLMSG_DATA(h) + GENL_HDRLEN;
        size_t len = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), off = 0;
        for (const struct rtattr *a; (a = tt_rta_next(attrs, len, &off));) {
                size_t n = tt_rta_payload_len(a);
                if ((a->rta_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID && n == sizeof(id))
                        memcpy(&id, nla_data(a), sizeof(id));
                else if ((a->rta_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_NAME)
                        named = n == sizeof(nl80211) && memcmp(nla_data(a), nl80211, n) == 0;
        }
        if (named)
                *ret = id;
        return 0;
}

static int wifi_msg(const struct nlmsghdr *h, void *userdata) {
        nl80211_msg(userdata, h);
        return 0;
}

static int wifi_read_live(struct wifi *w) {
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
        if (fd < 0)
                return -errno;
        uint16_t family = 0;
        int e = genl_dump(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, family_msg, &family);
        /* family 0: no cfg80211 in this kernel, no Wi-Fi to report. */
        if (e < 0 || family == 0)
                return e;
        e = genl_dump(fd, family, NL80211_CMD_GET_INTERFACE, (uint32_t) w->ifindex, wifi_msg, w);
        if (e >= 0)
                e = genl_dump(fd, family, NL80211_CMD_GET_SCAN, (uint32_t) w->ifindex, wifi_msg, w);
        /* The link went away, or is not a cfg80211 device after all. */
        return e == -ENODEV || e == -EOPNOTSUPP ? 0 : e;
}

static int wifi_read_recording(const struct tt_root *root, const char *dev, struct wifi *w) {
        char path[64];
        snprintf(path, sizeof(path), "/run/telltale/nl80211/%s", dev);
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int e = tt_root_read_file(root, path, NL80211_RECORDING_MAX, &data, &len);
        if (e == -ENOENT)
                return 0;
        if (e < 0)
                return e;
        nl80211_messages(w, (const uint8_t *) data, len);
        explicit_bzero(data, len);
        return 0;
}

static int wifi_find(const struct tt_root *root, const struct tt_link *link, struct netctx *c) {
        struct wifi w = { .ifindex = link->ifindex };
        if (w.ifindex <= 0)
                return 0;
        int e = root->live ? wifi_read_live(&w) : wifi_read_recording(root, link->name, &w);
        if (e >= 0) {
                c->have_bssid = w.have_bssid;
                memcpy(c->bssid, w.bssid, ETH_ALEN);
                /* The interface's SSID is the configured one; the beacon's may be hidden. */
                c->ssid_len = w.ssid_len ? w.ssid_len : w.ie_ssid_len;
                memcpy(c->ssid, w.ssid_len ? w.ssid : w.ie_ssid, c->ssid_len);
        }
        explicit_bzero(&w, sizeof(w));
        return e;
}

/* A domain as resolvers compare it: lowercase, no final dot; false for
 * something that is not a name. */
static bool domain_normalize(const char *s, char *out, size_t size) {
        size_t len = strlen(s);
        if (len > 0 && s[len - 1] == '.')
                len--;
        if (len == 0 || len >= size)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                if (ch <= ' ' || ch >= 127)
                        return false;
                out[i] = ch >= 'A' && ch <= 'Z' ? (char) (ch - 'A' + 'a') : ch;
        }
        out[len] = '\0';
        return true;
}

/* A numeric server as inet_ntop writes it (scope dropped: it names our link,
 * not the network); loopback stubs say nothing about where we are. */
static bool server_normalize(const char *s, char out[static INET6_ADDRSTRLEN]) {
        char addr[INET6_ADDRSTRLEN];
        size_t len = strcspn(s, "%");
        if (len >= sizeof(addr))
                return false;
        strscpyl(addr, sizeof(addr), s, len);
        uint8_t a[16];
        static const uint8_t loopback6[16] = { [15] = 1 };
        if (inet_pton(AF_INET, addr, a) == 1)
                return a[0] != 127 && inet_ntop(AF_INET, a, out, INET6_ADDRSTRLEN);
        if (inet_pton(AF_INET6, addr, a) == 1)
                return memcmp(a, loopback6, 16) != 0 && inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
        return false;
}

static int dns_order(const void *a, const void *b) {
        return strcmp(a, b);
}

static void dns_add(struct netctx *c, const char *server) {
        char norm[INET6_ADDRSTRLEN];
        if (c->n_dns == DNS_SERVERS_MAX || !server_normalize(server, norm))
                return;
        for (size_t i = 0; i < c->n_dns; i++)
                if (streq(c->dns[i], norm))
                        return;
        strscpy(c->dns[c->n_dns++], INET6_ADDRSTRLEN, norm);
}

/* resolv.conf(5): "domain" and "search" replace each other, the last wins;
 * the first search domain stands for the list. */
static int resolv_read(const struct tt_root *root, struct netctx *c) {
        for (size_t i = 0; i < ELEMENTSOF(resolv_confs); i++) {
                _cleanup_free_ char *text = NULL;
                int e = tt_root_read_file(root, resolv_confs[i], RESOLV_CONF_MAX, &text, NULL);
                if (e == -ENOENT)
                        continue;
                if (e < 0)
                        return e;
                char *save = NULL;
                for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                        char *word_save = NULL, *key = strtok_r(line, " \t", &word_save);
                        char *value = key ? strtok_r(NULL, " \t", &word_save) : NULL;
                        if (!value || key[0] == '#' || key[0] == ';')
                                continue;
                        if (streq(key, "nameserver"))
                                dns_add(c, value);
                        else if ((streq(key, "domain") || streq(key, "search")) &&
                                 !domain_normalize(value, c->domain, sizeof(c->domain)))
                                c->domain[0] = '\0';
                }
                /* The first file there is the resolver's view; the second is its stub's. */
                if (c->n_dns > 0 || c->domain[0])
                        break;
        }
        qsort(c->dns, c->n_dns, sizeof(c->dns[0]), dns_order);
        return 0;
}

struct hashes {
        char gateway_mac[TT_FLEET_HASH_HEX + 1], bssid[TT_FLEET_HASH_HEX + 1], ssid[TT_FLEET_HASH_HEX + 1],
                domain[TT_FLEET_HASH_HEX + 1], dns[TT_FLEET_HASH_HEX + 1];
};

static int hashes_compute(const struct tt_fleet_key *k, const struct netctx *c, struct hashes *h) {
        char mac[3 * ETH_ALEN], dns[DNS_SERVERS_MAX * INET6_ADDRSTRLEN] = "";
        int e = 0;
        if (c->have_gateway_mac) {
                mac_format(c->gateway_mac, mac);
                e = tt_fleet_hash(k, "gateway_mac", mac, strlen(mac), h->gateway_mac);
        }
        if (e >= 0 && c->have_bssid) {
                mac_format(c->bssid, mac);
                e = tt_fleet_hash(k, "bssid", mac, strlen(mac), h->bssid);
        }
        explicit_bzero(mac, sizeof(mac));
        /* The SSID's bytes as they are: it may hold any octet, and needs no escaping to be hashed. */
        if (e >= 0 && c->ssid_len > 0)
                e = tt_fleet_hash(k, "ssid", c->ssid, c->ssid_len, h->ssid);
        if (e >= 0 && c->domain[0])
                e = tt_fleet_hash(k, "dhcp_domain", c->domain, strlen(c->domain), h->domain);
        for (size_t i = 0; i < c->n_dns; i++) {
                if (i > 0)
                        strncat(dns, ",", sizeof(dns) - strlen(dns) - 1);
                strncat(dns, c->dns[i], sizeof(dns) - strlen(dns) - 1);
        }
        if (e >= 0 && dns[0])
                e = tt_fleet_hash(k, "dns", dns, strlen(dns), h->dns);
        return e;
}

static int context_emit(struct tt_probe_ctx *ctx, const struct tt_fleet_key *k, const struct hashes *h) {
        /* The subject names the whole context, so a laptop that moves gets a
         * new finding and the old one clears. */
        char all[5 * (TT_FLEET_HASH_HEX + 1)], subject[8 + TT_FLEET_HASH_HEX + 1], id[TT_FLEET_HASH_HEX + 1];
        snprintf(all, sizeof(all), "%s|%s|%s|%s|%s", h->gateway_mac, h->bssid, h->ssid, h->domain, h->dns);
        int e = tt_fleet_hash(k, "context", all, strlen(all), id);
        if (e < 0)
                return e;
        snprintf(subject, sizeof(subject), "netctx:%s", id);
        struct tt_observation o;
        tt_obs_init(&o, "context", subject);
        tt_obs_add_str(&o, "gateway_mac_hash", h->gateway_mac[0] ? h->gateway_mac : NULL);
        tt_obs_add_str(&o, "bssid_hash", h->bssid[0] ? h->bssid : NULL);
        tt_obs_add_str(&o, "ssid_hash", h->ssid[0] ? h->ssid : NULL);
        tt_obs_add_str(&o, "dhcp_domain_hash", h->domain[0] ? h->domain : NULL);
        tt_obs_add_str(&o, "dns_hash", h->dns[0] ? h->dns : NULL);
        return tt_emit(ctx, &o);
}

static void key_note(struct tt_probe_ctx *ctx, const char *path, int e) {
        char why[64];
        if (e == -EKEYREJECTED)
                snprintf(why, sizeof(why), "shorter than %d bytes", TT_FLEET_KEY_MIN);
        else if (e == -EFBIG)
                snprintf(why, sizeof(why), "longer than %d bytes", TT_FLEET_KEY_MAX);
        else if (e == -EINVAL)
                snprintf(why, sizeof(why), "not a regular file");
        else
                snprintf(why, sizeof(why), "%s", strerror(-e));
        snprintf(ctx->note, sizeof(ctx->note),
                 "fleet key %s: %s; network context not reported (fleet.secret_file, the same key on every laptop)",
                 path, why);
}

static int netctx_collect(struct tt_probe_ctx *ctx, struct netctx *c) {
        _cleanup_free_ struct tt_link *links = NULL;
        size_t n_links = 0;
        int e = tt_links_read(ctx->root, &links, &n_links, NULL);
        if (e < 0 && e != -ENOENT)
                return e;
        struct tt_routes routes;
        e = tt_routes_read(ctx->root, links, n_links, &routes);
        if (e < 0 && e != -ENOENT)
                return e;
        char dev[IFNAMSIZ] = "";
        if (e >= 0) {
                e = gateway_find(ctx->root, &routes, c, dev);
                tt_routes_free(&routes);
                if (e < 0)
                        return e;
        }
        const struct tt_link *link = dev[0] ? tt_links_find(links, n_links, dev) : NULL;
        if (link && streq_ptr(link->kind, "wifi") && (e = wifi_find(ctx->root, link, c)) < 0)
                return e;
        return resolv_read(ctx->root, c);
}

static int netctx_scan(struct tt_probe_ctx *ctx) {
        const char *path = ctx->config ? ctx->config->fleet_secret_file : NULL;
        if (isempty(path)) {
                snprintf(ctx->note, sizeof(ctx->note), "no fleet.secret_file: network context not reported");
                return 0;
        }
        /* Never hash with a missing or guessable key: no context rather than a reversible one. */
        struct tt_fleet_key key;
        int e = tt_fleet_key_load(path, &key);
        if (e < 0) {
                key_note(ctx, path, e);
                return 0;
        }
        struct netctx c = {};
        struct hashes h = {};
        e = netctx_collect(ctx, &c);
        if (e >= 0)
                e = hashes_compute(&key, &c, &h);
        bool any = c.have_gateway_mac || c.have_bssid || c.ssid_len || c.domain[0] || c.n_dns;
        netctx_clear(&c);
        if (e >= 0 && any)
                e = context_emit(ctx, &key, &h);
        tt_fleet_key_clear(&key);
        return e;
}

const struct tt_probe tt_probe_netctx = {
        .name = "netctx",
        .default_enabled = true,
        .scan = netctx_scan,
        /* A new link, address or route is a new network, or a way out of the old one. */
        .netlink_rescan = true,
};
