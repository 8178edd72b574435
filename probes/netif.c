/* SPDX-License-Identifier: MIT */
/* Network links: tunnels (tun/tap, WireGuard, Tailscale, ZeroTier, PPP) and
 * the rest, from /sys/class/net/<if>/{type,flags,operstate,uevent,tun_flags,
 * address,...} under the root.
 *
 * The live system is read the same way, not through RTM_GETLINK: sysfs and
 * rtnetlink are two views of the same struct net_device (type, flags,
 * operstate, address, master, ifindex, iflink), and what tells the kinds
 * apart is only in sysfs (uevent DEVTYPE=wlan/wireguard, tun_flags, the
 * wireless directory) or would take a second netlink family (nl80211). One
 * code path also makes the live and --root results comparable line by line.
 * The sysfs mounted at /sys shows the network namespace it was mounted in,
 * which for the daemon is the host's (and `ip netns exec` remounts it). */
#include "netif.h"

#include <fcntl.h>
#include <stdio.h>

#include "probe.h"
#include "util.h"

#define ARPHRD_ETHER 1
#define ARPHRD_PPP 512
#define ARPHRD_LOOPBACK 772
#define TUN_FLAG_TAP 0x0002 /* IFF_TAP in linux/if_tun.h */

const char *tt_link_tun_type(const struct tt_link *l) {
        if (!l->has_tun_flags)
                return NULL;
        return l->tun_flags & TUN_FLAG_TAP ? "tap" : "tun";
}

const char *tt_link_classify(const struct tt_link *l) {
        const char *tun = tt_link_tun_type(l);
        if (l->type == ARPHRD_LOOPBACK)
                return "loopback";
        /* WireGuard has type 65534 (ARPHRD_NONE) and no tun_flags: only its
         * DEVTYPE says what it is. */
        if (streq(l->devtype, "wireguard"))
                return "wireguard";
        if (tun) {
                /* Overlay daemons name their tun/tap device; userspace WireGuard
                 * (wireguard-go, boringtun) is a tun device too. */
                if (startswith(l->name, "tailscale"))
                        return "tailscale";
                if (startswith(l->name, "zt"))
                        return "zerotier";
                if (startswith(l->name, "wg"))
                        return "wireguard";
                return tun;
        }
        if (l->type == ARPHRD_PPP)
                return "ppp";
        if (streq(l->devtype, "wlan") || l->has_wireless)
                return "wifi";
        if (streq(l->devtype, "bridge"))
                return "bridge";
        if (l->type == ARPHRD_ETHER && l->devtype[0] == '\0') {
                if (l->has_device)
                        return "ethernet";
                /* A veth's iflink is its peer. */
                if (l->iflink > 0 && l->iflink != l->ifindex)
                        return "veth";
        }
        return "other";
}

static void read_uint(const struct tt_root *root, int dirfd, const char *attr, int base, bool *ret_has,
                      uint64_t *ret) {
        char buf[32];
        uint64_t v;
        if (tt_read_line_beneath(root, dirfd, attr, buf, sizeof(buf)) >= 0 && safe_atou64(buf, base, &v) >= 0) {
                *ret = v;
                if (ret_has)
                        *ret_has = true;
        }
}

static void read_int(const struct tt_root *root, int dirfd, const char *attr, int *ret) {
        uint64_t v = 0;
        read_uint(root, dirfd, attr, 10, NULL, &v);
        *ret = v <= INT32_MAX ? (int) v : 0;
}

/* The last component of a sysfs link (device/driver -> .../e1000e). The
 * directory is opened first: the links in the path are relative. */
static void read_link_name(const struct tt_root *root, const char *dir, const char *name, char *buf, size_t size) {
        _cleanup_close_ int fd = -1;
        char target[512];
        if (tt_root_openat(root, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, &fd) < 0 ||
            tt_readlink_beneath(root, fd, name, target, sizeof(target)) < 0)
                return;
        const char *base = strrchr(target, '/');
        strscpy(buf, size, base ? base + 1 : target);
}

static bool exists(const struct tt_root *root, const char *path) {
        _cleanup_close_ int fd = -1;
        return tt_root_openat(root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, &fd) >= 0;
}

static void read_devtype(const struct tt_root *root, int dirfd, char *buf, size_t size) {
        _cleanup_free_ char *uevent = NULL;
        if (tt_read_file_beneath(root, dirfd, "uevent", 4096, &uevent, NULL) < 0)
                return;
        for (char *line = uevent, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (startswith(line, "DEVTYPE="))
                        strscpy(buf, size, line + strlen("DEVTYPE="));
        }
}

static bool mac_valid(const char *s) {
        if (isempty(s))
                return false;
        for (; *s; s++)
                if (!strchr("0123456789abcdefABCDEF:", *s))
                        return false;
        return true;
}

static int link_read(const struct tt_root *root, const char *name, struct tt_link *l) {
        char dir[64], path[128];
        *l = (struct tt_link){};
        strscpy(l->name, sizeof(l->name), name);
        snprintf(dir, sizeof(dir), "/sys/class/net/%s", name);
        /* Absolute paths from the root: /sys/class/net/X and its device and
         * master entries are relative symlinks into /sys/devices. */
        _cleanup_close_ int fd = -1;
        int r = tt_root_openat(root, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, &fd);
        if (r < 0)
                return r;
        uint64_t type = UINT32_MAX + 1ULL;
        read_uint(root, fd, "type", 10, NULL, &type);
        if (type > UINT32_MAX)
                return -ENODATA; /* not a link directory */
        l->type = (unsigned) type;
        read_int(root, fd, "ifindex", &l->ifindex);
        read_int(root, fd, "iflink", &l->iflink);
        read_uint(root, fd, "flags", 16, &l->has_flags, &l->flags);
        read_uint(root, fd, "tun_flags", 16, &l->has_tun_flags, &l->tun_flags);
        (void) tt_read_line_beneath(root, fd, "operstate", l->operstate, sizeof(l->operstate));
        (void) tt_read_line_beneath(root, fd, "address", l->addr, sizeof(l->addr));
        if (!mac_valid(l->addr))
                l->addr[0] = '\0';
        read_devtype(root, fd, l->devtype, sizeof(l->devtype));
        snprintf(path, sizeof(path), "%s/device", dir);
        l->has_device = exists(root, path);
        read_link_name(root, path, "driver", l->driver, sizeof(l->driver));
        snprintf(path, sizeof(path), "%s/wireless", dir);
        l->has_wireless = exists(root, path);
        snprintf(path, sizeof(path), "%s/phy80211", dir);
        l->has_wireless = l->has_wireless || exists(root, path);
        read_link_name(root, dir, "master", l->master, sizeof(l->master));
        l->kind = tt_link_classify(l);
        return 0;
}

static int link_cmp(const void *a, const void *b) {
        return strcmp(((const struct tt_link *) a)->name, ((const struct tt_link *) b)->name);
}

int tt_links_read(const struct tt_root *root, struct tt_link **ret, size_t *ret_n, bool *ret_truncated) {
        _cleanup_closedir_ DIR *d = NULL;
        int r = tt_root_opendir(root, "/sys/class/net", &d);
        if (r < 0)
                return r;
        _cleanup_free_ struct tt_link *links = NULL;
        size_t n = 0, cap = 0;
        bool truncated = false;
        for (struct dirent *de; (de = readdir(d));) {
                /* Kernel names are shorter than IFNAMSIZ and never "." or "..". */
                if (de->d_name[0] == '.' || strlen(de->d_name) >= IFNAMSIZ)
                        continue;
                if (n == TT_LINKS_MAX) {
                        truncated = true;
                        break;
                }
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        struct tt_link *nl = realloc(links, ncap * sizeof(*nl));
                        if (!nl)
                                return -ENOMEM;
                        links = nl;
                        cap = ncap;
                }
                if (link_read(root, de->d_name, &links[n]) >= 0)
                        n++;
        }
        if (n > 0)
                qsort(links, n, sizeof(*links), link_cmp);
        *ret = TAKE_PTR(links);
        *ret_n = n;
        if (ret_truncated)
                *ret_truncated = truncated;
        return 0;
}

const struct tt_link *tt_links_find(const struct tt_link *links, size_t n, const char *name) {
        for (size_t i = 0; name && i < n; i++)
                if (streq(links[i].name, name))
                        return &links[i];
        return NULL;
}

const struct tt_link *tt_links_find_index(const struct tt_link *links, size_t n, int ifindex) {
        for (size_t i = 0; ifindex > 0 && i < n; i++)
                if (links[i].ifindex == ifindex)
                        return &links[i];
        return NULL;
}

static int netif_scan(struct tt_probe_ctx *ctx) {
        _cleanup_free_ struct tt_link *links = NULL;
        size_t n;
        bool truncated;
        int r = tt_links_read(ctx->root, &links, &n, &truncated);
        if (r == -ENOENT) {
                snprintf(ctx->note, sizeof(ctx->note), "no /sys/class/net under the root: links not looked at");
                return 0;
        }
        if (r < 0)
                return r;
        if (truncated)
                snprintf(ctx->note, sizeof(ctx->note), "more than %d links: only the first were looked at",
                         TT_LINKS_MAX);
        for (size_t i = 0; i < n; i++) {
                const struct tt_link *l = &links[i];
                char subject[8 + IFNAMSIZ];
                snprintf(subject, sizeof(subject), "if:%s", l->name);
                struct tt_observation o;
                tt_obs_init(&o, "netif", subject);
                tt_obs_add_str(&o, "name", l->name);
                tt_obs_add_str(&o, "link_kind", l->kind);
                tt_obs_add_int(&o, "type", l->type);
                if (l->has_flags)
                        tt_obs_add_int(&o, "flags", (int64_t) l->flags);
                if (l->operstate[0])
                        tt_obs_add_str(&o, "operstate", l->operstate);
                tt_obs_add_str(&o, "tun_type", tt_link_tun_type(l));
                if (l->devtype[0])
                        tt_obs_add_str(&o, "devtype", l->devtype);
                if (l->driver[0])
                        tt_obs_add_str(&o, "driver", l->driver);
                if (l->addr[0])
                        tt_obs_add_str(&o, "addr", l->addr);
                if (l->master[0])
                        tt_obs_add_str(&o, "master", l->master);
                if ((r = tt_emit(ctx, &o)) < 0)
                        return r;
        }
        return 0;
}

const struct tt_probe tt_probe_netif = {
        .name = "netif",
        .default_enabled = true,
        .scan = netif_scan,
        .netlink_rescan = true,
};
