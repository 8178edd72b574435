/* SPDX-License-Identifier: MIT */
#include "spool.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "util.h"

/* Record: "TTR1", payload length (u32), sequence number (u64), severity (u8),
 * three zero bytes, CRC-32C (u32) of everything after the magic but the CRC
 * itself, then the payload. Little-endian. */
#define HEADER_SIZE 24
#define MAGIC "TTR1"
#define SEGMENT_MIN (16 * 1024)
#define SEGMENT_MAX (1024 * 1024)
/* A segment image read at open or for a rewrite is at most this large; what
 * lies beyond is not a segment this code wrote. */
#define IMAGE_MAX (SEGMENT_MAX + HEADER_SIZE + TT_SPOOL_RECORD_MAX)
#define STATE_FILE "state"

struct segment {
        uint64_t first_seq; /* names the file */
        uint64_t last_seq;
        uint64_t n;
        uint64_t n_sev[_TT_SEVERITY_MAX];
        uint64_t size;
};

struct tt_spool {
        int dir_fd;
        uint64_t max_size, segment_max, size;
        size_t n_segs, cap_segs;
        struct segment *segs;
        int tail_fd; /* O_APPEND on the last segment, -1 until needed */
        bool tail_dirty, state_dirty;
        uint64_t next_seq;
        uint64_t commit_seq; /* the first sequence number not committed */
        /* Cursor: the last seq handed out, and where to look next. */
        uint64_t read_seq;
        size_t read_seg;
        uint64_t read_off;
        int read_fd;
        uint64_t read_fd_name;
        uint8_t *buf;
        uint64_t dropped[_TT_SEVERITY_MAX];
        uint64_t corrupt;
};

static uint32_t crc32c_update(uint32_t crc, const uint8_t *p, size_t n) {
        static uint32_t table[256];
        if (!table[1])
                for (uint32_t i = 0; i < 256; i++) {
                        uint32_t c = i;
                        for (int k = 0; k < 8; k++)
                                c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
                        table[i] = c;
                }
        crc = ~crc;
        while (n--)
                crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
        return ~crc;
}

static void put32(uint8_t *p, uint32_t v) {
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}
static uint32_t get32(const uint8_t *p) {
        uint32_t v = 0;
        for (int i = 3; i >= 0; i--)
                v = (v << 8) | p[i];
        return v;
}
static uint64_t get64(const uint8_t *p) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
                v = (v << 8) | p[i];
        return v;
}

struct header {
        uint32_t len;
        uint64_t seq;
        uint8_t sev;
        uint32_t crc;
};

static void header_build(uint8_t h[HEADER_SIZE], uint64_t seq, uint8_t sev, const void *data, size_t len) {
        memcpy(h, MAGIC, 4);
        put32(h + 4, (uint32_t) len);
        put64(h + 8, seq);
        h[16] = sev;
        h[17] = h[18] = h[19] = 0;
        put32(h + 20, crc32c_update(crc32c_update(0, h + 4, 16), data, len));
}

/* The header alone; the payload's checksum is checked by the caller. */
static bool header_parse(const uint8_t h[HEADER_SIZE], struct header *ret) {
        if (memcmp(h, MAGIC, 4) != 0 || h[17] || h[18] || h[19] || h[16] >= _TT_SEVERITY_MAX)
                return false;
        ret->len = get32(h + 4);
        ret->seq = get64(h + 8);
        ret->sev = h[16];
        ret->crc = get32(h + 20);
        return ret->len <= TT_SPOOL_RECORD_MAX && ret->seq > 0;
}

static bool payload_ok(const uint8_t h[HEADER_SIZE], const struct header *hd, const uint8_t *payload) {
        return crc32c_update(crc32c_update(0, h + 4, 16), payload, hd->len) == hd->crc;
}

/* Walks the valid records of a segment image in memory. A damaged region
 * (bad header, bad checksum, a sequence number out of order, a torn end) is
 * counted once and skipped by searching for the next record that holds. */
struct walker {
        const uint8_t *p;
        size_t n, off;
        uint64_t prev_seq;
        uint64_t damaged;
        bool in_damage;
};

static bool walk_next(struct walker *w, struct header *hd, size_t *ret_off) {
        while (w->off < w->n) {
                size_t off = w->off;
                if (w->n - off >= HEADER_SIZE && header_parse(w->p + off, hd) &&
                    w->n - off - HEADER_SIZE >= hd->len && hd->seq > w->prev_seq &&
                    payload_ok(w->p + off, hd, w->p + off + HEADER_SIZE)) {
                        w->in_damage = false;
                        w->prev_seq = hd->seq;
                        w->off = off + HEADER_SIZE + hd->len;
                        *ret_off = off;
                        return true;
                }
                if (!w->in_damage)
                        w->damaged++;
                w->in_damage = true;
                const uint8_t *next = memmem(w->p + off + 1, w->n - off - 1, MAGIC, 4);
                w->off = next ? (size_t) (next - w->p) : w->n;
        }
        return false;
}

static void segment_name(uint64_t first_seq, char buf[static 32]) {
        snprintf(buf, 32, "%016" PRIx64 ".seg", first_seq);
}

static int fsync_dir(struct tt_spool *s) {
        return fsync(s->dir_fd) < 0 ? -errno : 0;
}

/* Reads a whole segment file (bounded) into memory. */
static int image_read(struct tt_spool *s, uint64_t first_seq, uint8_t **ret, size_t *ret_len) {
        char name[32];
        segment_name(first_seq, name);
        _cleanup_close_ int fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        size_t len = (size_t) MIN((uint64_t) st.st_size, (uint64_t) IMAGE_MAX);
        uint8_t *p = malloc(len + 1);
        if (!p)
                return -ENOMEM;
        size_t got = 0;
        while (got < len) {
                ssize_t k = pread(fd, p + got, len - got, (off_t) got);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        int e = k < 0 ? -errno : 0;
                        if (e < 0) {
                                free(p);
                                return e;
                        }
                        break;
                }
                got += (size_t) k;
        }
        *ret = p;
        *ret_len = got;
        return 0;
}

/* Writes data as the segment's new content: a temporary file, fsync, rename. */
static int segment_replace(struct tt_spool *s, uint64_t first_seq, const uint8_t *data, size_t len) {
        char name[32], tmp[40];
        segment_name(first_seq, name);
        snprintf(tmp, sizeof(tmp), "%s.tmp", name);
        _cleanup_close_ int fd = openat(s->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        for (size_t done = 0; done < len;) {
                ssize_t k = write(fd, data + done, len - done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int e = -errno;
                        unlinkat(s->dir_fd, tmp, 0);
                        return e;
                }
                done += (size_t) k;
        }
        if (fsync(fd) < 0 || renameat(s->dir_fd, tmp, s->dir_fd, name) < 0) {
                int e = -errno;
                unlinkat(s->dir_fd, tmp, 0);
                return e;
        }
        return 0;
}

static void cursor_reset(struct tt_spool *s) {
        if (s->read_fd >= 0)
                close(s->read_fd);
        s->read_fd = -1;
        s->read_seg = 0;
        s->read_off = 0;
}

static void tail_close(struct tt_spool *s) {
        if (s->tail_fd >= 0)
                close(s->tail_fd);
        s->tail_fd = -1;
        s->tail_dirty = false;
}

static void segment_remove(struct tt_spool *s, size_t i) {
        char name[32];
        segment_name(s->segs[i].first_seq, name);
        if (i == s->n_segs - 1)
                tail_close(s);
        unlinkat(s->dir_fd, name, 0);
        s->size -= s->segs[i].size;
        memmove(s->segs + i, s->segs + i + 1, (s->n_segs - i - 1) * sizeof(struct segment));
        s->n_segs--;
        cursor_reset(s);
}

typedef bool (*keep_fn)(void *userdata, const struct header *hd);

/* Rewrites segment i with the valid records keep() accepts, counting what it
 * drops by severity into dropped (may be NULL); removes it when none is left. */
static int segment_rewrite(struct tt_spool *s, size_t i, keep_fn keep, void *userdata, uint64_t *dropped) {
        _cleanup_free_ uint8_t *img = NULL;
        size_t len;
        int r = image_read(s, s->segs[i].first_seq, &img, &len);
        if (r < 0)
                return r;
        _cleanup_free_ uint8_t *out = malloc(len + 1);
        if (!out)
                return -ENOMEM;
        struct segment seg = { .first_seq = s->segs[i].first_seq };
        struct walker w = { .p = img, .n = len };
        struct header hd;
        size_t off, out_len = 0;
        while (walk_next(&w, &hd, &off)) {
                if (keep && !keep(userdata, &hd)) {
                        if (dropped)
                                dropped[hd.sev]++;
                        continue;
                }
                size_t rec = HEADER_SIZE + hd.len;
                memcpy(out + out_len, img + off, rec);
                out_len += rec;
                seg.last_seq = hd.seq;
                seg.n++;
                seg.n_sev[hd.sev]++;
                seg.size += rec;
        }
        s->corrupt += w.damaged;
        if (i == s->n_segs - 1)
                tail_close(s);
        cursor_reset(s);
        if (seg.n == 0) {
                segment_remove(s, i);
                return 0;
        }
        if ((r = segment_replace(s, seg.first_seq, out, out_len)) < 0)
                return r;
        s->size = s->size - s->segs[i].size + seg.size;
        s->segs[i] = seg;
        return 0;
}

static int segments_add(struct tt_spool *s, const struct segment *seg) {
        if (s->n_segs == s->cap_segs) {
                size_t cap = s->cap_segs ? s->cap_segs * 2 : 8;
                struct segment *v = realloc(s->segs, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                s->segs = v;
                s->cap_segs = cap;
        }
        s->segs[s->n_segs++] = *seg;
        s->size += seg->size;
        return 0;
}

static int state_write(struct tt_spool *s) {
        char text[512];
        int n = snprintf(text, sizeof(text),
                         "telltale-spool 1\ncommit %" PRIu64 "\ndropped %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
                         " %" PRIu64 "\ncorrupt %" PRIu64 "\n",
                         s->commit_seq, s->dropped[0], s->dropped[1], s->dropped[2], s->dropped[3], s->dropped[4],
                         s->corrupt);
        _cleanup_close_ int fd = openat(s->dir_fd, STATE_FILE ".tmp",
                                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (write(fd, text, (size_t) n) != n || fsync(fd) < 0 ||
            renameat(s->dir_fd, STATE_FILE ".tmp", s->dir_fd, STATE_FILE) < 0)
                return errno ? -errno : -EIO;
        s->state_dirty = false;
        return fsync_dir(s);
}

/* A missing or unreadable state file means nothing was committed: records
 * are sent again rather than lost. */
static void state_read(struct tt_spool *s) {
        _cleanup_close_ int fd = openat(s->dir_fd, STATE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return;
        char text[512];
        ssize_t n = read(fd, text, sizeof(text) - 1);
        if (n <= 0)
                return;
        text[n] = '\0';
        uint64_t commit, d[_TT_SEVERITY_MAX], corrupt;
        if (sscanf(text,
                   "telltale-spool 1\ncommit %" SCNu64 "\ndropped %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                   " %" SCNu64 "\ncorrupt %" SCNu64,
                   &commit, &d[0], &d[1], &d[2], &d[3], &d[4], &corrupt) != 7 ||
            commit == 0)
                return;
        s->commit_seq = commit;
        memcpy(s->dropped, d, sizeof(d));
        s->corrupt = corrupt;
}

static int mkdir_parents(const char *path) {
        char buf[4096];
        if (strscpy(buf, sizeof(buf), path))
                return -ENAMETOOLONG;
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* Lists the segment files by first sequence number; anything else in the
 * directory is left alone, leftover temporary files are removed. */
static int segments_list(struct tt_spool *s, uint64_t **ret, size_t *ret_n) {
        int fd = openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        _cleanup_free_ uint64_t *v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (endswith(de->d_name, ".tmp")) {
                        unlinkat(s->dir_fd, de->d_name, 0);
                        continue;
                }
                if (strlen(de->d_name) != 20 || !endswith(de->d_name, ".seg"))
                        continue;
                char hex[17];
                memcpy(hex, de->d_name, 16);
                hex[16] = '\0';
                uint64_t seq;
                if (safe_atou64(hex, 16, &seq) < 0 || seq == 0)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 16;
                        uint64_t *nv = realloc(v, cap * sizeof(*nv));
                        if (!nv)
                                return -ENOMEM;
                        v = nv;
                }
                v[n++] = seq;
        }
        if (n)
                qsort(v, n, sizeof(*v), cmp_u64);
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

static bool keep_all(void *userdata, const struct header *hd) {
        return true;
}

static int segment_recover(struct tt_spool *s, uint64_t first_seq, uint64_t *prev_seq) {
        _cleanup_free_ uint8_t *img = NULL;
        size_t len;
        int r = image_read(s, first_seq, &img, &len);
        if (r < 0)
                return r;
        struct segment seg = { .first_seq = first_seq };
        struct walker w = { .p = img, .n = len, .prev_seq = *prev_seq };
        struct header hd;
        size_t off;
        while (walk_next(&w, &hd, &off)) {
                seg.last_seq = hd.seq;
                seg.n++;
                seg.n_sev[hd.sev]++;
                seg.size += HEADER_SIZE + hd.len;
        }
        if (seg.n == 0) {
                char name[32];
                segment_name(first_seq, name);
                unlinkat(s->dir_fd, name, 0);
                s->corrupt += w.damaged;
                return 0;
        }
        *prev_seq = seg.last_seq;
        struct stat st;
        char name[32];
        segment_name(first_seq, name);
        bool damaged = w.damaged || fstatat(s->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                       (uint64_t) st.st_size != seg.size;
        /* Start from what is on disk, then let the rewrite drop the damage. */
        seg.size = damaged ? (uint64_t) len : seg.size;
        if ((r = segments_add(s, &seg)) < 0)
                return r;
        if (!damaged)
                return 0;
        s->state_dirty = true;
        return segment_rewrite(s, s->n_segs - 1, keep_all, NULL, NULL);
}

int tt_spool_open(const char *dir, uint64_t max_size, struct tt_spool **ret) {
        if (max_size < 2 * (HEADER_SIZE + 1024))
                return -EINVAL;
        _cleanup_free_ uint64_t *names = NULL;
        size_t n_names = 0;
        int r = mkdir_parents(dir);
        if (r < 0)
                return r;
        struct tt_spool *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->tail_fd = s->read_fd = -1;
        s->max_size = max_size;
        s->segment_max = MAX((uint64_t) SEGMENT_MIN, MIN((uint64_t) SEGMENT_MAX, max_size / 8));
        s->commit_seq = 1;
        s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dir_fd < 0) {
                r = -errno;
                goto fail;
        }
        state_read(s);
        if ((r = segments_list(s, &names, &n_names)) < 0)
                goto fail;
        uint64_t prev = 0;
        for (size_t i = 0; i < n_names; i++)
                if ((r = segment_recover(s, names[i], &prev)) < 0)
                        goto fail;
        s->next_seq = MAX(prev + 1, s->commit_seq);
        s->read_seq = s->commit_seq - 1;
        /* Segments everything in which was delivered before a crash. */
        while (s->n_segs > 0 && s->segs[0].last_seq < s->commit_seq)
                segment_remove(s, 0);
        *ret = s;
        return 0;
fail:
        tt_spool_free(s);
        return r;
}

void tt_spool_free(struct tt_spool *s) {
        if (!s)
                return;
        tail_close(s);
        cursor_reset(s);
        if (s->dir_fd >= 0)
                close(s->dir_fd);
        free(s->segs);
        free(s->buf);
        free(s);
}

struct drop_ctx {
        uint64_t commit_seq;
        int level;
        uint64_t excess;
};

static bool keep_uncommitted(void *userdata, const struct header *hd) {
        const struct drop_ctx *c = userdata;
        return hd->seq >= c->commit_seq;
}

static bool keep_unless_excess(void *userdata, const struct header *hd) {
        struct drop_ctx *c = userdata;
        if (hd->sev != c->level || c->excess == 0 || hd->seq < c->commit_seq)
                return true;
        c->excess -= MIN(c->excess, (uint64_t) HEADER_SIZE + hd->len);
        return false;
}

/* Room for need bytes: committed records go first, then the oldest records of
 * the lowest severity, never one more severe than the record to be added.
 * Returns 1 when there is room, 0 when the new record is the one to drop. */
static int make_room(struct tt_spool *s, uint64_t need, enum tt_severity sev) {
        if (s->size + need <= s->max_size)
                return 1;
        int r;
        struct drop_ctx c = { .commit_seq = s->commit_seq };
        for (size_t i = 0; i < s->n_segs && s->segs[i].first_seq < s->commit_seq;) {
                size_t before = s->n_segs;
                if ((r = segment_rewrite(s, i, keep_uncommitted, &c, NULL)) < 0)
                        return r;
                if (s->n_segs == before)
                        i++;
        }
        /* Free a little more than needed, so a full spool does not rewrite a
         * segment for every new record. */
        uint64_t slack = s->max_size / 16;
        uint64_t target = s->max_size - need > slack ? s->max_size - need - slack : 0;
        for (int level = TT_SEVERITY_INFO; level <= (int) sev && s->size > target; level++) {
                c.level = level;
                for (size_t i = 0; i < s->n_segs && s->size > target;) {
                        size_t before = s->n_segs;
                        if (s->segs[i].n_sev[level] > 0) {
                                c.excess = s->size - target;
                                s->state_dirty = true;
                                if ((r = segment_rewrite(s, i, keep_unless_excess, &c, s->dropped)) < 0)
                                        return r;
                        }
                        if (s->n_segs == before)
                                i++;
                }
        }
        return s->size + need <= s->max_size;
}

static int tail_open(struct tt_spool *s) {
        if (s->tail_fd >= 0)
                return 0;
        char name[32];
        segment_name(s->segs[s->n_segs - 1].first_seq, name);
        s->tail_fd = openat(s->dir_fd, name, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        return s->tail_fd < 0 ? -errno : 0;
}

static int segment_start(struct tt_spool *s) {
        tail_close(s);
        char name[32];
        segment_name(s->next_seq, name);
        s->tail_fd = openat(s->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (s->tail_fd < 0)
                return -errno;
        struct segment seg = { .first_seq = s->next_seq };
        int r = segments_add(s, &seg);
        if (r < 0) {
                tail_close(s);
                unlinkat(s->dir_fd, name, 0);
                return r;
        }
        return fsync_dir(s);
}

int tt_spool_append(struct tt_spool *s, enum tt_severity severity, const void *data, size_t len) {
        uint64_t rec = HEADER_SIZE + (uint64_t) len;
        if (len > TT_SPOOL_RECORD_MAX || rec > s->max_size / 2 || severity >= _TT_SEVERITY_MAX)
                return -E2BIG;
        int r = make_room(s, rec, severity);
        if (r < 0)
                return r;
        if (r == 0) {
                s->dropped[severity]++;
                s->state_dirty = true;
                return 0;
        }
        struct segment *tail = s->n_segs ? &s->segs[s->n_segs - 1] : NULL;
        if (!tail || (tail->n > 0 && tail->size + rec > s->segment_max))
                r = segment_start(s);
        else
                r = tail_open(s);
        if (r < 0)
                return r;
        tail = &s->segs[s->n_segs - 1];

        uint8_t h[HEADER_SIZE];
        header_build(h, s->next_seq, (uint8_t) severity, data, len);
        struct iovec iov[2] = { { h, HEADER_SIZE }, { (void *) data, len } };
        ssize_t k = writev(s->tail_fd, iov, 2);
        if (k != (ssize_t) rec) {
                int e = k < 0 ? -errno : -ENOSPC;
                /* Leave no torn record behind. */
                if (ftruncate(s->tail_fd, (off_t) tail->size) < 0)
                        tail_close(s);
                return e;
        }
        tail->last_seq = s->next_seq;
        tail->n++;
        tail->n_sev[severity]++;
        tail->size += rec;
        s->size += rec;
        s->next_seq++;
        s->tail_dirty = true;
        return 0;
}

int tt_spool_sync(struct tt_spool *s) {
        if (s->tail_dirty && s->tail_fd >= 0 && fdatasync(s->tail_fd) < 0)
                return -errno;
        s->tail_dirty = false;
        return s->state_dirty ? state_write(s) : 0;
}

static int read_fd_open(struct tt_spool *s, uint64_t first_seq) {
        if (s->read_fd >= 0 && s->read_fd_name == first_seq)
                return 0;
        if (s->read_fd >= 0)
                close(s->read_fd);
        char name[32];
        segment_name(first_seq, name);
        s->read_fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (s->read_fd < 0)
                return -errno;
        s->read_fd_name = first_seq;
        return 0;
}

static int pread_full(int fd, void *buf, size_t len, uint64_t off) {
        size_t got = 0;
        while (got < len) {
                ssize_t k = pread(fd, (uint8_t *) buf + got, len - got, (off_t) (off + got));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EBADMSG;
                got += (size_t) k;
        }
        return 0;
}

int tt_spool_read(struct tt_spool *s, struct tt_spool_record *ret) {
        if (!s->buf && !(s->buf = malloc(TT_SPOOL_RECORD_MAX + 1)))
                return -ENOMEM;
        while (s->read_seg < s->n_segs) {
                const struct segment *seg = &s->segs[s->read_seg];
                if (s->read_off >= seg->size || seg->last_seq <= s->read_seq) {
                        /* The end for now: records appended later continue here. */
                        if (s->read_seg == s->n_segs - 1)
                                return 0;
                        s->read_seg++;
                        s->read_off = 0;
                        continue;
                }
                int r = read_fd_open(s, seg->first_seq);
                if (r < 0)
                        return r;
                uint8_t h[HEADER_SIZE];
                struct header hd;
                if (pread_full(s->read_fd, h, HEADER_SIZE, s->read_off) < 0 || !header_parse(h, &hd) ||
                    pread_full(s->read_fd, s->buf, hd.len, s->read_off + HEADER_SIZE) < 0 ||
                    !payload_ok(h, &hd, s->buf)) {
                        /* Changed under us since it was checked at open: skip
                         * the rest of this segment rather than send garbage. */
                        s->corrupt++;
                        s->state_dirty = true;
                        s->read_seg++;
                        s->read_off = 0;
                        continue;
                }
                s->read_off += HEADER_SIZE + hd.len;
                if (hd.seq <= s->read_seq)
                        continue;
                s->read_seq = hd.seq;
                s->buf[hd.len] = '\0';
                *ret = (struct tt_spool_record){
                        .seq = hd.seq,
                        .severity = (enum tt_severity) hd.sev,
                        .data = (const char *) s->buf,
                        .len = hd.len,
                };
                return 1;
        }
        return 0;
}

void tt_spool_seek(struct tt_spool *s, uint64_t seq) {
        s->read_seq = MAX(seq, s->commit_seq) - 1;
        cursor_reset(s);
}

void tt_spool_rewind(struct tt_spool *s) {
        tt_spool_seek(s, s->commit_seq);
}

int tt_spool_commit(struct tt_spool *s, uint64_t seq) {
        seq = MIN(seq, s->read_seq);
        if (seq < s->commit_seq)
                return 0;
        s->commit_seq = seq + 1;
        s->state_dirty = true;
        while (s->n_segs > 0 && s->segs[0].last_seq < s->commit_seq)
                segment_remove(s, 0);
        return 0;
}

void tt_spool_get_stats(struct tt_spool *s, struct tt_spool_stats *ret) {
        *ret = (struct tt_spool_stats){ .corrupt = s->corrupt, .size = s->size };
        memcpy(ret->dropped, s->dropped, sizeof(s->dropped));
        for (size_t i = 0; i < s->n_segs; i++)
                ret->pending += s->segs[i].n;
        /* The first segment may hold committed records that wait for the rest
         * of it to be delivered. */
        if (s->n_segs == 0 || s->segs[0].first_seq >= s->commit_seq || read_fd_open(s, s->segs[0].first_seq) < 0)
                return;
        uint8_t h[HEADER_SIZE];
        struct header hd;
        for (uint64_t off = 0; off < s->segs[0].size; off += HEADER_SIZE + hd.len) {
                if (pread_full(s->read_fd, h, HEADER_SIZE, off) < 0 || !header_parse(h, &hd) ||
                    hd.seq >= s->commit_seq)
                        break;
                ret->pending--;
        }
}

void tt_spool_reset_dropped(struct tt_spool *s) {
        memset(s->dropped, 0, sizeof(s->dropped));
        s->corrupt = 0;
        s->state_dirty = true;
}
