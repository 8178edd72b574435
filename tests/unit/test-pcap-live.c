/* SPDX-License-Identifier: MIT */
/* Live capture on real interfaces: the test moves itself into a network
 * namespace of its own (unshare), makes a veth pair there and sends frames
 * into one end through a packet socket on the other. Needs root; without it
 * the test is skipped (77), as root a namespace that cannot be made fails. */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>
#include <systemd/sd-event.h>

#include "pcap-frames.h"
#include "pcap.h"
#include "util.h"
#include "yaml-node.h"

#define RELAY "relay-9.net.anydesk.com"

struct seen {
        unsigned dns, flows, total;
};

static int collect(void *userdata, const char *probe, const struct tt_observation *o) {
        struct seen *s = userdata;
        s->total++;
        if (streq(o->kind, "dns") && streq(tt_obs_get_str(o, "name") ?: "", RELAY))
                s->dns++;
        if (streq(o->kind, "flow"))
                s->flows++;
        return 0;
}

static void sh(const char *cmd) {
        if (system(cmd) != 0)
                fail_msg("%s failed", cmd);
}

static int sysctl_write(const char *path, const char *value) {
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(value, f);
        return fclose(f) == 0 ? 0 : -errno;
}

/* count copies of a frame out of ifname (they arrive on its veth peer). */
static void inject_on(const char *ifname, const struct frame *f, int count) {
        int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = (int) if_nametoindex(ifname),
                                  .sll_halen = 6 };
        memcpy(to.sll_addr, f->b, 6);
        for (int i = 0; i < count; i++)
                assert_int_equal(sendto(fd, f->b, f->len, 0, (struct sockaddr *) &to, sizeof(to)), (ssize_t) f->len);
        close(fd);
}

/* Frames go out of tt1 and arrive on tt0. */
static void inject(const struct frame *f) {
        inject_on("tt1", f, 1);
}

/* A DNS query the filter passes, a bulk segment it drops, a SYN it passes. */
static void inject_traffic(void) {
        uint8_t dns[256], bulk[1448];
        memset(bulk, 0x5a, sizeof(bulk));
        struct frame f;
        frame_udp(&f, FRAME_ETHERNET, "192.168.77.2", 53000, "192.168.77.1", 53, dns, frame_dns_query(dns, RELAY));
        inject(&f);
        frame_tcp(&f, FRAME_ETHERNET, "203.0.113.9", 443, "192.168.77.2", 40000, 0x10, 1, bulk, sizeof(bulk));
        inject(&f);
        frame_tcp(&f, FRAME_ETHERNET, "192.168.77.2", 40001, "203.0.113.9", 443, 0x02, 1, NULL, 0);
        inject(&f);
}

static struct tt_netprobe *probe_new(struct tt_probe_ctx *ctx, struct seen *s) {
        *ctx = (struct tt_probe_ctx) { .emit = collect, .userdata = s, .probe_name = "pcap" };
        const struct tt_netprobe_config cfg = { .flows = { 1024, 1 << 20, 300 * 1000000ULL } };
        struct tt_netprobe *np;
        assert_int_equal(tt_netprobe_new(ctx, &cfg, &np), 0);
        return np;
}

/* A probe capturing live, what it saw, and what opening said. */
struct live {
        struct tt_probe_ctx ctx;
        struct seen seen;
        struct tt_netprobe *np;
        struct tt_netprobe_live *l;
        char err[512];
};

/* Returns tt_netprobe_live_open()'s answer for ifaces (NULL: the default). */
static int live_open(struct live *lv, const char *const *ifaces) {
        *lv = (struct live) {};
        lv->np = probe_new(&lv->ctx, &lv->seen);
        return tt_netprobe_live_open(lv->np, ifaces, &lv->l, lv->err, sizeof(lv->err));
}

static void live_close(struct live *lv) {
        tt_netprobe_live_free(lv->l);
        tt_netprobe_free(lv->np);
}

/* Dispatches until the DNS query was seen or 3 s passed. */
static void wait_dns(struct live *lv) {
        int fds[8];
        size_t n = tt_netprobe_live_fds(lv->l, fds, ELEMENTSOF(fds));
        struct pollfd p[8];
        for (size_t i = 0; i < n; i++)
                p[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
        for (int round = 0; round < 30 && lv->seen.dns == 0; round++) {
                if (poll(p, n, 100) <= 0)
                        continue;
                for (size_t i = 0; i < n; i++)
                        if (p[i].revents & POLLIN)
                                assert_true(tt_netprobe_live_dispatch(lv->l, fds[i]) >= 0);
        }
}

static void test_named_interface(void **state) {
        struct live lv;
        const char *const ifaces[] = { "tt0", NULL };
        assert_int_equal(live_open(&lv, ifaces), 0);
        assert_string_equal(lv.err, "");
        int fds[4];
        assert_int_equal(tt_netprobe_live_fds(lv.l, fds, ELEMENTSOF(fds)), 1);
        assert_int_equal(tt_netprobe_live_dispatch(lv.l, fds[0] + 100), -EBADF);
        inject_traffic();
        wait_dns(&lv);
        assert_int_equal(lv.seen.dns, 1);
        /* The kernel filter kept the bulk segment out: the query and the SYN only. */
        for (int i = 0; i < 3 && lv.seen.flows == 0; i++) {
                usleep(100000);
                tt_netprobe_live_dispatch(lv.l, fds[0]);
        }
        struct tt_netprobe_stats st;
        tt_netprobe_stats(lv.np, &st);
        assert_int_equal(st.frames, 2);
        assert_int_equal(lv.seen.flows, 1);
        live_close(&lv);
}

/* The same query over loopback, from a UDP socket as a local resolver client. */
static unsigned loopback_dns_seen(const char *const *ifaces) {
        uint8_t dns[256];
        size_t len = frame_dns_query(dns, RELAY);
        struct live lv;
        assert_int_equal(live_open(&lv, ifaces), 0);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = htonl(0x7f000001) };
        assert_int_equal(sendto(fd, dns, len, 0, (struct sockaddr *) &to, sizeof(to)), (ssize_t) len);
        close(fd);
        wait_dns(&lv);
        live_close(&lv);
        return lv.seen.dns;
}

/* No interfaces named: Linux's "any" device, one handle for every interface
 * (also those that come up later), loopback left out unless named. */
static void test_default_interfaces(void **state) {
        struct live lv;
        assert_int_equal(live_open(&lv, NULL), 0);
        int fds[8];
        assert_int_equal(tt_netprobe_live_fds(lv.l, fds, ELEMENTSOF(fds)), 1);
        /* An interface that comes up after capture started is seen too. */
        sh("ip link add tt4 type veth peer name tt5 && ip link set tt4 up && ip link set tt5 up");
        uint8_t dns[256];
        struct frame f;
        frame_udp(&f, FRAME_ETHERNET, "192.168.79.2", 53000, "192.168.79.1", 53, dns, frame_dns_query(dns, RELAY));
        inject_on("tt5", &f, 1);
        wait_dns(&lv);
        assert_true(lv.seen.dns >= 1);
        live_close(&lv);
        sh("ip link del tt4");

        assert_int_equal(loopback_dns_seen(NULL), 0);
        const char *const any[] = { "any", NULL }, *const any_lo[] = { "any", "lo", NULL };
        assert_int_equal(loopback_dns_seen(any), 0);
        assert_true(loopback_dns_seen(any_lo) >= 1);
        /* "any" on its own sees the veth pair's traffic. */
        assert_int_equal(live_open(&lv, any), 0);
        inject_traffic();
        wait_dns(&lv);
        assert_true(lv.seen.dns >= 1);
        live_close(&lv);
}

static void test_missing_interface(void **state) {
        struct live lv;
        const char *const missing[] = { "nosuch0", NULL };
        assert_int_equal(live_open(&lv, missing), -ENODEV);
        assert_null(lv.l);
        assert_non_null(strstr(lv.err, "nosuch0"));
        live_close(&lv);
        /* One good, one missing, one down: capture on the good one, the others named. */
        const char *const mixed[] = { "nosuch0", "tt0", "tt2", NULL };
        assert_int_equal(live_open(&lv, mixed), 0);
        int fds[4];
        assert_int_equal(tt_netprobe_live_fds(lv.l, fds, ELEMENTSOF(fds)), 1);
        assert_non_null(strstr(lv.err, "nosuch0"));
        assert_non_null(strstr(lv.err, "tt2"));
        live_close(&lv);
}

/* A burst the ring has no room for while nothing reads it: the drops are counted. */
static void test_drops(void **state) {
        struct live lv;
        const char *const ifaces[] = { "tt0", NULL };
        assert_int_equal(live_open(&lv, ifaces), 0);
        inject_traffic();
        wait_dns(&lv);
        assert_int_equal(tt_netprobe_live_drops(lv.l), 0);
        uint8_t dns[256];
        struct frame f;
        frame_udp(&f, FRAME_ETHERNET, "192.168.77.2", 53000, "192.168.77.1", 53, dns, frame_dns_query(dns, RELAY));
        inject_on("tt1", &f, 20000);
        assert_true(tt_netprobe_live_drops(lv.l) > 0);
        live_close(&lv);
}

/* CAP_NET_RAW is all capture needs: a child keeps only that and opens it;
 * without it, opening is refused. */
static int open_with_caps(bool net_raw) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
                struct __user_cap_data_struct d[2] = {};
                if (net_raw)
                        d[0].permitted = d[0].effective = 1u << CAP_NET_RAW;
                /* nobody, keeping (at most) CAP_NET_RAW */
                if (prctl(PR_SET_KEEPCAPS, 1) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                    setresuid(65534, 65534, 65534) < 0 || syscall(SYS_capset, &h, d) < 0)
                        _exit(11);
                struct live lv;
                const char *const ifaces[] = { "tt0", NULL };
                int r = live_open(&lv, ifaces);
                live_close(&lv);
                _exit(r == -EPERM ? 1 : r < 0 ? 12 : 0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_capabilities(void **state) {
        assert_int_equal(open_with_caps(true), 0);
        assert_int_equal(open_with_caps(false), 1);
}

/* The probe as the daemon runs it: options from YAML, fds in an sd-event
 * loop, stopped with unwatch(). */
struct loop_state {
        struct seen seen;
        sd_event *e;
};

static int on_tick(sd_event_source *es, uint64_t usec, void *userdata) {
        struct loop_state *st = userdata;
        if (st->seen.dns > 0)
                return sd_event_exit(st->e, 0);
        inject_traffic();
        return sd_event_source_set_time_relative(es, 100000) < 0 ? -EIO :
                                                                     sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
}

static int on_timeout(sd_event_source *es, uint64_t usec, void *userdata) {
        return sd_event_exit(((struct loop_state *) userdata)->e, -ETIMEDOUT);
}

static int run_probe(const char *options, struct loop_state *st, char *note, size_t note_size) {
        struct tt_yaml_doc doc;
        struct tt_error yerr = {};
        assert_int_equal(tt_yaml_load_string("test", options, strlen(options), &doc, &yerr), 0);
        struct tt_probe_ctx ctx = { .emit = collect, .userdata = &st->seen, .probe_name = "pcap",
                                    .options = doc.root };
        assert_int_equal(sd_event_new(&st->e), 0);
        void *watch = NULL;
        int r = tt_probe_pcap.watch(&ctx, st->e, &watch);
        if (r >= 0) {
                sd_event_source *tick, *timeout;
                assert_int_equal(sd_event_add_time_relative(st->e, &tick, CLOCK_MONOTONIC, 50000, 0, on_tick, st), 0);
                assert_int_equal(sd_event_add_time_relative(st->e, &timeout, CLOCK_MONOTONIC, 3000000, 0, on_timeout,
                                                            st), 0);
                r = sd_event_loop(st->e);
                sd_event_source_unref(tick);
                sd_event_source_unref(timeout);
        }
        /* The daemon stops the watch before it frees its loop. */
        tt_probe_pcap.unwatch(watch);
        st->e = sd_event_unref(st->e);
        strscpy(note, note_size, ctx.note);
        tt_yaml_doc_free(&doc);
        return r;
}

static void test_probe_watch(void **state) {
        struct loop_state st = {};
        char note[256];
        assert_string_equal(tt_probe_pcap.name, "pcap");
        assert_null(tt_probe_pcap.scan);
        assert_true(tt_probe_pcap.default_enabled);
        assert_int_equal(run_probe("interfaces: [tt0]\n", &st, note, sizeof(note)), 0);
        assert_int_equal(st.seen.dns, 1);
        assert_string_equal(note, "");

        st = (struct loop_state) {};
        assert_int_equal(run_probe("enabled: true\n", &st, note, sizeof(note)), 0);
        assert_true(st.seen.dns >= 1);

        st = (struct loop_state) {};
        assert_int_equal(run_probe("interfaces: {name: tt0}\n", &st, note, sizeof(note)), -EINVAL);
        assert_non_null(strstr(note, "interfaces"));
        assert_int_equal(run_probe("interfaces: [tt0, [x]]\n", &st, note, sizeof(note)), -EINVAL);
        assert_int_equal(run_probe("interfaces: [averyveryverylongname0]\n", &st, note, sizeof(note)), -EINVAL);
        assert_int_equal(run_probe("interfaces: [nosuch0]\n", &st, note, sizeof(note)), -ENODEV);
        assert_non_null(strstr(note, "nosuch0"));

        /* Under --root there is no live system to capture. */
        struct tt_probe_ctx ctx = { .root = &(const struct tt_root) { .fd = -1, .live = false },
                                    .probe_name = "pcap" };
        sd_event *e;
        void *watch = NULL;
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(tt_probe_pcap.watch(&ctx, e, &watch), -EOPNOTSUPP);
        assert_null(watch);
        assert_non_null(strstr(ctx.note, "--root"));
        sd_event_unref(e);
}

static int netns_setup(void **state) {
        if (unshare(CLONE_NEWNET) < 0) {
                fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
                return -1;
        }
        sh("ip link set lo up && ip link add tt0 type veth peer name tt1 && ip link add tt2 type veth peer name tt3");
        /* Nothing but the test's frames: no IPv6 router solicitations or DAD. */
        (void) sysctl_write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
        (void) sysctl_write("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
        sh("ip link set tt0 up && ip link set tt1 up && ip addr add 192.168.77.2/24 dev tt0");
        return 0;
}

int main(void) {
        if (geteuid() != 0) {
                printf("SKIP: live capture needs root for a network namespace of its own\n");
                return 77;
        }
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_named_interface),  cmocka_unit_test(test_default_interfaces),
                cmocka_unit_test(test_missing_interface),
                cmocka_unit_test(test_capabilities),     cmocka_unit_test(test_probe_watch),
                cmocka_unit_test(test_drops),
        };
        return cmocka_run_group_tests(tests, netns_setup, NULL);
}
