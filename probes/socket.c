/* SPDX-License-Identifier: MIT */
/* Listening and established sockets from /proc/net/{tcp,tcp6,udp,udp6},
 * with the owning process found through /proc/<pid>/fd/N -> "socket:[inode]". */
#include <arpa/inet.h>
#include <limits.h>

#include "cidr.h"
#include "hostfs.h"
#include "probe.h"
#include "util.h"

#define SOCKETS_MAX 65536
#define FDS_PER_PROCESS_MAX 1024
#define TABLE_LINE_MAX 512
#define TABLE_BYTES_MAX (64ULL * 1024 * 1024)

#define TCP_ESTABLISHED 0x01
#define TCP_LISTEN 0x0A

struct sock_entry {
        uint64_t inode;
        int family; /* after v4-mapped v6 addresses were turned into v4 */
        uint8_t local[16], remote[16];
        unsigned local_port, remote_port;
        bool tcp, listener;
        int64_t uid;
        size_t owner; /* index + 1 into sock_scan.owners; 0: not found */
};

struct sock_owner {
        unsigned pid;
        bool has_comm;
        char comm[64];
        char *exe;
};

struct sock_scan {
        struct sock_entry *entries;
        size_t n_entries, cap_entries, n_unowned;
        struct sock_owner *owners;
        size_t n_owners, cap_owners;
        bool truncated;
};

static const struct tt_cidr loopback_nets[] = {
        { AF_INET, { 127 }, 8 },
        { AF_INET6, { [15] = 1 }, 128 },
};
static const struct tt_cidr private_nets[] = {
        { AF_INET, { 10 }, 8 },
        { AF_INET, { 172, 16 }, 12 },
        { AF_INET, { 192, 168 }, 16 },
        { AF_INET, { 100, 64 }, 10 }, /* carrier-grade NAT */
        { AF_INET6, { 0xfc }, 7 },
};
static const struct tt_cidr link_local_nets[] = {
        { AF_INET, { 169, 254 }, 16 },
        { AF_INET6, { 0xfe, 0x80 }, 10 },
};

static bool in_nets(const struct tt_cidr *nets, size_t n, int family, const uint8_t *addr) {
        for (size_t i = 0; i < n; i++)
                if (tt_cidr_contains(&nets[i], family, addr))
                        return true;
        return false;
}
#define IN_NETS(nets, family, addr) in_nets(nets, ELEMENTSOF(nets), family, addr)

static bool is_zero(const uint8_t *addr, int family) {
        static const uint8_t zero[16];
        return memcmp(addr, zero, family == AF_INET ? 4 : 16) == 0;
}

static const char *bind_scope(int family, const uint8_t *addr) {
        if (is_zero(addr, family))
                return "any";
        return IN_NETS(loopback_nets, family, addr) ? "loopback" : "specific";
}

static const char *remote_scope(int family, const uint8_t *addr) {
        if (IN_NETS(loopback_nets, family, addr))
                return "loopback";
        if (IN_NETS(private_nets, family, addr))
                return "private";
        if (IN_NETS(link_local_nets, family, addr))
                return "link-local";
        return "public";
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Exactly n hex digits (n <= 8). */
static bool parse_hex(const char *s, size_t n, uint32_t *ret) {
        uint32_t v = 0;
        for (size_t i = 0; i < n; i++) {
                int d = hex_digit(s[i]);
                if (d < 0)
                        return false;
                v = v << 4 | (uint32_t) d;
        }
        *ret = v;
        return true;
}

/* "0100007F:0277": the kernel prints each 32-bit word of the address as the
 * integer it is in memory, so the word's host-order bytes are the address. */
static bool parse_endpoint(const char *s, int family, uint8_t addr[static 16], unsigned *ret_port) {
        size_t words = family == AF_INET ? 1 : 4;
        if (strlen(s) != words * 8 + 5 || s[words * 8] != ':')
                return false;
        memset(addr, 0, 16);
        for (size_t i = 0; i < words; i++) {
                uint32_t w;
                if (!parse_hex(s + i * 8, 8, &w))
                        return false;
                memcpy(addr + i * 4, &w, 4);
        }
        uint32_t port;
        if (!parse_hex(s + words * 8 + 1, 4, &port))
                return false;
        *ret_port = port;
        return true;
}

static void unmap_v4(int *family, uint8_t *local, uint8_t *remote) {
        static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        /* A dual-stack socket's v4 peer shows as ::ffff:a.b.c.d; both ends are mapped or neither is. */
        if (*family != AF_INET6 || memcmp(local, v4mapped, 12) != 0 ||
            (memcmp(remote, v4mapped, 12) != 0 && !is_zero(remote, AF_INET6)))
                return;
        memmove(local, local + 12, 4);
        memmove(remote, remote + 12, 4);
        memset(local + 4, 0, 12);
        memset(remote + 4, 0, 12);
        *family = AF_INET;
}

/* One table row: "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...". */
static bool parse_row(char *line, int family, bool tcp, struct sock_entry *ret) {
        char *field[10], *save = NULL;
        size_t n = 0;
        for (char *t = strtok_r(line, " \t", &save); t && n < ELEMENTSOF(field); t = strtok_r(NULL, " \t", &save))
                field[n++] = t;
        if (n < ELEMENTSOF(field))
                return false;

        struct sock_entry e = { .family = family, .tcp = tcp };
        uint32_t state;
        uint64_t uid;
        if (!parse_endpoint(field[1], family, e.local, &e.local_port) ||
            !parse_endpoint(field[2], family, e.remote, &e.remote_port) || strlen(field[3]) != 2 ||
            !parse_hex(field[3], 2, &state) || safe_atou64(field[7], 10, &uid) < 0 || uid > UINT32_MAX ||
            safe_atou64(field[9], 10, &e.inode) < 0)
                return false;
        e.uid = (int64_t) uid;

        if (tcp && state == TCP_LISTEN)
                e.listener = true;
        else if (tcp && state == TCP_ESTABLISHED)
                e.listener = false;
        else if (!tcp && e.local_port != 0 && e.remote_port == 0 && is_zero(e.remote, family))
                e.listener = true; /* unconnected UDP socket bound to a port */
        else
                return false;
        unmap_v4(&e.family, e.local, e.remote);
        *ret = e;
        return true;
}

static int add_entry(struct sock_scan *s, const struct sock_entry *e) {
        if (s->n_entries >= SOCKETS_MAX) {
                s->truncated = true;
                return 0;
        }
        if (s->n_entries == s->cap_entries) {
                size_t cap = MAX(s->cap_entries * 2, (size_t) 64);
                struct sock_entry *n = reallocarray(s->entries, cap, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                s->entries = n;
                s->cap_entries = cap;
        }
        s->entries[s->n_entries++] = *e;
        return 0;
}

static int read_table(const struct tt_root *r, const char *path, int family, bool tcp, struct sock_scan *s) {
        _cleanup_fclose_ FILE *f = NULL;
        int e = tt_root_fopen(r, path, &f);
        if (e < 0)
                return e == -ENOENT ? 0 : e; /* no IPv6, or an offline image */
        uint64_t budget = TABLE_BYTES_MAX;
        char line[TABLE_LINE_MAX];
        for (;;) {
                e = tt_read_line(f, line, sizeof(line), &budget);
                if (e == 0 || e == -EFBIG)
                        return 0;
                if (e == -E2BIG)
                        continue;
                if (e < 0)
                        return e;
                struct sock_entry entry;
                if (parse_row(line, family, tcp, &entry)) {
                        e = add_entry(s, &entry);
                        if (e < 0)
                                return e;
                }
        }
}

static int cmp_inode(const void *a, const void *b) {
        uint64_t x = ((const struct sock_entry *) a)->inode, y = ((const struct sock_entry *) b)->inode;
        return x < y ? -1 : x > y;
}

/* "socket:[12345]" */
static bool parse_socket_link(const char *link, uint64_t *ret) {
        const char *p = startswith(link, "socket:[") ? link + strlen("socket:[") : NULL;
        if (!p)
                return false;
        char digits[24];
        size_t n = strspn(p, "0123456789");
        if (n == 0 || n >= sizeof(digits) || strcmp(p + n, "]") != 0)
                return false;
        memcpy(digits, p, n);
        digits[n] = '\0';
        return safe_atou64(digits, 10, ret) == 0;
}

static int add_owner(struct sock_scan *s, const struct tt_root *r, int pid_fd, unsigned pid) {
        if (s->n_owners == s->cap_owners) {
                size_t cap = MAX(s->cap_owners * 2, (size_t) 16);
                struct sock_owner *n = reallocarray(s->owners, cap, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                s->owners = n;
                s->cap_owners = cap;
        }
        struct sock_owner *o = &s->owners[s->n_owners];
        char exe[PATH_MAX];
        *o = (struct sock_owner){ .pid = pid };
        o->has_comm = tt_proc_read_comm(r, pid_fd, o->comm, sizeof(o->comm)) == 0;
        if (tt_proc_read_exe(r, pid_fd, exe, sizeof(exe)) == 0) {
                o->exe = strdup(exe);
                if (!o->exe)
                        return -ENOMEM;
        }
        s->n_owners++;
        return 0;
}

/* Marks the entries with this inode as owned by pid. Pids come in
 * ascending order, so a socket shared across fork() goes to the lowest
 * pid, usually the parent. */
static int claim_inode(struct sock_scan *s, const struct tt_root *r, int pid_fd, unsigned pid, uint64_t inode) {
        struct sock_entry key = { .inode = inode };
        struct sock_entry *hit = bsearch(&key, s->entries, s->n_entries, sizeof(key), cmp_inode);
        if (!hit)
                return 0;
        while (hit > s->entries && hit[-1].inode == inode)
                hit--;
        for (; hit < s->entries + s->n_entries && hit->inode == inode; hit++) {
                if (hit->owner != 0)
                        continue;
                if (s->n_owners == 0 || s->owners[s->n_owners - 1].pid != pid) {
                        int e = add_owner(s, r, pid_fd, pid);
                        if (e < 0)
                                return e;
                }
                hit->owner = s->n_owners;
                s->n_unowned--;
        }
        return 0;
}

static int scan_fds(const struct tt_root *r, int pid_fd, unsigned pid, void *userdata) {
        struct sock_scan *s = userdata;
        if (s->n_unowned == 0)
                return 0;
        _cleanup_closedir_ DIR *d = NULL;
        /* Other users' fds need privileges on the live system: not an error. */
        if (tt_opendir_beneath(r, pid_fd, "fd", &d) < 0)
                return 0;
        size_t looked = 0;
        struct dirent *de;
        while (looked < FDS_PER_PROCESS_MAX && (de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                looked++;
                char link[64];
                uint64_t inode;
                if (tt_readlink_beneath(r, dirfd(d), de->d_name, link, sizeof(link)) < 0 ||
                    !parse_socket_link(link, &inode) || inode == 0)
                        continue;
                int e = claim_inode(s, r, pid_fd, pid, inode);
                if (e < 0)
                        return e;
        }
        return 0;
}

static const char *addr_text(int family, const uint8_t *addr, char *buf, size_t size) {
        return inet_ntop(family, addr, buf, (socklen_t) size) ? buf : "?";
}

static int emit_entry(struct tt_probe_ctx *ctx, const struct sock_scan *s, const struct sock_entry *e) {
        const char *proto = e->tcp ? "tcp" : "udp";
        char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN], subject[160];
        addr_text(e->family, e->local, local, sizeof(local));
        addr_text(e->family, e->remote, remote, sizeof(remote));
        struct tt_observation o;
        if (e->listener) {
                snprintf(subject, sizeof(subject), "listener:%s:%s:%u", proto, local, e->local_port);
                tt_obs_init(&o, "listener", subject);
                tt_obs_add_str(&o, "proto", proto);
                tt_obs_add_str(&o, "addr", local);
                tt_obs_add_int(&o, "port", e->local_port);
                tt_obs_add_str(&o, "bind", bind_scope(e->family, e->local));
        } else {
                snprintf(subject, sizeof(subject), "conn:%s:%s:%u-%s:%u", proto, local, e->local_port, remote,
                         e->remote_port);
                tt_obs_init(&o, "connection", subject);
                tt_obs_add_str(&o, "proto", proto);
                tt_obs_add_str(&o, "local_addr", local);
                tt_obs_add_int(&o, "local_port", e->local_port);
                tt_obs_add_str(&o, "remote_addr", remote);
                tt_obs_add_int(&o, "remote_port", e->remote_port);
                tt_obs_add_str(&o, "remote_scope", remote_scope(e->family, e->remote));
        }
        if (e->owner != 0) {
                const struct sock_owner *w = &s->owners[e->owner - 1];
                tt_obs_add_int(&o, "pid", w->pid);
                tt_obs_add_str(&o, "exe", w->exe);
                if (w->has_comm)
                        tt_obs_add_str(&o, "comm", w->comm);
        }
        tt_obs_add_int(&o, "uid", e->uid);
        return tt_emit(ctx, &o);
}

static void sock_scan_free(struct sock_scan *s) {
        for (size_t i = 0; i < s->n_owners; i++)
                free(s->owners[i].exe);
        free(s->owners);
        free(s->entries);
}

static int socket_scan(struct tt_probe_ctx *ctx) {
        static const struct {
                const char *path;
                int family;
                bool tcp;
        } tables[] = {
                { "/proc/net/tcp", AF_INET, true },
                { "/proc/net/tcp6", AF_INET6, true },
                { "/proc/net/udp", AF_INET, false },
                { "/proc/net/udp6", AF_INET6, false },
        };
        _cleanup_(sock_scan_free) struct sock_scan s = {};
        int e;
        for (size_t i = 0; i < ELEMENTSOF(tables); i++) {
                e = read_table(ctx->root, tables[i].path, tables[i].family, tables[i].tcp, &s);
                if (e < 0)
                        return e;
        }
        if (s.truncated)
                snprintf(ctx->note, sizeof(ctx->note), "more than %d sockets; the rest were not looked at",
                         SOCKETS_MAX);
        if (s.n_entries == 0)
                return 0;

        qsort(s.entries, s.n_entries, sizeof(*s.entries), cmp_inode);
        for (size_t i = 0; i < s.n_entries; i++)
                s.n_unowned += s.entries[i].inode != 0;
        e = tt_proc_for_each(ctx->root, scan_fds, &s);
        if (e < 0 && e != -ENOENT)
                return e;
        for (size_t i = 0; i < s.n_entries; i++) {
                e = emit_entry(ctx, &s, &s.entries[i]);
                if (e < 0)
                        return e;
        }
        return 0;
}

const struct tt_probe tt_probe_socket = {
        .name = "socket",
        .default_enabled = true,
        .scan = socket_scan,
};
