/* SPDX-License-Identifier: MIT */
/* The fleet key and hash (core/fleet-hash.c) and the network context probe
 * (probes/netctx.c) against trees in the kernel's formats: /proc/net/route,
 * /proc/net/arp, resolv.conf and nl80211 replies built here message by
 * message, hostile ones included. The expected hashes were computed outside
 * this code, with Python's hmac module:
 *   hmac.new(KEY, label.encode() + b"\0" + value, hashlib.sha256).hexdigest()[:32] */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nl80211.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "catalog.h"
#include "config.h"
#include "fixture.h"
#include "fleet-hash.h"
#include "probe.h"
#include "util.h"

#define KEY "correct horse battery staple 42!"
#define GW_MAC "3c:a6:2f:11:22:33"
#define BSSID "3c:a6:2f:11:22:34"
#define SSID "M\xc3\xbcller WLAN"
/* The hashes of the values above with KEY. */
#define GW_HASH "af0a68a749d6e300a65f70c50a633b91"
#define BSSID_HASH "0374b52fccaf3dc674819361573860b4"
#define SSID_HASH "19071a67f3cf378d185a223af51f3d02"
#define SSID2_HASH "5dceacd95d30c95e464178fb0d6f6bb4" /* "Hidden?Net" */
#define DOMAIN_HASH "dce89c9c8434fc712b0e09c93b5b17cb" /* "fritz.box" */
#define DNS_HASH "004bda8dd5b89edd593e25322e98de0c"    /* "192.168.178.1,2001:db8::53" */
#define WLAN_IFINDEX 3
#define NL80211_FAMILY 0x1c /* whatever the kernel assigned when the reply was recorded */

static char base[PATH_MAX];
static char key_path[PATH_MAX];

static int setup_all(void **state) {
        fixture_mkdtemp(base, sizeof(base), "netctx");
        fixture_path(key_path, sizeof(key_path), base, "fleet.key");
        fixture_write_str(base, "fleet.key", KEY "\n");
        return 0;
}

static int teardown_all(void **state) {
        fixture_rm_rf(base);
        return 0;
}

/* ---- netlink messages, as the kernel sends them ---- */

struct nlbuf {
        uint8_t data[16384];
        size_t len;
};

static void *nl_reserve(struct nlbuf *b, size_t len) {
        size_t aligned = NLMSG_ALIGN(len);
        assert_true(b->len + aligned <= sizeof(b->data));
        void *p = b->data + b->len;
        memset(p, 0, aligned);
        b->len += aligned;
        return p;
}

static size_t msg_begin(struct nlbuf *b, uint16_t type, uint8_t cmd) {
        size_t off = b->len;
        struct nlmsghdr *h = nl_reserve(b, NLMSG_HDRLEN);
        h->nlmsg_type = type;
        h->nlmsg_flags = NLM_F_MULTI;
        struct genlmsghdr *g = nl_reserve(b, GENL_HDRLEN);
        g->cmd = cmd;
        g->version = 1;
        return off;
}

static void msg_end(struct nlbuf *b, size_t off) {
        ((struct nlmsghdr *) (void *) (b->data + off))->nlmsg_len = (uint32_t) (b->len - off);
}

static void attr(struct nlbuf *b, uint16_t type, const void *data, size_t len) {
        struct nlattr *a = nl_reserve(b, NLA_HDRLEN + len);
        a->nla_type = type;
        a->nla_len = (uint16_t) (NLA_HDRLEN + len);
        memcpy((uint8_t *) a + NLA_HDRLEN, data, len);
}

static void attr_u32(struct nlbuf *b, uint16_t type, uint32_t v) {
        attr(b, type, &v, sizeof(v));
}

static size_t nest_begin(struct nlbuf *b, uint16_t type) {
        size_t off = b->len;
        struct nlattr *a = nl_reserve(b, NLA_HDRLEN);
        a->nla_type = type | NLA_F_NESTED;
        return off;
}

static void nest_end(struct nlbuf *b, size_t off) {
        ((struct nlattr *) (void *) (b->data + off))->nla_len = (uint16_t) (b->len - off);
}

static void done(struct nlbuf *b) {
        struct nlmsghdr *h = nl_reserve(b, NLMSG_HDRLEN + sizeof(int));
        h->nlmsg_type = NLMSG_DONE;
        h->nlmsg_len = NLMSG_HDRLEN + sizeof(int);
}

static void mac_bytes(const char *s, uint8_t mac[6]) {
        unsigned v[6];
        assert_int_equal(sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]), 6);
        for (size_t i = 0; i < 6; i++)
                mac[i] = (uint8_t) v[i];
}

static void iface_msg(struct nlbuf *b, uint32_t ifindex, uint32_t iftype, const void *ssid, size_t ssid_len) {
        size_t m = msg_begin(b, NL80211_FAMILY, NL80211_CMD_NEW_INTERFACE);
        attr_u32(b, NL80211_ATTR_IFINDEX, ifindex);
        attr(b, NL80211_ATTR_IFNAME, "wlan0", 6);
        attr_u32(b, NL80211_ATTR_IFTYPE, iftype);
        if (ssid)
                attr(b, NL80211_ATTR_SSID, ssid, ssid_len);
        msg_end(b, m);
}

/* One BSS of a scan dump; status < 0: none (seen, not joined). */
static void bss_msg(struct nlbuf *b, uint32_t ifindex, const char *bssid, int status, const void *ies, size_t ies_len) {
        uint8_t mac[6];
        mac_bytes(bssid, mac);
        size_t m = msg_begin(b, NL80211_FAMILY, NL80211_CMD_NEW_SCAN_RESULTS);
        attr_u32(b, NL80211_ATTR_GENERATION, 7);
        attr_u32(b, NL80211_ATTR_IFINDEX, ifindex);
        size_t n = nest_begin(b, NL80211_ATTR_BSS);
        attr(b, NL80211_BSS_BSSID, mac, 6);
        attr_u32(b, NL80211_BSS_FREQUENCY, 5180);
        if (ies)
                attr(b, NL80211_BSS_INFORMATION_ELEMENTS, ies, ies_len);
        if (status >= 0)
                attr_u32(b, NL80211_BSS_STATUS, (uint32_t) status);
        nest_end(b, n);
        msg_end(b, m);
}

/* An SSID element, then a supported-rates element. */
static size_t ies_with_ssid(uint8_t *out, const void *ssid, size_t len) {
        out[0] = 0;
        out[1] = (uint8_t) len;
        memcpy(out + 2, ssid, len);
        static const uint8_t rates[] = { 1, 4, 0x82, 0x84, 0x8b, 0x96 };
        memcpy(out + 2 + len, rates, sizeof(rates));
        return 2 + len + sizeof(rates);
}

/* What `iw` would have received on a laptop on SSID at BSSID, a neighbour's
 * network in range. */
static void recording_typical(struct nlbuf *b) {
        uint8_t ies[64];
        iface_msg(b, WLAN_IFINDEX, NL80211_IFTYPE_STATION, SSID, strlen(SSID));
        bss_msg(b, WLAN_IFINDEX, "8a:00:00:00:00:01", -1, ies, ies_with_ssid(ies, "Neighbour", 9));
        bss_msg(b, WLAN_IFINDEX, BSSID, NL80211_BSS_STATUS_ASSOCIATED, ies, ies_with_ssid(ies, SSID, strlen(SSID)));
        done(b);
}

/* ---- trees ---- */

#define ROUTE_HEADER "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
/* 192.168.178.0/24 on wlan0, default via 192.168.178.1 */
#define ROUTE_WLAN                                                  \
        "wlan0\t00000000\t01B2A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n" \
        "wlan0\t00B2A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n"
#define ARP_HEADER "IP address       HW type     Flags       HW address            Mask     Device\n"
#define ARP_GW "192.168.178.1    0x1         0x2         " GW_MAC "     *        wlan0\n"

static void tree_link(const char *root, const char *name, int ifindex, const char *devtype) {
        char rel[128], text[128];
        fixture_format(rel, sizeof(rel), "sys/class/net/%s/type", name);
        fixture_write_str(root, rel, "1\n");
        fixture_format(rel, sizeof(rel), "sys/class/net/%s/ifindex", name);
        fixture_format(text, sizeof(text), "%d\n", ifindex);
        fixture_write_str(root, rel, text);
        fixture_format(rel, sizeof(rel), "sys/class/net/%s/uevent", name);
        fixture_format(text, sizeof(text), "%s%s%sINTERFACE=%s\nIFINDEX=%d\n", devtype ? "DEVTYPE=" : "",
                       devtype ? devtype : "", devtype ? "\n" : "", name, ifindex);
        fixture_write_str(root, rel, text);
}

static void tree_recording(const char *root, const char *dev, const struct nlbuf *b) {
        char rel[128];
        fixture_format(rel, sizeof(rel), "run/telltale/nl80211/%s", dev);
        fixture_write(root, rel, b->data, b->len);
}

/* A laptop at home on Wi-Fi: the layout every test starts from. */
static void tree_home(char *root, size_t size, const char *name) {
        fixture_path(root, size, base, name);
        fixture_mkdir_p(root);
        tree_link(root, "lo", 1, NULL);
        tree_link(root, "eth0", 2, NULL);
        tree_link(root, "wlan0", WLAN_IFINDEX, "wlan");
        fixture_write_str(root, "proc/net/route", ROUTE_HEADER ROUTE_WLAN);
        fixture_write_str(root, "proc/net/arp", ARP_HEADER ARP_GW);
        struct nlbuf b = {};
        recording_typical(&b);
        tree_recording(root, "wlan0", &b);
        fixture_write_str(root, "etc/resolv.conf",
                          "# Generated by NetworkManager\nsearch fritz.box\nnameserver 192.168.178.1\n"
                          "nameserver 2001:db8::53\n");
}

/* ---- scanning ---- */

struct scan_result {
        int r;
        char note[256];
        struct fixture_observations obs;
};

static void scan_with_key(const char *root_dir, const char *key, struct scan_result *res) {
        struct tt_config cfg = { .fleet_secret_file = (char *) key };
        struct tt_root root;
        assert_int_equal(tt_root_open(root_dir, &root), 0);
        struct tt_probe_ctx ctx = {
                .root = &root,
                .config = &cfg,
                .emit = fixture_collect,
                .userdata = &res->obs,
                .probe_name = tt_probe_netctx.name,
        };
        res->obs.n = 0;
        res->r = tt_probe_netctx.scan(&ctx);
        strscpy(res->note, sizeof(res->note), ctx.note);
        tt_root_close(&root);
}

static void scan(const char *root_dir, struct scan_result *res) {
        scan_with_key(root_dir, key_path, res);
}

/* The single context observation's value for key, "" when absent. */
static const char *value(const struct scan_result *res, const char *key, char *buf, size_t size) {
        assert_int_equal(res->obs.n, 1);
        const char *t = res->obs.text[0];
        assert_true(startswith(t, "context netctx:"));
        char needle[64];
        fixture_format(needle, sizeof(needle), "\n%s=", key);
        const char *p = strstr(t, needle);
        buf[0] = '\0';
        if (p) {
                p += strlen(needle);
                size_t n = strcspn(p, "\n");
                assert_true(n < size);
                memcpy(buf, p, n);
                buf[n] = '\0';
        }
        return buf;
}

#define assert_value(res, key, expected)                                        \
        do {                                                                    \
                char _b[128];                                                   \
                assert_string_equal(value(res, key, _b, sizeof(_b)), expected); \
        } while (0)

static const char *subject(const struct scan_result *res, char *buf, size_t size) {
        assert_int_equal(res->obs.n, 1);
        const char *sp = strchr(res->obs.text[0], ' ');
        size_t n = strcspn(sp + 1, "\n");
        assert_true(n < size);
        memcpy(buf, sp + 1, n);
        buf[n] = '\0';
        return buf;
}

/* Nothing readable about the network in what the probe handed on. */
static void assert_no_raw(const struct scan_result *res) {
        static const char *const raw[] = { GW_MAC, "3C:A6:2F:11:22:33", BSSID, "3c:a6:2f:11:22:34", SSID, "ller WLAN",
                                           "Neighbour", "fritz.box", "192.168.178.1", "2001:db8::53" };
        for (size_t i = 0; i < res->obs.n; i++)
                for (size_t j = 0; j < ELEMENTSOF(raw); j++)
                        assert_null(strcasestr(res->obs.text[i], raw[j]));
        for (size_t j = 0; j < ELEMENTSOF(raw); j++)
                assert_null(strcasestr(res->note, raw[j]));
}

/* ---- fleet key and hash ---- */

static void test_hash_known_answers(void **state) {
        struct tt_fleet_key k;
        assert_int_equal(tt_fleet_key_load(key_path, &k), 0);
        assert_int_equal(k.len, strlen(KEY));
        char h[TT_FLEET_HASH_HEX + 1];
        assert_int_equal(tt_fleet_hash(&k, "gateway_mac", GW_MAC, strlen(GW_MAC), h), 0);
        assert_string_equal(h, GW_HASH);
        assert_int_equal(tt_fleet_hash(&k, "ssid", SSID, strlen(SSID), h), 0);
        assert_string_equal(h, SSID_HASH);
        assert_int_equal(tt_fleet_hash(&k, "dhcp_domain", "fritz.box", 9, h), 0);
        assert_string_equal(h, DOMAIN_HASH);
        /* The label separates fields: the same bytes as a BSSID hash differently. */
        assert_int_equal(tt_fleet_hash(&k, "bssid", GW_MAC, strlen(GW_MAC), h), 0);
        assert_string_not_equal(h, GW_HASH);
        assert_int_equal(strlen(h), TT_FLEET_HASH_HEX);
        assert_int_equal(strspn(h, "0123456789abcdef"), TT_FLEET_HASH_HEX);
        /* Another key, another hash. */
        struct tt_fleet_key other = k;
        other.bytes[0] ^= 1;
        assert_int_equal(tt_fleet_hash(&other, "gateway_mac", GW_MAC, strlen(GW_MAC), h), 0);
        assert_string_not_equal(h, GW_HASH);
        tt_fleet_key_clear(&k);
        assert_int_equal(k.len, 0);
}

static void test_hash_refuses(void **state) {
        struct tt_fleet_key k = { .len = 16 };
        char h[TT_FLEET_HASH_HEX + 1];
        static char big[TT_FLEET_VALUE_MAX + 1];
        assert_int_equal(tt_fleet_hash(&k, "ssid", big, TT_FLEET_VALUE_MAX, h), 0);
        assert_int_equal(tt_fleet_hash(&k, "ssid", big, TT_FLEET_VALUE_MAX + 1, h), -E2BIG);
        assert_int_equal(tt_fleet_hash(&k, "", "x", 1, h), -EINVAL);
        struct tt_fleet_key empty = {};
        assert_int_equal(tt_fleet_hash(&empty, "ssid", "x", 1, h), -EINVAL);
        /* An empty value is a value (an SSID is never empty here, but the hash does not care). */
        assert_int_equal(tt_fleet_hash(&k, "ssid", NULL, 0, h), 0);
}

static void key_file(const char *name, const void *data, size_t len, char *path, size_t size) {
        fixture_write(base, name, data, len);
        fixture_path(path, size, base, name);
}

static void test_key_load(void **state) {
        struct tt_fleet_key k, k2;
        char p[PATH_MAX];
        fixture_path(p, sizeof(p), base, "no-such.key");
        assert_int_equal(tt_fleet_key_load(p, &k), -ENOENT);
        assert_int_equal(tt_fleet_key_load(base, &k), -EINVAL);
        fixture_path(p, sizeof(p), base, "fifo.key");
        assert_int_equal(mkfifo(p, 0600), 0);
        assert_int_equal(tt_fleet_key_load(p, &k), -EINVAL); /* and does not hang on the FIFO */
        key_file("empty.key", "", 0, p, sizeof(p));
        assert_int_equal(tt_fleet_key_load(p, &k), -EKEYREJECTED);
        key_file("blank.key", " \n\t\r\n", 5, p, sizeof(p));
        assert_int_equal(tt_fleet_key_load(p, &k), -EKEYREJECTED);
        key_file("short.key", "0123456789abcde\n\n", 17, p, sizeof(p)); /* 15 bytes and newlines */
        assert_int_equal(tt_fleet_key_load(p, &k), -EKEYREJECTED);
        key_file("min.key", "0123456789abcdef", 16, p, sizeof(p));
        assert_int_equal(tt_fleet_key_load(p, &k), 0);
        assert_int_equal(k.len, 16);
        /* With or without a final newline, the same key. */
        key_file("min-nl.key", "0123456789abcdef\r\n", 18, p, sizeof(p));
        assert_int_equal(tt_fleet_key_load(p, &k2), 0);
        assert_int_equal(k2.len, 16);
        assert_memory_equal(k.bytes, k2.bytes, 16);
        /* Binary keys keep every byte, NUL and inner whitespace included. */
        static const uint8_t bin[20] = { 0, 1, 2, ' ', 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0xff, 0, 'x' };
        key_file("bin.key", bin, sizeof(bin), p, sizeof(p));
        assert_int_equal(tt_fleet_key_load(p, &k), 0);
        assert_int_equal(k.len, sizeof(bin));
        assert_memory_equal(k.bytes, bin, sizeof(bin));
        static uint8_t big[TT_FLEET_KEY_MAX + 1];
        memset(big, 'k', sizeof(big));
        key_file("max.key", big, TT_FLEET_KEY_MAX, p, sizeof(p));
        assert_int_equal(tt_fleet_key_load(p, &k), 0);
        assert_int_equal(k.len, TT_FLEET_KEY_MAX);
        key_file("big.key", big, sizeof(big), p, sizeof(p));
        assert_int_equal(tt_fleet_key_load(p, &k), -EFBIG);
        /* Trailing whitespace past the limit is still too long: the file is what counts. */
        big[TT_FLEET_KEY_MAX] = '\n';
        key_file("big-nl.key", big, sizeof(big), p, sizeof(p));
        assert_int_equal(tt_fleet_key_load(p, &k), -EFBIG);
}

/* ---- the probe ---- */

static void test_home_wifi(void **state) {
        char root[PATH_MAX];
        tree_home(root, sizeof(root), "home");
        struct scan_result res;
        scan(root, &res);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.note, "");
        assert_value(&res, "gateway_mac_hash", GW_HASH);
        assert_value(&res, "bssid_hash", BSSID_HASH);
        assert_value(&res, "ssid_hash", SSID_HASH);
        assert_value(&res, "dhcp_domain_hash", DOMAIN_HASH);
        assert_value(&res, "dns_hash", DNS_HASH);
        assert_no_raw(&res);

        /* The probe's observation is what the shipped rule reports, as info of the context category. */
        struct tt_catalog cat = {};
        struct tt_error err = {};
        assert_int_equal(tt_catalog_load_file(&cat, TT_SOURCE_DIR "/config/catalog/context.yaml", &err), 0);
        const struct tt_rule *rule = tt_catalog_find(&cat, "context.network");
        assert_non_null(rule);
        assert_int_equal(rule->category, TT_CATEGORY_CONTEXT);
        assert_int_equal(rule->severity, TT_SEVERITY_INFO);
        struct tt_observation o;
        tt_obs_init(&o, "context", "netctx:x");
        assert_false(tt_rule_match(rule, &o));
        tt_obs_add_str(&o, "dns_hash", DNS_HASH);
        assert_true(tt_rule_match(rule, &o));
        tt_catalog_free(&cat);
}

static void test_same_network_same_subject(void **state) {
        char a[PATH_MAX], b[PATH_MAX], sa[128], sb[128];
        tree_home(a, sizeof(a), "same-a");
        tree_home(b, sizeof(b), "same-b");
        /* The second laptop's resolver lists the same servers in another order, the domain in capitals. */
        fixture_write_str(b, "etc/resolv.conf",
                          "domain FRITZ.BOX.\nnameserver 2001:db8::53\nnameserver 192.168.178.1\n"
                          "nameserver 192.168.178.1\nnameserver 127.0.0.1\n");
        struct scan_result ra, rb;
        scan(a, &ra);
        scan(b, &rb);
        assert_value(&rb, "dhcp_domain_hash", DOMAIN_HASH);
        assert_value(&rb, "dns_hash", DNS_HASH);
        assert_string_equal(subject(&ra, sa, sizeof(sa)), subject(&rb, sb, sizeof(sb)));

        /* A move to another access point of the same home: another context, same gateway. */
        struct nlbuf n = {};
        uint8_t ies[64];
        iface_msg(&n, WLAN_IFINDEX, NL80211_IFTYPE_STATION, SSID, strlen(SSID));
        bss_msg(&n, WLAN_IFINDEX, "3c:a6:2f:11:22:99", NL80211_BSS_STATUS_ASSOCIATED, ies,
                ies_with_ssid(ies, SSID, strlen(SSID)));
        tree_recording(b, "wlan0", &n);
        scan(b, &rb);
        assert_value(&rb, "gateway_mac_hash", GW_HASH);
        assert_value(&rb, "ssid_hash", SSID_HASH);
        char hb[128];
        assert_string_not_equal(value(&rb, "bssid_hash", hb, sizeof(hb)), BSSID_HASH);
        assert_string_not_equal(subject(&ra, sa, sizeof(sa)), subject(&rb, sb, sizeof(sb)));
}

static void test_no_key(void **state) {
        char root[PATH_MAX], p[PATH_MAX];
        tree_home(root, sizeof(root), "nokey");
        struct scan_result res;
        fixture_path(p, sizeof(p), base, "missing.key");
        scan_with_key(root, p, &res);
        assert_int_equal(res.r, 0);
        assert_int_equal(res.obs.n, 0);
        assert_non_null(strstr(res.note, "missing.key"));
        assert_non_null(strstr(res.note, "not reported"));
        assert_no_raw(&res);

        scan_with_key(root, NULL, &res);
        assert_int_equal(res.r, 0);
        assert_int_equal(res.obs.n, 0);
        assert_non_null(strstr(res.note, "fleet.secret_file"));

        key_file("weak.key", "hunter2\n", 8, p, sizeof(p));
        scan_with_key(root, p, &res);
        assert_int_equal(res.r, 0);
        assert_int_equal(res.obs.n, 0);
        assert_non_null(strstr(res.note, "shorter than 16 bytes"));
}

static void test_gateway_mac_sources(void **state) {
        char root[PATH_MAX];
        tree_home(root, sizeof(root), "gw");
        struct scan_result res;

        /* The kernel prints lowercase; a tree written by hand may not. Same MAC, same hash. */
        fixture_write_str(root, "proc/net/arp",
                          ARP_HEADER "192.168.178.1    0x1         0x2         3C:A6:2F:11:22:33     *        wlan0\n");
        scan(root, &res);
        assert_value(&res, "gateway_mac_hash", GW_HASH);

        /* Incomplete entry (the router did not answer yet): no MAC. */
        fixture_write_str(root, "proc/net/arp",
                          ARP_HEADER "192.168.178.1    0x1         0x0         00:00:00:00:00:00     *        wlan0\n");
        scan(root, &res);
        assert_value(&res, "gateway_mac_hash", "");
        assert_value(&res, "ssid_hash", SSID_HASH); /* the route still says which link */
        assert_value(&res, "dns_hash", DNS_HASH);

        /* A failed entry keeps its old address but is not complete: not the router now. */
        fixture_write_str(root, "proc/net/arp",
                          ARP_HEADER "192.168.178.1    0x1         0x0         " GW_MAC "     *        wlan0\n");
        scan(root, &res);
        assert_value(&res, "gateway_mac_hash", "");

        /* The same address on another link is another neighbour. */
        fixture_write_str(root, "proc/net/arp",
                          ARP_HEADER "192.168.178.1    0x1         0x2         " GW_MAC "     *        eth0\n");
        scan(root, &res);
        assert_value(&res, "gateway_mac_hash", "");

        /* Hostile lines around the real one: too long, too few fields, bad MACs, a multicast MAC,
         * a non-Ethernet hardware type. Only the real entry counts. */
        char arp[4096], longline[400];
        memset(longline, 'x', sizeof(longline) - 1);
        longline[sizeof(longline) - 1] = '\0';
        fixture_format(arp, sizeof(arp),
                       ARP_HEADER "%s\n192.168.178.1 0x1 0x2\n"
                       "192.168.178.1    0x1         0x2         3c:a6:2f:11:22     *        wlan0\n"
                       "192.168.178.1    0x1         0x2         3c:a6:2f:11:22:77:44     *        wlan0\n"
                       "192.168.178.1    0x1         0x2         3:a6:2f:11:22:77     *        wlan0\n"
                       "192.168.178.1    0x1         0x2         3c-a6-2f-11-22-33     *        wlan0\n"
                       "192.168.178.1    0x1         0x2         01:00:5e:00:00:01     *        wlan0\n"
                       "192.168.178.1    0x20        0x2         3c:a6:2f:11:22:77     *        wlan0\n"
                       "192.168.178.1    0x1         0x2         " GW_MAC "     *        wlan0",
                       longline);
        fixture_write_str(root, "proc/net/arp", arp);
        scan(root, &res);
        assert_value(&res, "gateway_mac_hash", GW_HASH);
        assert_no_raw(&res);
}

static void test_gateway_behind_vpn(void **state) {
        char root[PATH_MAX];
        tree_home(root, sizeof(root), "vpn");
        tree_link(root, "tun0", 9, NULL);
        struct scan_result res;
        /* A full-tunnel VPN: the default route goes into tun0 (no next hop), and only the host
         * route to the VPN server (203.0.113.7) still goes through the home router. */
        fixture_write_str(root, "proc/net/route",
                          ROUTE_HEADER "tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"
                                       "wlan0\t077100CB\t01B2A8C0\t0007\t0\t0\t600\tFFFFFFFF\t0\t0\t0\n"
                                       "wlan0\t00B2A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n");
        scan(root, &res);
        assert_value(&res, "gateway_mac_hash", GW_HASH);
        assert_value(&res, "bssid_hash", BSSID_HASH);

        /* Two defaults: the preferred one (lower metric) has no neighbour entry, so the next is used. */
        fixture_write_str(root, "proc/net/route",
                          ROUTE_HEADER "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" ROUTE_WLAN);
        scan(root, &res);
        assert_value(&res, "gateway_mac_hash", GW_HASH);
        assert_value(&res, "ssid_hash", SSID_HASH);
        /* ... and when it has one, it wins, and Ethernet has no Wi-Fi. */
        fixture_write_str(root, "proc/net/arp",
                          ARP_HEADER ARP_GW
                          "192.168.1.1      0x1         0x2         00:11:22:33:44:55     *        eth0\n");
        scan(root, &res);
        char h[128];
        assert_string_not_equal(value(&res, "gateway_mac_hash", h, sizeof(h)), GW_HASH);
        assert_string_not_equal(h, "");
        assert_value(&res, "bssid_hash", "");
        assert_value(&res, "ssid_hash", "");
}

static void test_wifi_recordings(void **state) {
        char root[PATH_MAX];
        tree_home(root, sizeof(root), "wifi");
        struct scan_result res;
        struct nlbuf b;
        uint8_t ies[64];

        /* A kernel that does not report the SSID with the interface: the associated BSS's element. */
        b = (struct nlbuf){};
        iface_msg(&b, WLAN_IFINDEX, NL80211_IFTYPE_STATION, NULL, 0);
        bss_msg(&b, WLAN_IFINDEX, BSSID, NL80211_BSS_STATUS_ASSOCIATED, ies, ies_with_ssid(ies, "Hidden?Net", 10));
        done(&b);
        tree_recording(root, "wlan0", &b);
        scan(root, &res);
        assert_value(&res, "bssid_hash", BSSID_HASH);
        assert_value(&res, "ssid_hash", SSID2_HASH);

        /* Hidden network: the beacon's SSID is zeros and the interface says nothing. */
        b = (struct nlbuf){};
        iface_msg(&b, WLAN_IFINDEX, NL80211_IFTYPE_STATION, NULL, 0);
        bss_msg(&b, WLAN_IFINDEX, BSSID, NL80211_BSS_STATUS_ASSOCIATED, ies, ies_with_ssid(ies, "\0\0\0\0", 4));
        done(&b);
        tree_recording(root, "wlan0", &b);
        scan(root, &res);
        assert_value(&res, "bssid_hash", BSSID_HASH);
        assert_value(&res, "ssid_hash", "");

        /* Not connected: only BSSes in range, none associated; an access-point interface's own SSID. */
        b = (struct nlbuf){};
        iface_msg(&b, WLAN_IFINDEX, NL80211_IFTYPE_AP, SSID, strlen(SSID));
        bss_msg(&b, WLAN_IFINDEX, BSSID, NL80211_BSS_STATUS_AUTHENTICATED, NULL, 0);
        bss_msg(&b, WLAN_IFINDEX, "8a:00:00:00:00:01", -1, ies, ies_with_ssid(ies, SSID, strlen(SSID)));
        done(&b);
        tree_recording(root, "wlan0", &b);
        scan(root, &res);
        assert_value(&res, "gateway_mac_hash", GW_HASH);
        assert_value(&res, "bssid_hash", "");
        assert_value(&res, "ssid_hash", "");

        /* Replies about another interface are not ours. */
        b = (struct nlbuf){};
        iface_msg(&b, WLAN_IFINDEX + 1, NL80211_IFTYPE_STATION, SSID, strlen(SSID));
        bss_msg(&b, WLAN_IFINDEX + 1, BSSID, NL80211_BSS_STATUS_ASSOCIATED, NULL, 0);
        done(&b);
        tree_recording(root, "wlan0", &b);
        scan(root, &res);
        assert_value(&res, "bssid_hash", "");
        assert_value(&res, "ssid_hash", "");

        /* The first associated BSS counts, whatever follows; nothing after NLMSG_DONE is read. */
        b = (struct nlbuf){};
        bss_msg(&b, WLAN_IFINDEX, BSSID, NL80211_BSS_STATUS_ASSOCIATED, NULL, 0);
        bss_msg(&b, WLAN_IFINDEX, "3c:a6:2f:11:22:99", NL80211_BSS_STATUS_ASSOCIATED, NULL, 0);
        done(&b);
        iface_msg(&b, WLAN_IFINDEX, NL80211_IFTYPE_STATION, SSID, strlen(SSID));
        tree_recording(root, "wlan0", &b);
        scan(root, &res);
        assert_value(&res, "bssid_hash", BSSID_HASH);
        assert_value(&res, "ssid_hash", "");

        /* No recording: a wireless link with nothing known about it. */
        char p[PATH_MAX];
        fixture_path(p, sizeof(p), root, "run/telltale/nl80211/wlan0");
        assert_int_equal(unlink(p), 0);
        scan(root, &res);
        assert_value(&res, "gateway_mac_hash", GW_HASH);
        assert_value(&res, "bssid_hash", "");
}

static void test_wifi_hostile(void **state) {
        char root[PATH_MAX];
        tree_home(root, sizeof(root), "hostile");
        struct scan_result res;
        struct nlbuf good = {};
        recording_typical(&good);

        /* Every truncation of a good recording: never a crash, never a value from a cut message. */
        for (size_t cut = 0; cut < good.len; cut += 3) {
                struct nlbuf b = good;
                b.len = cut;
                tree_recording(root, "wlan0", &b);
                scan(root, &res);
                assert_int_equal(res.r, 0);
                char bs[128], ss[128];
                value(&res, "bssid_hash", bs, sizeof(bs));
                value(&res, "ssid_hash", ss, sizeof(ss));
                assert_true(streq(bs, "") || streq(bs, BSSID_HASH));
                assert_true(streq(ss, "") || streq(ss, SSID_HASH));
        }

        /* Length fields that lie: a message longer than the file, an attribute longer than its
         * message, an SSID attribute of 33 bytes, an SSID element running past its attribute. */
        struct nlbuf b = {};
        size_t m = msg_begin(&b, NL80211_FAMILY, NL80211_CMD_NEW_INTERFACE);
        attr_u32(&b, NL80211_ATTR_IFINDEX, WLAN_IFINDEX);
        attr_u32(&b, NL80211_ATTR_IFTYPE, NL80211_IFTYPE_STATION);
        attr(&b, NL80211_ATTR_SSID, "0123456789abcdef0123456789abcdefX", 33);
        msg_end(&b, m);
        uint8_t ies[] = { 1, 1, 0x82, 0, 20, 'A', 'B' }; /* rates, then an SSID claiming 20 bytes */
        bss_msg(&b, WLAN_IFINDEX, BSSID, NL80211_BSS_STATUS_ASSOCIATED, ies, sizeof(ies));
        m = msg_begin(&b, NL80211_FAMILY, NL80211_CMD_NEW_INTERFACE);
        attr_u32(&b, NL80211_ATTR_IFINDEX, WLAN_IFINDEX);
        attr_u32(&b, NL80211_ATTR_IFTYPE, NL80211_IFTYPE_STATION);
        struct nlattr *a = nl_reserve(&b, NLA_HDRLEN);
        a->nla_type = NL80211_ATTR_SSID;
        a->nla_len = 200; /* past the message */
        msg_end(&b, m);
        m = msg_begin(&b, NL80211_FAMILY, NL80211_CMD_NEW_INTERFACE);
        attr_u32(&b, NL80211_ATTR_IFINDEX, WLAN_IFINDEX);
        attr_u32(&b, NL80211_ATTR_IFTYPE, NL80211_IFTYPE_STATION);
        attr(&b, NL80211_ATTR_SSID, SSID, strlen(SSID));
        msg_end(&b, m);
        ((struct nlmsghdr *) (void *) (b.data + m))->nlmsg_len = 60000; /* past the file */
        tree_recording(root, "wlan0", &b);
        scan(root, &res);
        assert_int_equal(res.r, 0);
        assert_value(&res, "bssid_hash", BSSID_HASH); /* the BSS itself is sound */
        assert_value(&res, "ssid_hash", "");
        assert_no_raw(&res);

        /* A recording that is a link pointing out of the root reads inside it, or not at all. */
        char p[PATH_MAX];
        fixture_path(p, sizeof(p), root, "run/telltale/nl80211/wlan0");
        assert_int_equal(unlink(p), 0);
        fixture_symlink(root, "run/telltale/nl80211/wlan0", "../../../../../../../../../etc/passwd");
        scan(root, &res);
        assert_int_equal(res.r, 0);
        assert_value(&res, "ssid_hash", "");
}

static void test_resolvers(void **state) {
        char root[PATH_MAX];
        tree_home(root, sizeof(root), "dns");
        struct scan_result res;

        /* systemd-resolved: the stub says 127.0.0.53; its upstream file says where we are. */
        fixture_write_str(root, "etc/resolv.conf", "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n");
        fixture_write_str(root, "run/systemd/resolve/resolv.conf",
                          "# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).\n"
                          "nameserver 192.168.178.1\nnameserver 2001:db8::53%wlan0\nsearch fritz.box\n");
        scan(root, &res);
        assert_value(&res, "dns_hash", DNS_HASH);
        assert_value(&res, "dhcp_domain_hash", DOMAIN_HASH);

        /* The last of domain/search wins; comments, bad addresses and names are skipped. */
        fixture_write_str(root, "run/systemd/resolve/resolv.conf",
                          "domain corp.example\n# nameserver 10.9.9.9\n; nameserver 10.8.8.8\nnameserver\n"
                          "nameserver 999.1.1.1\nnameserver ::1\nnameserver 192.168.178.1 # router\n"
                          "nameserver 2001:0db8:0:0::53\nsearch Fritz.Box other.example\n");
        scan(root, &res);
        assert_value(&res, "dns_hash", DNS_HASH);
        assert_value(&res, "dhcp_domain_hash", DOMAIN_HASH);

        /* Only a loopback stub everywhere, no domain: nothing about DNS. */
        fixture_write_str(root, "run/systemd/resolve/resolv.conf", "nameserver 127.0.0.53\n");
        fixture_write_str(root, "etc/resolv.conf", "nameserver 127.0.0.53\nsearch .\n");
        scan(root, &res);
        assert_value(&res, "dns_hash", "");
        assert_value(&res, "dhcp_domain_hash", "");
        assert_value(&res, "gateway_mac_hash", GW_HASH);
}

static void test_nothing_known(void **state) {
        char root[PATH_MAX];
        fixture_path(root, sizeof(root), base, "empty");
        fixture_mkdir_p(root);
        struct scan_result res;
        scan(root, &res);
        assert_int_equal(res.r, 0);
        assert_int_equal(res.obs.n, 0);
        assert_string_equal(res.note, "");
}

/* The running system: whatever it has, only hashes come out. */
static void test_live(void **state) {
        struct scan_result res;
        scan("/", &res);
        assert_int_equal(res.r, 0);
        assert_true(res.obs.n <= 1);
        for (const char *p = res.obs.n ? strchr(res.obs.text[0], '\n') : NULL; p && p[1]; p = strchr(p + 1, '\n')) {
                const char *eq = strchr(p + 1, '=');
                assert_non_null(eq);
                assert_int_equal(strcspn(eq + 1, "\n"), TT_FLEET_HASH_HEX);
                assert_int_equal(strspn(eq + 1, "0123456789abcdef"), TT_FLEET_HASH_HEX);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hash_known_answers),
                cmocka_unit_test(test_hash_refuses),
                cmocka_unit_test(test_key_load),
                cmocka_unit_test(test_home_wifi),
                cmocka_unit_test(test_same_network_same_subject),
                cmocka_unit_test(test_no_key),
                cmocka_unit_test(test_gateway_mac_sources),
                cmocka_unit_test(test_gateway_behind_vpn),
                cmocka_unit_test(test_wifi_recordings),
                cmocka_unit_test(test_wifi_hostile),
                cmocka_unit_test(test_resolvers),
                cmocka_unit_test(test_nothing_known),
                cmocka_unit_test(test_live),
        };
        return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
