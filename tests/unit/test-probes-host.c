/* SPDX-License-Identifier: MIT */
/* Host probes (process, socket, package, unit, path, input) against small
 * trees in the kernel's and dpkg's exact formats, hostile trees, and the live system. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe.h"
#include "util.h"

/* Everything outside the root a hostile tree points at carries this marker. */
#define MARKER "OUTSIDE-ROOT-MARKER"

static char base[] = "/tmp/tt-probes-host-XXXXXX";

/* ---- building trees ---- */

static void mkdir_p(const char *path) {
        char buf[PATH_MAX];
        strscpy(buf, sizeof(buf), path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        if (mkdir(buf, 0755) < 0)
                                assert_int_equal(errno, EEXIST);
                        *p = '/';
                }
        if (mkdir(buf, 0755) < 0)
                assert_int_equal(errno, EEXIST);
}

static void mkparent(const char *path) {
        char dir[PATH_MAX];
        strscpy(dir, sizeof(dir), path);
        *strrchr(dir, '/') = '\0';
        mkdir_p(dir);
}

static void tree_path(char *buf, size_t size, const char *tree, const char *rel) {
        snprintf(buf, size, "%s/%s/%s", base, tree, rel);
}

static void put_bytes(const char *tree, const char *rel, const void *data, size_t len) {
        char p[PATH_MAX];
        tree_path(p, sizeof(p), tree, rel);
        mkparent(p);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
}

static void put(const char *tree, const char *rel, const char *text) {
        put_bytes(tree, rel, text, strlen(text));
}

static void put_link(const char *tree, const char *rel, const char *target) {
        char p[PATH_MAX];
        tree_path(p, sizeof(p), tree, rel);
        mkparent(p);
        assert_int_equal(symlink(target, p), 0);
}

static void put_dir(const char *tree, const char *rel) {
        char p[PATH_MAX];
        tree_path(p, sizeof(p), tree, rel);
        mkdir_p(p);
}

/* A line of n copies of c, NUL-terminated; the caller frees. */
static char *long_line(size_t n, char c) {
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, c, n);
        s[n] = '\0';
        return s;
}

/* ---- collecting observations ---- */

struct record {
        char *kind, *subject;
        size_t n;
        char *key[TT_OBS_ATTRS_MAX], *value[TT_OBS_ATTRS_MAX];
};

struct collected {
        struct record *records;
        size_t n, cap;
        int fail_after; /* > 0: the emit callback fails with -EIO after this many */
};

static int collect(void *userdata, const char *probe, const struct tt_observation *o) {
        struct collected *c = userdata;
        if (c->fail_after > 0 && c->n >= (size_t) c->fail_after)
                return -EIO;
        if (c->n == c->cap) {
                c->cap = MAX(c->cap * 2, (size_t) 64);
                c->records = reallocarray(c->records, c->cap, sizeof(*c->records));
                assert_non_null(c->records);
        }
        struct record *r = &c->records[c->n++];
        *r = (struct record){ .kind = strdup(o->kind), .subject = strdup(o->subject), .n = o->n_attrs };
        for (size_t i = 0; i < o->n_attrs; i++) {
                char buf[32];
                r->key[i] = strdup(o->attrs[i].key);
                r->value[i] = strdup(tt_attr_to_string(&o->attrs[i], buf, sizeof(buf)));
        }
        return 0;
}

static void collected_free(struct collected *c) {
        for (size_t i = 0; i < c->n; i++) {
                free(c->records[i].kind);
                free(c->records[i].subject);
                for (size_t k = 0; k < c->records[i].n; k++) {
                        free(c->records[i].key[k]);
                        free(c->records[i].value[k]);
                }
        }
        free(c->records);
        *c = (struct collected){};
}

static const struct record *find(const struct collected *c, const char *kind, const char *subject) {
        for (size_t i = 0; i < c->n; i++)
                if (streq(c->records[i].kind, kind) && streq(c->records[i].subject, subject))
                        return &c->records[i];
        return NULL;
}

static const struct record *must_find(const struct collected *c, const char *kind, const char *subject) {
        const struct record *r = find(c, kind, subject);
        if (!r)
                fail_msg("no %s observation %s among %zu", kind, subject, c->n);
        return r;
}

static const char *attr(const struct record *r, const char *key) {
        for (size_t i = 0; i < r->n; i++)
                if (streq(r->key[i], key))
                        return r->value[i];
        return NULL;
}

static size_t count_kind(const struct collected *c, const char *kind) {
        size_t n = 0;
        for (size_t i = 0; i < c->n; i++)
                n += streq(c->records[i].kind, kind);
        return n;
}

static bool any_value_contains(const struct collected *c, const char *needle) {
        for (size_t i = 0; i < c->n; i++) {
                if (strstr(c->records[i].subject, needle))
                        return true;
                for (size_t k = 0; k < c->records[i].n; k++)
                        if (strstr(c->records[i].value[k], needle))
                                return true;
        }
        return false;
}

#define assert_attr(r, key, expected) assert_string_equal(attr(r, key) ?: "(missing)", expected)

/* Runs one probe over a tree below base ("/" for the live system). */
static int run_probe(const struct tt_probe *p, const char *tree, const char *const *catalog_paths,
                     struct collected *c, char *note) {
        char path[PATH_MAX];
        if (streq(tree, "/"))
                strscpy(path, sizeof(path), "/");
        else
                snprintf(path, sizeof(path), "%s/%s", base, tree);
        struct tt_root root;
        assert_int_equal(tt_root_open(path, &root), 0);
        struct tt_probe_ctx ctx = {
                .root = &root,
                .catalog_paths = catalog_paths,
                .emit = collect,
                .userdata = c,
                .probe_name = p->name,
        };
        int r = p->scan(&ctx);
        tt_root_close(&root);
        if (note)
                memcpy(note, ctx.note, sizeof(ctx.note));
        return r;
}

/* ---- process ---- */

static const char status_anydesk[] =
        "Name:\tanydesk\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t1234\nNgid:\t0\nPid:\t1234\n"
        "PPid:\t1\nTracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nFDSize:\t256\n";

static void process_tree(void) {
        put_bytes("proc", "proc/1234/cmdline", "/usr/bin/anydesk\0--service\0", 27);
        put("proc", "proc/1234/comm", "anydesk\n");
        put_link("proc", "proc/1234/exe", "/usr/bin/anydesk");
        put("proc", "proc/1234/status", status_anydesk);

        /* kernel thread: no cmdline, no exe */
        put("proc", "proc/2/cmdline", "");
        put("proc", "proc/2/comm", "kthreadd\n");
        put("proc", "proc/2/status", "Name:\tkthreadd\nPPid:\t0\nUid:\t0\t0\t0\t0\n");

        /* exe pointing at a secret: only the link text is read */
        put_bytes("proc", "proc/77/cmdline", "x\0", 2);
        put_link("proc", "proc/77/exe", "/etc/shadow");
        put("proc", "etc/shadow", "root:" MARKER ":19000:0:99999:7:::\n");
        put("proc", "proc/77/comm", "x\n");

        /* replaced binary, comm with a newline, setproctitle-style padding, garbage status */
        put_bytes("proc", "proc/78/cmdline", "sshd: alice [priv]\0\0\0\0", 22);
        put_link("proc", "proc/78/exe", "/usr/sbin/sshd (deleted)");
        put("proc", "proc/78/comm", "bad\nname\n");
        put("proc", "proc/78/status", "Name:\tbad\\nname\nPPid:\tabc\nUid:\t-5\t0\t0\t0\n");

        /* cmdline of 10,000 bytes, status of 100 KiB */
        char *big = long_line(10000, 'A');
        put("proc", "proc/79/cmdline", big);
        free(big);
        char *huge = long_line(100 * 1024, 'S');
        memcpy(huge, "PPid:\t1\n", 8);
        put("proc", "proc/79/status", huge);
        free(huge);

        /* links and names that must not lead outside the root or be taken as pids */
        put("outside", "secret", MARKER "\n");
        put_link("proc", "proc/80/cmdline", "../../../../outside/secret");
        put_link("proc", "proc/80/exe", "/bin/true");
        put_link("proc", "proc/81", "../../../outside");
        put_link("proc", "proc/82", "/");
        put_link("proc", "proc/self", "1234");
        put("proc", "proc/abc/cmdline", "notapid");
        put("proc", "proc/12x/cmdline", "notapid");
        put("proc", "proc/99999999999/cmdline", "toolarge");
}

static void test_process(void **state) {
        process_tree();
        struct collected c = {};
        assert_int_equal(run_probe(&tt_probe_process, "proc", NULL, &c, NULL), 0);

        const struct record *r = must_find(&c, "process", "pid:1234");
        assert_attr(r, "pid", "1234");
        assert_attr(r, "ppid", "1");
        assert_attr(r, "uid", "1000");
        assert_attr(r, "comm", "anydesk");
        assert_attr(r, "name", "anydesk");
        assert_attr(r, "exe", "/usr/bin/anydesk");
        assert_attr(r, "cmdline", "/usr/bin/anydesk --service");

        assert_null(find(&c, "process", "pid:2"));

        r = must_find(&c, "process", "pid:77");
        assert_attr(r, "exe", "/etc/shadow");
        assert_null(attr(r, "ppid")); /* no status file */

        r = must_find(&c, "process", "pid:78");
        assert_attr(r, "exe", "/usr/sbin/sshd");
        assert_attr(r, "comm", "bad\nname");
        assert_attr(r, "name", "bad\\nname");
        assert_attr(r, "cmdline", "sshd: alice [priv]");
        assert_null(attr(r, "ppid"));
        assert_null(attr(r, "uid"));

        r = must_find(&c, "process", "pid:79");
        assert_int_equal(strlen(attr(r, "cmdline")), 4096);
        assert_attr(r, "ppid", "1");
        assert_null(attr(r, "exe"));

        /* cmdline escaping the root reads nothing; pid dirs linked elsewhere are empty */
        assert_null(find(&c, "process", "pid:80"));
        assert_null(find(&c, "process", "pid:81"));
        assert_null(find(&c, "process", "pid:82"));
        assert_false(any_value_contains(&c, MARKER));
        assert_false(any_value_contains(&c, "notapid"));
        assert_false(any_value_contains(&c, "toolarge"));
        assert_int_equal(count_kind(&c, "process"), 4);
        collected_free(&c);

        /* an emit failure stops the scan and is returned */
        c.fail_after = 1;
        assert_int_equal(run_probe(&tt_probe_process, "proc", NULL, &c, NULL), -EIO);
        assert_int_equal(c.n, 1);
        collected_free(&c);

        /* no /proc (an offline image): nothing, no error */
        assert_int_equal(run_probe(&tt_probe_process, "empty", NULL, &c, NULL), 0);
        assert_int_equal(c.n, 0);
}

/* ---- socket ---- */

#define TCP_HEADER                                                                                             \
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define TCP6_HEADER                                                                                            \
        "  sl  local_address                         remote_address                        st tx_queue rx_queue" \
        " tr tm->when retrnsmt   uid  timeout inode\n"
#define ROW(sl, local, remote, st, uid, inode)                                                                 \
        "   " sl ": " local " " remote " " st " 00000000:00000000 00:00000000 00000000  " uid "        0 " inode \
        " 1 0000000000000000 100 0 0 10 0\n"
#define V6ZERO "00000000000000000000000000000000"

static void socket_tree(void) {
        char *garbage = long_line(10000, '7');
        char tcp[64 * 1024];
        snprintf(tcp, sizeof(tcp), "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s\n%s", TCP_HEADER,
                 /* 127.0.0.1:631 (cupsd), as on this machine */
                 ROW("0", "0100007F:0277", "00000000:0000", "0A", "0", "21460"),
                 /* 0.0.0.0:6666, owned by pid 1234 */
                 ROW("1", "00000000:1A0A", "00000000:0000", "0A", "1000", "30001"),
                 /* 10.0.2.15:22 */
                 ROW("2", "0F02000A:0016", "00000000:0000", "0A", "0", "30002"),
                 /* 10.0.2.15:54178 -> 93.76.59.42:443 */
                 ROW("3", "0F02000A:D3A2", "2A3B4C5D:01BB", "01", "1000", "30003"),
                 /* -> 192.168.1.5:5900, 100.64.1.1:80, 169.254.9.9:80, 127.0.0.1:631 */
                 ROW("4", "0F02000A:D3A3", "0501A8C0:170C", "01", "1000", "30004"),
                 ROW("5", "0F02000A:D3A4", "01014064:0050", "01", "1000", "30005"),
                 ROW("6", "0F02000A:D3A5", "0909FEA9:0050", "01", "1000", "30006"),
                 ROW("7", "0100007F:D3A6", "0100007F:0277", "01", "1000", "30007"),
                 /* TIME_WAIT, SYN_SENT: neither listener nor connection */
                 ROW("8", "0100007F:DD06", "0100007F:B23F", "06", "0", "0"),
                 ROW("9", "0F02000A:D3A7", "2A3B4C5D:01BB", "02", "0", "30009"),
                 /* garbage: bad hex, short address, missing fields, huge line, bad uid */
                 ROW("10", "0100007G:027B", "00000000:0000", "0A", "0", "30010"),
                 ROW("11", "100007F:027C", "00000000:0000", "0A", "0", "30011"),
                 "   12: 0100007F:0278 00000000:0000 0A 00000000:00000000\n", garbage,
                 ROW("13", "0100007F:0279", "00000000:0000", "0A", "x", "30013"));
        strcat(tcp, ROW("14", "0100007F:027A", "00000000:0000", "0A", "0", "30014"));
        free(garbage);
        put("sock", "proc/net/tcp", tcp);

        put("sock", "proc/net/tcp6",
            TCP6_HEADER
            /* [::]:22, [::1]:25, [::ffff:127.0.0.1]:8080 */
            ROW("0", V6ZERO ":0016", V6ZERO ":0000", "0A", "0", "31001")
            ROW("1", "00000000000000000000000001000000:0019", V6ZERO ":0000", "0A", "0", "31002")
            ROW("2", "0000000000000000FFFF00000100007F:1F90", V6ZERO ":0000", "0A", "0", "31003")
            /* fd00::5 -> fe80::1, fd00::5 -> fd00::6, fd00::5 -> 2001:db8::1, mapped 10.0.2.15 -> 192.168.1.5 */
            ROW("3", "000000FD000000000000000005000000:D000", "000080FE000000000000000001000000:0016", "01",
                "0", "31004")
            ROW("4", "000000FD000000000000000005000000:D001", "000000FD000000000000000006000000:0016", "01",
                "0", "31005")
            ROW("5", "000000FD000000000000000005000000:D002", "B80D0120000000000000000001000000:01BB", "01",
                "0", "31006")
            ROW("6", "0000000000000000FFFF00000F02000A:D003", "0000000000000000FFFF00000501A8C0:170C", "01",
                "0", "31007")
            /* 31 hex digits */
            ROW("7", "0000000000000000000000000100000:0019", V6ZERO ":0000", "0A", "0", "31008"));

        put("sock", "proc/net/udp",
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref "
            "pointer drops\n"
            /* 0.0.0.0:5353, owned by pid 1234; connected and unbound sockets are not listeners */
            ROW("100", "00000000:14E9", "00000000:0000", "07", "1000", "40001")
            ROW("101", "0F02000A:A000", "08080808:0035", "01", "1000", "40002")
            ROW("102", "00000000:0000", "00000000:0000", "07", "1000", "40003"));
        /* no udp6: IPv6 off for UDP is not an error */

        put_bytes("sock", "proc/1234/cmdline", "/usr/bin/anydesk\0", 17);
        put("sock", "proc/1234/comm", "anydesk\n");
        put_link("sock", "proc/1234/exe", "/usr/bin/anydesk");
        put_link("sock", "proc/1234/fd/0", "/dev/null");
        put_link("sock", "proc/1234/fd/3", "socket:[30001]");
        put_link("sock", "proc/1234/fd/4", "socket:[40001]");
        put_link("sock", "proc/1234/fd/5", "socket:[31003]");
        put_link("sock", "proc/1234/fd/6", "socket:[abc]");
        put_link("sock", "proc/1234/fd/7", "socket:[30003");
        put_link("sock", "proc/1234/fd/8", "pipe:[30002]");
        /* a later process sharing the socket does not take it over */
        put("sock", "proc/1300/comm", "child\n");
        put_link("sock", "proc/1300/exe", "/usr/bin/child");
        put_link("sock", "proc/1300/fd/3", "socket:[30001]");
        put_link("sock", "proc/1300/fd/4", "socket:[30003]");
        /* a process without exe (another user's, unreadable): comm only */
        put("sock", "proc/1400/comm", "sshd\n");
        put_link("sock", "proc/1400/fd/3", "socket:[30002]");
        /* fd dir linked outside the root */
        put_link("outside", "fds/3", "socket:[31001]");
        put_link("sock", "proc/1500/fd", "../../../../outside/fds");
        put("sock", "proc/1500/comm", MARKER "\n");
}

static void test_socket(void **state) {
        socket_tree();
        struct collected c = {};
        char note[256];
        assert_int_equal(run_probe(&tt_probe_socket, "sock", NULL, &c, note), 0);
        assert_string_equal(note, "");

        const struct record *r = must_find(&c, "listener", "listener:tcp:127.0.0.1:631");
        assert_attr(r, "proto", "tcp");
        assert_attr(r, "addr", "127.0.0.1");
        assert_attr(r, "port", "631");
        assert_attr(r, "bind", "loopback");
        assert_attr(r, "uid", "0");
        assert_null(attr(r, "pid"));

        r = must_find(&c, "listener", "listener:tcp:0.0.0.0:6666");
        assert_attr(r, "bind", "any");
        assert_attr(r, "uid", "1000");
        assert_attr(r, "pid", "1234");
        assert_attr(r, "exe", "/usr/bin/anydesk");
        assert_attr(r, "comm", "anydesk");

        r = must_find(&c, "listener", "listener:tcp:10.0.2.15:22");
        assert_attr(r, "bind", "specific");
        assert_attr(r, "pid", "1400");
        assert_attr(r, "comm", "sshd");
        assert_null(attr(r, "exe"));

        r = must_find(&c, "connection", "conn:tcp:10.0.2.15:54178-93.76.59.42:443");
        assert_attr(r, "local_addr", "10.0.2.15");
        assert_attr(r, "local_port", "54178");
        assert_attr(r, "remote_addr", "93.76.59.42");
        assert_attr(r, "remote_port", "443");
        assert_attr(r, "remote_scope", "public");
        assert_attr(r, "pid", "1300"); /* pid 1234's link to it is malformed */
        assert_attr(r, "exe", "/usr/bin/child");
        assert_attr(r, "comm", "child");

        assert_attr(must_find(&c, "connection", "conn:tcp:10.0.2.15:54179-192.168.1.5:5900"), "remote_scope",
                    "private");
        assert_attr(must_find(&c, "connection", "conn:tcp:10.0.2.15:54180-100.64.1.1:80"), "remote_scope",
                    "private");
        assert_attr(must_find(&c, "connection", "conn:tcp:10.0.2.15:54181-169.254.9.9:80"), "remote_scope",
                    "link-local");
        assert_attr(must_find(&c, "connection", "conn:tcp:127.0.0.1:54182-127.0.0.1:631"), "remote_scope",
                    "loopback");

        /* IPv6: any, loopback, v4-mapped shown as v4 */
        assert_attr(must_find(&c, "listener", "listener:tcp::::22"), "bind", "any");
        assert_attr(must_find(&c, "listener", "listener:tcp::::22"), "addr", "::");
        assert_attr(must_find(&c, "listener", "listener:tcp:::1:25"), "bind", "loopback");
        r = must_find(&c, "listener", "listener:tcp:127.0.0.1:8080");
        assert_attr(r, "bind", "loopback");
        assert_attr(r, "pid", "1234");
        assert_attr(must_find(&c, "connection", "conn:tcp:fd00::5:53248-fe80::1:22"), "remote_scope", "link-local");
        assert_attr(must_find(&c, "connection", "conn:tcp:fd00::5:53249-fd00::6:22"), "remote_scope", "private");
        assert_attr(must_find(&c, "connection", "conn:tcp:fd00::5:53250-2001:db8::1:443"), "remote_scope",
                    "public");
        r = must_find(&c, "connection", "conn:tcp:10.0.2.15:53251-192.168.1.5:5900");
        assert_attr(r, "remote_addr", "192.168.1.5");
        assert_attr(r, "remote_scope", "private");

        /* UDP */
        r = must_find(&c, "listener", "listener:udp:0.0.0.0:5353");
        assert_attr(r, "proto", "udp");
        assert_attr(r, "bind", "any");
        assert_attr(r, "pid", "1234");
        assert_int_equal(count_kind(&c, "listener"), 8);
        assert_int_equal(count_kind(&c, "connection"), 9);

        /* nothing from garbage rows, nothing through the fd dir outside the root */
        assert_null(find(&c, "listener", "listener:tcp:127.0.0.1:632"));
        assert_null(find(&c, "listener", "listener:tcp:127.0.0.1:633"));
        assert_null(find(&c, "listener", "listener:tcp:127.0.0.1:635"));
        assert_null(find(&c, "listener", "listener:tcp:127.0.0.1:636"));
        assert_attr(must_find(&c, "listener", "listener:tcp:127.0.0.1:634"), "uid", "0");
        assert_null(attr(must_find(&c, "listener", "listener:tcp::::22"), "pid"));
        assert_false(any_value_contains(&c, MARKER));
        collected_free(&c);
}

static void test_socket_fd_bound(void **state) {
        /* 5000 listeners, all owned by one process with 5000 fds: at most 1024 are looked at */
        size_t size = 5000 * 200 + 256, len = 0;
        char *tcp = malloc(size);
        assert_non_null(tcp);
        len += (size_t) snprintf(tcp + len, size - len, TCP_HEADER);
        for (unsigned i = 0; i < 5000; i++) {
                char link[64], name[32];
                len += (size_t) snprintf(tcp + len, size - len,
                                         "%5u: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 "
                                         "00000000  1000        0 %u 1 0000000000000000 100 0 0 10 0\n",
                                         i, 10000 + i, 500000 + i);
                snprintf(name, sizeof(name), "proc/555/fd/%u", i);
                snprintf(link, sizeof(link), "socket:[%u]", 500000 + i);
                put_link("fdbound", name, link);
        }
        put("fdbound", "proc/net/tcp", tcp);
        free(tcp);
        put("fdbound", "proc/555/comm", "many\n");

        struct collected c = {};
        assert_int_equal(run_probe(&tt_probe_socket, "fdbound", NULL, &c, NULL), 0);
        assert_int_equal(count_kind(&c, "listener"), 5000);
        size_t owned = 0;
        for (size_t i = 0; i < c.n; i++)
                owned += attr(&c.records[i], "pid") != NULL;
        assert_int_equal(owned, 1024);
        collected_free(&c);
}

static void test_socket_escape(void **state) {
        /* /proc/net/tcp links out of the root to a valid-looking table: nothing is read */
        put("outside", "tcp", TCP_HEADER ROW("0", "00000000:115C", "00000000:0000", "0A", "0", "77777"));
        put_link("sockesc", "proc/net/tcp", "../../../../outside/tcp");
        put_link("sockesc", "proc/net/tcp6", "/../../../../../outside/tcp");
        put_link("sockesc", "proc/net/udp", "/proc/net/tcp");
        struct collected c = {};
        assert_int_equal(run_probe(&tt_probe_socket, "sockesc", NULL, &c, NULL), 0);
        assert_int_equal(c.n, 0);

        /* a FIFO where the table should be must not block */
        char p[PATH_MAX];
        put_dir("sockfifo", "proc/net");
        tree_path(p, sizeof(p), "sockfifo", "proc/net/tcp");
        assert_int_equal(mkfifo(p, 0600), 0);
        assert_int_equal(run_probe(&tt_probe_socket, "sockfifo", NULL, &c, NULL), -EBADFD);
        assert_int_equal(c.n, 0);
}

/* ---- package ---- */

static void test_package(void **state) {
        char *garbage = long_line(10000, 'd');
        char status[32 * 1024];
        snprintf(status, sizeof(status),
                 "Package: anydesk\n"
                 "Status: install ok installed\n"
                 "Priority: optional\n"
                 "Installed-Size: 20570\n"
                 "Maintainer: philandro Software GmbH <info@anydesk.com>\n"
                 "Architecture: amd64\n"
                 "Version: 6.3.0\n"
                 "Description: The Fast Remote Desktop Application\n"
                 " AnyDesk is the fastest remote desktop software on the market.\n"
                 " .\n"
                 " Package: not-this-one\n"
                 " Version: 0.0-fake\n"
                 "\n"
                 "Package: teamviewer\n"
                 "Status: hold ok installed\n"
                 "Description: no version field\n"
                 " %s\n"
                 "\n"
                 "Package: oldtool\n"
                 "Status: deinstall ok config-files\n"
                 "Version: 1.0\n"
                 "\n"
                 "Package: halfway\n"
                 "Status: install reinstreq half-installed\n"
                 "Version: 2.0\n"
                 "\n"
                 "Status: install ok installed\n"
                 "Version: 9.9-noname\n"
                 "\n"
                 "Package: rustdesk\r\n"
                 "Status: install ok installed\r\n"
                 "Version: 1.2.3\r\n"
                 "\r\n"
                 "package: lowercase\n"
                 "STATUS:   install    ok   installed  \n"
                 "version:1:2.0-1\n"
                 "Package: %s\n"
                 " \t \n"
                 "Package: extra-words\n"
                 "Status: install ok installed yes\n"
                 "\n\n\n"
                 "Package: last\n"
                 "Status: install ok installed\n"
                 "Version: 3",
                 garbage, garbage);
        free(garbage);
        put("dpkg", "var/lib/dpkg/status", status);

        struct collected c = {};
        char note[256];
        assert_int_equal(run_probe(&tt_probe_package, "dpkg", NULL, &c, note), 0);
        assert_string_equal(note, "");

        const struct record *r = must_find(&c, "package", "package:anydesk");
        assert_attr(r, "name", "anydesk");
        assert_attr(r, "version", "6.3.0");
        assert_attr(r, "status", "install ok installed");
        assert_attr(r, "source", "dpkg");
        r = must_find(&c, "package", "package:teamviewer");
        assert_attr(r, "status", "hold ok installed");
        assert_null(attr(r, "version"));
        assert_attr(must_find(&c, "package", "package:rustdesk"), "version", "1.2.3");
        assert_attr(must_find(&c, "package", "package:rustdesk"), "status", "install ok installed");
        /* the overlong Package line was skipped, the stanza's first name stays */
        assert_attr(must_find(&c, "package", "package:lowercase"), "version", "1:2.0-1");
        assert_attr(must_find(&c, "package", "package:last"), "version", "3");
        assert_null(find(&c, "package", "package:oldtool"));
        assert_null(find(&c, "package", "package:halfway"));
        assert_null(find(&c, "package", "package:not-this-one"));
        assert_null(find(&c, "package", "package:extra-words"));
        assert_false(any_value_contains(&c, "9.9-noname"));
        assert_false(any_value_contains(&c, "0.0-fake"));
        assert_int_equal(c.n, 5);
        collected_free(&c);

        /* no dpkg, an rpm database: a note, no error */
        put("rpm", "var/lib/rpm/rpmdb.sqlite", "SQLite format 3");
        assert_int_equal(run_probe(&tt_probe_package, "rpm", NULL, &c, note), 0);
        assert_int_equal(c.n, 0);
        assert_non_null(strstr(note, "/var/lib/rpm/rpmdb.sqlite"));
        assert_int_equal(run_probe(&tt_probe_package, "empty", NULL, &c, note), 0);
        assert_string_equal(note, "");

        /* status linked outside the root */
        put("outside", "status", "Package: " MARKER "\nStatus: install ok installed\n");
        put_link("dpkgesc", "var/lib/dpkg/status", "../../../../../outside/status");
        assert_int_equal(run_probe(&tt_probe_package, "dpkgesc", NULL, &c, note), 0);
        assert_int_equal(c.n, 0);
}

static void test_package_size_bound(void **state) {
        /* 65 MiB (sparse: one stanza, then NULs): read up to 64 MiB, with a note */
        put("dpkgbig", "var/lib/dpkg/status", "Package: first\nStatus: install ok installed\nVersion: 1\n\n");
        char p[PATH_MAX];
        tree_path(p, sizeof(p), "dpkgbig", "var/lib/dpkg/status");
        assert_int_equal(truncate(p, 65 * 1024 * 1024), 0);
        struct collected c = {};
        char note[256];
        assert_int_equal(run_probe(&tt_probe_package, "dpkgbig", NULL, &c, note), 0);
        assert_int_equal(c.n, 1);
        must_find(&c, "package", "package:first");
        assert_non_null(strstr(note, "larger than 64 MiB"));
        collected_free(&c);
}

/* ---- unit ---- */

static void test_unit(void **state) {
        put("units", "etc/systemd/system/anydesk.service",
            "[Unit]\nDescription=AnyDesk\n\n[Service]\nType=simple\nExecStart=/usr/bin/anydesk --service\n"
            "Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n");
        put("units", "usr/lib/systemd/system/anydesk.service", "[Service]\nExecStart=/opt/shadowed/anydesk\n");
        put("units", "lib/systemd/system/teamviewerd.service",
            "[Unit]\nExecStart=/not/in/service\n[Service]\r\nExecStartPre=/bin/true\r\n"
            "  ExecStart = -/opt/teamviewer/tv_bin/teamviewerd -d\r\n");
        put("units", "usr/lib/systemd/system/rustdesk.service",
            "[Service]\n# ExecStart=/commented\nExecStart=\nExecStart=@\"/usr/bin/rust desk\" rustdesk --service\n");
        put("units", "usr/lib/systemd/system/vnc.socket", "[Socket]\nListenStream=5900\nAccept=yes\n");
        put("units", "usr/lib/systemd/system/fetch.timer", "[Timer]\nOnCalendar=daily\n");
        put("units", "usr/lib/systemd/system/getty@.service",
            "[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' %I\n");
        put("units", "usr/lib/systemd/system/notaunit.conf", "[Service]\nExecStart=/x\n");
        put("units", "usr/lib/systemd/system/multi-user.target", "[Unit]\n");
        put_dir("units", "usr/lib/systemd/system/anydesk.service.d");
        put("units", "usr/lib/systemd/system/plain.service", "[Service]\nExecStart=!!/usr/sbin/plain\n");
        put("units", "usr/lib/systemd/system/masked.service", "[Service]\nExecStart=/usr/bin/masked\n");
        put_link("units", "etc/systemd/system/masked.service", "/dev/null");
        put("units", "usr/lib/systemd/user/remote-agent.service", "[Service]\nExecStart=%h/bin/agent\n");
        put("units", "usr/lib/systemd/user/idle.service", "[Service]\nExecStart=/usr/bin/idle\n");

        put_link("units", "etc/systemd/system/multi-user.target.wants/anydesk.service",
                 "/etc/systemd/system/anydesk.service");
        put_link("units", "etc/systemd/system/timers.target.wants/fetch.timer", "/usr/lib/systemd/system/fetch.timer");
        put_link("units", "etc/systemd/system/getty.target.wants/getty@tty1.service",
                 "/usr/lib/systemd/system/getty@.service");
        put_link("units", "etc/systemd/system/sockets.target.requires/vnc.socket",
                 "/usr/lib/systemd/system/vnc.socket");
        put_link("units", "etc/systemd/user/default.target.wants/remote-agent.service",
                 "/usr/lib/systemd/user/remote-agent.service");
        /* not a wants dir */
        put_link("units", "etc/systemd/system/other/plain.service", "/usr/lib/systemd/system/plain.service");

        /* hostile: ExecStart past 64 KiB, 10,000-char lines, a unit linked outside the root */
        char *pad = long_line(70 * 1024, '#');
        pad[0] = '\n';
        char *text = malloc(80 * 1024);
        snprintf(text, 80 * 1024, "[Service]%s\nExecStart=/too/far\n", pad);
        put("units", "usr/lib/systemd/system/big.service", text);
        free(pad);
        char *wide = long_line(10000, 'w');
        snprintf(text, 80 * 1024, "[Service]\nX=%s\nExecStart=/usr/bin/%s\n", wide, wide);
        put("units", "usr/lib/systemd/system/wide.service", text);
        free(text);
        free(wide);
        put("outside", "evil.service", "[Service]\nExecStart=/" MARKER "\n");
        put_link("units", "etc/systemd/system/evil.service", "../../../../../outside/evil.service");

        struct collected c = {};
        assert_int_equal(run_probe(&tt_probe_unit, "units", NULL, &c, NULL), 0);

        const struct record *r = must_find(&c, "unit", "unit:anydesk.service");
        assert_attr(r, "name", "anydesk.service");
        assert_attr(r, "path", "/etc/systemd/system/anydesk.service");
        assert_attr(r, "exec", "/usr/bin/anydesk");
        assert_attr(r, "enabled", "true");

        r = must_find(&c, "unit", "unit:teamviewerd.service");
        assert_attr(r, "path", "/lib/systemd/system/teamviewerd.service");
        assert_attr(r, "exec", "/opt/teamviewer/tv_bin/teamviewerd");
        assert_attr(r, "enabled", "false");

        r = must_find(&c, "unit", "unit:rustdesk.service");
        assert_attr(r, "exec", "/usr/bin/rust desk");
        assert_attr(r, "enabled", "false");

        r = must_find(&c, "unit", "unit:vnc.socket");
        assert_null(attr(r, "exec"));
        assert_attr(r, "enabled", "true");
        assert_attr(must_find(&c, "unit", "unit:fetch.timer"), "enabled", "true");
        r = must_find(&c, "unit", "unit:getty@.service");
        assert_attr(r, "enabled", "true");
        assert_attr(r, "exec", "/sbin/agetty");
        r = must_find(&c, "unit", "unit:plain.service");
        assert_attr(r, "exec", "/usr/sbin/plain");
        assert_attr(r, "enabled", "false");

        r = must_find(&c, "unit", "unit:masked.service");
        assert_attr(r, "path", "/etc/systemd/system/masked.service");
        assert_null(attr(r, "exec"));

        r = must_find(&c, "unit", "unit:remote-agent.service");
        assert_attr(r, "path", "/usr/lib/systemd/user/remote-agent.service");
        assert_attr(r, "exec", "%h/bin/agent");
        assert_attr(r, "enabled", "true");
        assert_attr(must_find(&c, "unit", "unit:idle.service"), "enabled", "false");

        assert_null(attr(must_find(&c, "unit", "unit:big.service"), "exec"));
        assert_int_equal(strlen(attr(must_find(&c, "unit", "unit:wide.service"), "exec")), PATH_MAX - 1);
        r = must_find(&c, "unit", "unit:evil.service");
        assert_null(attr(r, "exec"));
        assert_false(any_value_contains(&c, MARKER));
        assert_false(any_value_contains(&c, "/opt/shadowed"));
        assert_false(any_value_contains(&c, "/not/in/service"));
        assert_null(find(&c, "unit", "unit:notaunit.conf"));
        assert_null(find(&c, "unit", "unit:multi-user.target"));
        assert_null(find(&c, "unit", "unit:getty@tty1.service"));
        assert_int_equal(c.n, 13);
        collected_free(&c);
}

/* ---- path ---- */

static void test_path(void **state) {
        put("paths", "home/alice/.config/corp.ovpn", "client\n");
        put("paths", "home/bob/.config/x.ovpn", "client\n");
        put("paths", "home/bob/.config/y.conf", "x\n");
        put("paths", "home/.hidden/.config/z.ovpn", "client\n");
        put_dir("paths", "home/carol");
        put_dir("paths", "usr/share/anydesk");
        put_link("paths", "opt/link", "/usr/share/anydesk");
        put_link("paths", "opt/escape", "../../../outside");
        put_dir("outside", "dir");
        put("paths", "etc/owned", "x\n");
        char p[PATH_MAX];
        tree_path(p, sizeof(p), "paths", "etc/owned");
        /* only root can give a file away; otherwise it stays ours */
        uid_t owner = geteuid() == 0 ? 4242 : geteuid();
        char owner_text[32], self_text[32];
        assert_int_equal(chown(p, owner, (gid_t) -1), 0);
        snprintf(owner_text, sizeof(owner_text), "%u", (unsigned) owner);
        snprintf(self_text, sizeof(self_text), "%u", (unsigned) geteuid());
        for (unsigned i = 0; i < 300; i++) {
                char name[64];
                snprintf(name, sizeof(name), "many/f%03u", i);
                put("paths", name, "");
        }

        const char *const patterns[] = {
                "/home/*/.config/*.ovpn",
                "//usr//share/anydesk/",
                "/opt/link",
                "/opt/escape",
                "/opt/escape/dir",
                "/etc/owned",
                "/nonexistent/*",
                "/home/[",
                "/home/carol/*",
                "/many/*",
                NULL,
        };
        struct collected c = {};
        assert_int_equal(run_probe(&tt_probe_path, "paths", patterns, &c, NULL), 0);

        const struct record *r = must_find(&c, "path", "path:/home/alice/.config/corp.ovpn");
        assert_attr(r, "path", "/home/alice/.config/corp.ovpn");
        assert_attr(r, "type", "file");
        assert_attr(r, "owner_uid", self_text);
        must_find(&c, "path", "path:/home/bob/.config/x.ovpn");
        assert_null(find(&c, "path", "path:/home/bob/.config/y.conf"));
        assert_null(find(&c, "path", "path:/home/.hidden/.config/z.ovpn"));
        assert_attr(must_find(&c, "path", "path:/usr/share/anydesk"), "type", "dir");
        assert_attr(must_find(&c, "path", "path:/opt/link"), "type", "dir");
        /* resolves inside the root, where there is nothing: a dangling link */
        assert_attr(must_find(&c, "path", "path:/opt/escape"), "type", "link");
        assert_null(find(&c, "path", "path:/opt/escape/dir"));
        assert_attr(must_find(&c, "path", "path:/etc/owned"), "owner_uid", owner_text);
        must_find(&c, "path", "path:/many/f000");
        must_find(&c, "path", "path:/many/f255");
        assert_null(find(&c, "path", "path:/many/f256"));
        assert_int_equal(c.n, 2 + 1 + 1 + 1 + 1 + 256);
        collected_free(&c);

        assert_int_equal(run_probe(&tt_probe_path, "paths", NULL, &c, NULL), 0);
        assert_int_equal(c.n, 0);
}

/* ---- input ---- */

static void test_input(void **state) {
        char *wide = long_line(10000, 'n');
        char devices[32 * 1024];
        snprintf(devices, sizeof(devices),
                 "I: Bus=0019 Vendor=0000 Product=0001 Version=0000\n"
                 "N: Name=\"Power Button\"\n"
                 "P: Phys=PNP0C0C/button/input0\n"
                 "S: Sysfs=/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0C0C:00/input/input0\n"
                 "U: Uniq=\n"
                 "H: Handlers=kbd event0 \n"
                 "B: PROP=0\n"
                 "B: EV=3\n"
                 "B: KEY=10000000000000 0\n"
                 "\n"
                 "I: Bus=0011 Vendor=0001 Product=0001 Version=ab41\n"
                 "N: Name=\"AT Translated Set 2 keyboard\"\n"
                 "P: Phys=isa0060/serio0/input0\n"
                 "S: Sysfs=/devices/platform/i8042/serio0/input/input3\n"
                 "U: Uniq=\n"
                 "H: Handlers=sysrq kbd event3 leds \n"
                 "B: PROP=0\n"
                 "B: EV=120013\n"
                 "\n"
                 "I: Bus=0003 Vendor=1d6b Product=0104 Version=0111\n"
                 "N: Name=\"PiKVM Composite Device\"\n"
                 "P: Phys=usb-0000:00:14.0-2/input1\n"
                 "S: Sysfs=/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.1/0003:1D6B:0104.0002/input/input11\n"
                 "U: Uniq=CAFEBABE\n"
                 "H: Handlers=mouse1 event11 \n"
                 "B: PROP=0\n"
                 "B: EV=1f\n"
                 "B: ABS=3\n"
                 "\n"
                 "I: Bus=0003 Vendor=1234 Product=5678 Version=0001\n"
                 "N: Name=\"Mouse passthrough\"\n"
                 "P: Phys=\n"
                 "S: Sysfs=/devices/virtual/input/input20\n"
                 "H: Handlers=event20 \n"
                 "\n"
                 "I: Bus=0005 Vendor=046d Product=b33d Version=0001\n"
                 "N: Name=\"He said \"hi\"\"\n"
                 "\n"
                 "I: Bus=001c Vendor=zzzz Product=0001 Version=0001\n"
                 "N: Name=\"%s\"\n"
                 "S: Sysfs=/devices/odd\n"
                 "\n"
                 "I: Bus=12345 Vendor=0001 Product=0001 Version=0001\n"
                 "X: junk\n"
                 "S\n"
                 "N:\n"
                 "\n"
                 "\n"
                 "I: Bus=0001 Vendor=0002 Product=0003 Version=0004\n"
                 "S: Sysfs=/devices/last",
                 wide);
        free(wide);
        put("input", "proc/bus/input/devices", devices);

        struct collected c = {};
        assert_int_equal(run_probe(&tt_probe_input, "input", NULL, &c, NULL), 0);

        const struct record *r =
                must_find(&c, "input_device", "input:/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0C0C:00/input/input0");
        assert_attr(r, "bus", "host");
        assert_attr(r, "vendor", "0000");
        assert_attr(r, "product", "0001");
        assert_attr(r, "name", "Power Button");
        assert_attr(r, "phys", "PNP0C0C/button/input0");
        assert_attr(r, "handlers", "kbd event0");
        assert_attr(r, "virtual", "false");
        assert_null(attr(r, "uniq"));

        r = must_find(&c, "input_device", "input:/devices/platform/i8042/serio0/input/input3");
        assert_attr(r, "bus", "i8042");
        assert_attr(r, "version", "ab41");

        r = must_find(&c, "input_device",
                      "input:/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.1/0003:1D6B:0104.0002/input/input11");
        assert_attr(r, "bus", "usb");
        assert_attr(r, "vendor", "1d6b");
        assert_attr(r, "product", "0104");
        assert_attr(r, "version", "0111");
        assert_attr(r, "name", "PiKVM Composite Device");
        assert_attr(r, "uniq", "CAFEBABE");

        r = must_find(&c, "input_device", "input:/devices/virtual/input/input20");
        assert_attr(r, "virtual", "true");
        assert_null(attr(r, "phys"));

        r = must_find(&c, "input_device", "input:He said \"hi\"");
        assert_attr(r, "bus", "bluetooth");
        assert_attr(r, "name", "He said \"hi\"");
        assert_null(attr(r, "virtual"));

        /* garbage ids: no id attributes; an overlong name is cut */
        r = must_find(&c, "input_device", "input:/devices/odd");
        assert_null(attr(r, "bus"));
        assert_null(attr(r, "vendor"));
        assert_int_equal(strlen(attr(r, "name")), 255);

        r = must_find(&c, "input_device", "input:/devices/last");
        assert_attr(r, "bus", "0001");
        assert_attr(r, "version", "0004");
        assert_int_equal(c.n, 7);
        collected_free(&c);

        /* devices file linked outside the root */
        put("outside", "devices", "I: Bus=0003 Vendor=1d6b Product=0104 Version=0111\nN: Name=\"" MARKER "\"\n");
        put_link("inputesc", "proc/bus/input/devices", "../../../../../../outside/devices");
        assert_int_equal(run_probe(&tt_probe_input, "inputesc", NULL, &c, NULL), 0);
        assert_int_equal(c.n, 0);
        assert_int_equal(run_probe(&tt_probe_input, "empty", NULL, &c, NULL), 0);
        assert_int_equal(c.n, 0);
}

/* ---- the live system ---- */

static void test_live(void **state) {
        char self_exe[PATH_MAX], subject[64];
        ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
        assert_true(n > 0);
        self_exe[n] = '\0';

        /* a TCP listener with one accepted connection, and a UDP socket, all loopback */
        int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int k = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(l >= 0 && u >= 0 && k >= 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof(a);
        assert_int_equal(bind(l, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(listen(l, 1), 0);
        assert_int_equal(getsockname(l, (struct sockaddr *) &a, &alen), 0);
        unsigned tcp_port = ntohs(a.sin_port);
        assert_int_equal(connect(k, (struct sockaddr *) &a, sizeof(a)), 0);
        struct sockaddr_in ka;
        alen = sizeof(ka);
        assert_int_equal(getsockname(k, (struct sockaddr *) &ka, &alen), 0);
        a.sin_port = 0;
        assert_int_equal(bind(u, (struct sockaddr *) &a, sizeof(a)), 0);
        alen = sizeof(a);
        assert_int_equal(getsockname(u, (struct sockaddr *) &a, &alen), 0);
        unsigned udp_port = ntohs(a.sin_port);

        struct collected c = {};
        assert_int_equal(run_probe(&tt_probe_process, "/", NULL, &c, NULL), 0);
        snprintf(subject, sizeof(subject), "pid:%d", (int) getpid());
        const struct record *r = must_find(&c, "process", subject);
        assert_attr(r, "exe", self_exe);
        char comm[16];
        strscpy(comm, sizeof(comm), strrchr(self_exe, '/') + 1); /* the kernel keeps 15 characters */
        assert_attr(r, "comm", comm);
        char ppid[32];
        snprintf(ppid, sizeof(ppid), "%d", (int) getppid());
        assert_attr(r, "ppid", ppid);
        assert_null(find(&c, "process", "pid:2")); /* kthreadd */
        collected_free(&c);

        assert_int_equal(run_probe(&tt_probe_socket, "/", NULL, &c, NULL), 0);
        char pid[32];
        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        snprintf(subject, sizeof(subject), "listener:tcp:127.0.0.1:%u", tcp_port);
        r = must_find(&c, "listener", subject);
        assert_attr(r, "pid", pid);
        assert_attr(r, "exe", self_exe);
        assert_attr(r, "bind", "loopback");
        snprintf(subject, sizeof(subject), "listener:udp:127.0.0.1:%u", udp_port);
        assert_attr(must_find(&c, "listener", subject), "pid", pid);
        snprintf(subject, sizeof(subject), "conn:tcp:127.0.0.1:%u-127.0.0.1:%u", ntohs(ka.sin_port), tcp_port);
        r = must_find(&c, "connection", subject);
        assert_attr(r, "remote_scope", "loopback");
        assert_attr(r, "pid", pid);
        collected_free(&c);
        close(k);
        close(l);
        close(u);

        /* our own binary, its last character as a glob */
        char glob[PATH_MAX];
        snprintf(glob, sizeof(glob), "%.*s?", (int) strlen(self_exe) - 1, self_exe);
        const char *const patterns[] = { glob, "/proc/self", NULL };
        assert_int_equal(run_probe(&tt_probe_path, "/", patterns, &c, NULL), 0);
        char path_subject[PATH_MAX + 8];
        snprintf(path_subject, sizeof(path_subject), "path:%s", self_exe);
        assert_attr(must_find(&c, "path", path_subject), "type", "file");
        assert_attr(must_find(&c, "path", "path:/proc/self"), "type", "dir");
        collected_free(&c);

        /* these depend on the machine: they must succeed and find what is there */
        struct stat st;
        assert_int_equal(run_probe(&tt_probe_package, "/", NULL, &c, NULL), 0);
        if (stat("/var/lib/dpkg/status", &st) == 0)
                assert_attr(must_find(&c, "package", "package:dpkg"), "source", "dpkg");
        collected_free(&c);
        assert_int_equal(run_probe(&tt_probe_unit, "/", NULL, &c, NULL), 0);
        if (stat("/usr/lib/systemd/system/systemd-journald.service", &st) == 0)
                assert_true(endswith(attr(must_find(&c, "unit", "unit:systemd-journald.service"), "exec") ?: "",
                                     "/systemd-journald"));
        collected_free(&c);
        assert_int_equal(run_probe(&tt_probe_input, "/", NULL, &c, NULL), 0);
        collected_free(&c);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        remove(path);
        return 0;
}

static int setup(void **state) {
        if (!mkdtemp(base))
                return -1;
        put_dir("empty", "etc");
        return 0;
}

static int teardown(void **state) {
        return nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_process),
                cmocka_unit_test(test_socket),
                cmocka_unit_test(test_socket_fd_bound),
                cmocka_unit_test(test_socket_escape),
                cmocka_unit_test(test_package),
                cmocka_unit_test(test_package_size_bound),
                cmocka_unit_test(test_unit),
                cmocka_unit_test(test_path),
                cmocka_unit_test(test_input),
                cmocka_unit_test(test_live),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
