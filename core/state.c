/* SPDX-License-Identifier: MIT */
#include "state.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "util.h"

#define STATE_HEADER "telltale-state 1"
/* A saved line holds a few bounded strings, percent-encoded. */
#define LINE_MAX_BYTES (64 * 1024)
#define FIELD_MAX 4096

struct entry {
        char id[33];
        struct tt_rule rule; /* a snapshot: the rule may be gone from the catalog when this clears */
        char *subject;
        char *summary;
        enum tt_category category;
        enum tt_severity severity;
        unsigned confidence;
        usec_t first_seen, last_sent;
        bool announced;     /* its "new" went out */
        bool held;          /* its "new" or "cleared" waits for the rate limit */
        usec_t held_window; /* the window it was counted in as held back */
        bool seen;          /* present in the current update */
};

struct bucket {
        char *rule;
        usec_t window_start;
        uint64_t sent;
        uint64_t held[3]; /* by event */
        enum tt_severity held_max;
};

struct tt_state {
        struct tt_state_config cfg;
        char *host;
        size_t n, cap;
        struct entry *entries;
        uint32_t *index; /* open addressing: entry index + 1, 0 empty */
        size_t index_size;
        size_t n_buckets;
        struct bucket *buckets;
        bool dirty;
};

static const struct tt_rule rate_limit_rule = {
        .id = (char *) "telltale.rate-limited",
        .product = (char *) "telltale",
        .description = (char *) "Events of one rule exceeded report.rate_limit and were held back.",
        .technique = (char *) "",
        .category = TT_CATEGORY_TAMPER,
        .severity = TT_SEVERITY_MEDIUM,
        .confidence = 100,
};

static uint64_t hash_id(const char *id) {
        uint64_t h = 1469598103934665603ULL;
        for (; *id; id++)
                h = (h ^ (unsigned char) *id) * 1099511628211ULL;
        return h;
}

static int index_rebuild(struct tt_state *s) {
        size_t size = 64;
        while (size < 2 * s->n + 1)
                size *= 2;
        if (size != s->index_size) {
                uint32_t *v = realloc(s->index, size * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                s->index = v;
                s->index_size = size;
        }
        memset(s->index, 0, s->index_size * sizeof(*s->index));
        for (size_t i = 0; i < s->n; i++) {
                size_t slot = hash_id(s->entries[i].id) & (s->index_size - 1);
                while (s->index[slot])
                        slot = (slot + 1) & (s->index_size - 1);
                s->index[slot] = (uint32_t) i + 1;
        }
        return 0;
}

static struct entry *entry_find(const struct tt_state *s, const char *id) {
        if (!s->index_size)
                return NULL;
        for (size_t slot = hash_id(id) & (s->index_size - 1); s->index[slot];
             slot = (slot + 1) & (s->index_size - 1))
                if (streq(s->entries[s->index[slot] - 1].id, id))
                        return &s->entries[s->index[slot] - 1];
        return NULL;
}

static void entry_clear(struct entry *e) {
        free(e->rule.id);
        free(e->rule.product);
        free(e->rule.technique);
        free(e->subject);
        free(e->summary);
        *e = (struct entry){};
}

static int set_string(char **dst, const char *src) {
        char *s = strdup(src ? src : "");
        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

/* Keeps what a "cleared" event needs: the finding's latest summary, the
 * rule's name and metadata. */
static int entry_set(struct entry *e, const struct tt_finding *f) {
        if (!e->rule.id || !streq(e->rule.id, f->rule->id)) {
                int r;
                if ((r = set_string(&e->rule.id, f->rule->id)) < 0 ||
                    (r = set_string(&e->rule.product, f->rule->product)) < 0 ||
                    (r = set_string(&e->rule.technique, f->rule->technique)) < 0)
                        return r;
        }
        e->rule.category = f->rule->category;
        e->rule.severity = f->rule->severity;
        e->rule.confidence = f->rule->confidence;
        if (!e->subject || !streq(e->subject, f->subject)) {
                int r = set_string(&e->subject, f->subject);
                if (r < 0)
                        return r;
        }
        if (!e->summary || !streq_ptr(e->summary, f->summary ? f->summary : "")) {
                int r = set_string(&e->summary, f->summary);
                if (r < 0)
                        return r;
        }
        e->category = f->category;
        e->severity = f->severity;
        e->confidence = f->confidence;
        return 0;
}

static struct entry *entry_add(struct tt_state *s, const char *id) {
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 32;
                struct entry *v = realloc(s->entries, cap * sizeof(*v));
                if (!v)
                        return NULL;
                s->entries = v;
                s->cap = cap;
        }
        struct entry *e = &s->entries[s->n++];
        *e = (struct entry){};
        strscpy(e->id, sizeof(e->id), id);
        if (2 * s->n + 1 > s->index_size) {
                if (index_rebuild(s) < 0) {
                        s->n--;
                        return NULL;
                }
                return e;
        }
        size_t slot = hash_id(id) & (s->index_size - 1);
        while (s->index[slot])
                slot = (slot + 1) & (s->index_size - 1);
        s->index[slot] = (uint32_t) s->n;
        return e;
}

int tt_state_set_config(struct tt_state *s, const struct tt_state_config *cfg) {
        char *host = strdup(cfg->host ? cfg->host : "unknown");
        if (!host)
                return -ENOMEM;
        free(s->host);
        s->host = host;
        s->cfg = *cfg;
        s->cfg.host = s->host;
        return 0;
}

int tt_state_new(const struct tt_state_config *cfg, struct tt_state **ret) {
        struct tt_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = tt_state_set_config(s, cfg);
        if (r >= 0)
                r = index_rebuild(s);
        if (r < 0) {
                tt_state_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

static void entries_clear(struct tt_state *s) {
        for (size_t i = 0; i < s->n; i++)
                entry_clear(&s->entries[i]);
        s->n = 0;
}

void tt_state_free(struct tt_state *s) {
        if (!s)
                return;
        entries_clear(s);
        free(s->entries);
        free(s->index);
        for (size_t i = 0; i < s->n_buckets; i++)
                free(s->buckets[i].rule);
        free(s->buckets);
        free(s->host);
        free(s);
}

bool tt_state_dirty(const struct tt_state *s) {
        return s->dirty;
}

size_t tt_state_n_active(const struct tt_state *s) {
        size_t n = 0;
        for (size_t i = 0; i < s->n; i++)
                n += s->entries[i].announced;
        return n;
}

static struct bucket *bucket_get(struct tt_state *s, const char *rule, usec_t now) {
        for (size_t i = 0; i < s->n_buckets; i++)
                if (streq(s->buckets[i].rule, rule))
                        return &s->buckets[i];
        struct bucket *v = realloc(s->buckets, (s->n_buckets + 1) * sizeof(*v));
        if (!v)
                return NULL;
        s->buckets = v;
        struct bucket *b = &s->buckets[s->n_buckets];
        *b = (struct bucket){ .window_start = now };
        if (!(b->rule = strdup(rule)))
                return NULL;
        s->n_buckets++;
        return b;
}

/* 1: send it; 0: held back, counted once per window; -ENOMEM. */
static int rate_take(struct tt_state *s, struct entry *e, enum tt_event ev, usec_t now) {
        bool was_held = e->held;
        e->held = false;
        if (s->cfg.rate_events == 0)
                return 1;
        struct bucket *b = bucket_get(s, e->rule.id, now);
        if (!b)
                return -ENOMEM;
        if (b->sent < s->cfg.rate_events) {
                b->sent++;
                return 1;
        }
        if (!was_held || e->held_window != b->window_start) {
                b->held[ev]++;
                b->held_max = MAX(b->held_max, e->severity);
        }
        e->held = true;
        e->held_window = b->window_start;
        return 0;
}

static int summary_emit(struct tt_state *s, struct bucket *b, usec_t now, tt_state_emit_t emit, void *userdata) {
        char summary[512], interval[32];
        uint64_t secs = s->cfg.rate_interval_usec / 1000000;
        if (secs % 3600 == 0)
                snprintf(interval, sizeof(interval), "%" PRIu64 "h", secs / 3600);
        else if (secs % 60 == 0)
                snprintf(interval, sizeof(interval), "%" PRIu64 "m", secs / 60);
        else
                snprintf(interval, sizeof(interval), "%" PRIu64 "s", secs);
        snprintf(summary, sizeof(summary),
                 "rate limit of %" PRIu64 " events per %s held back events of rule %s: %" PRIu64 " new, %" PRIu64
                 " ongoing, %" PRIu64 " cleared",
                 s->cfg.rate_events, interval, b->rule, b->held[TT_EVENT_NEW], b->held[TT_EVENT_ONGOING],
                 b->held[TT_EVENT_CLEARED]);
        struct tt_finding f = {
                .event = TT_EVENT_NEW,
                .rule = &rate_limit_rule,
                .subject = b->rule,
                .category = TT_CATEGORY_TAMPER,
                .severity = MAX(b->held_max, TT_SEVERITY_MEDIUM),
                .confidence = 100,
                .summary = summary,
                .first_seen = b->window_start,
                .last_seen = now,
        };
        tt_finding_id(s->host, rate_limit_rule.id, b->rule, f.id);
        return emit(userdata, &f);
}

/* Windows that ended: a summary of what they held back, and a fresh window. */
static int windows_roll(struct tt_state *s, usec_t now, tt_state_emit_t emit, void *userdata) {
        for (size_t i = 0; i < s->n_buckets; i++) {
                struct bucket *b = &s->buckets[i];
                if (now < b->window_start + s->cfg.rate_interval_usec)
                        continue;
                if (b->held[0] + b->held[1] + b->held[2] > 0) {
                        int r = summary_emit(s, b, now, emit, userdata);
                        if (r < 0)
                                return r;
                }
                b->window_start = now;
                b->sent = 0;
                memset(b->held, 0, sizeof(b->held));
                b->held_max = TT_SEVERITY_INFO;
        }
        return 0;
}

static int send_event(struct tt_state *s, const struct entry *e, const struct tt_finding *f, enum tt_event ev,
                      usec_t now, tt_state_emit_t emit, void *userdata) {
        struct tt_finding copy = *f;
        copy.event = ev;
        copy.first_seen = e->first_seen;
        copy.last_seen = now;
        s->dirty = true;
        return emit(userdata, &copy);
}

static int entry_cleared(struct tt_state *s, const struct entry *e, usec_t now, tt_state_emit_t emit,
                         void *userdata) {
        struct tt_finding f = {
                .event = TT_EVENT_CLEARED,
                .rule = &e->rule,
                .subject = e->subject,
                .category = e->category,
                .severity = e->severity,
                .confidence = e->confidence,
                .summary = e->summary,
                .first_seen = e->first_seen,
                .last_seen = now,
        };
        memcpy(f.id, e->id, sizeof(f.id));
        s->dirty = true;
        return emit(userdata, &f);
}

int tt_state_update(struct tt_state *s, const struct tt_finding *const *v, size_t n, usec_t now,
                    tt_state_emit_t emit, void *userdata) {
        int r = windows_roll(s, now, emit, userdata);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n; i++)
                s->entries[i].seen = false;

        for (size_t i = 0; i < n; i++) {
                const struct tt_finding *f = v[i];
                struct entry *e = entry_find(s, f->id);
                if (!e) {
                        if (!(e = entry_add(s, f->id)))
                                return -ENOMEM;
                        e->first_seen = f->first_seen;
                        s->dirty = true;
                }
                if (e->seen) /* the same id twice in one evaluation */
                        continue;
                e->seen = true;
                if ((r = entry_set(e, f)) < 0)
                        return r;
                if (!e->announced) {
                        if ((r = rate_take(s, e, TT_EVENT_NEW, now)) < 0)
                                return r;
                        if (r == 0)
                                continue;
                        e->announced = true;
                        e->last_sent = now;
                        if ((r = send_event(s, e, f, TT_EVENT_NEW, now, emit, userdata)) < 0)
                                return r;
                } else if (now >= e->last_sent + s->cfg.ongoing_interval_usec) {
                        if ((r = rate_take(s, e, TT_EVENT_ONGOING, now)) < 0)
                                return r;
                        /* Held back or not, the next one is an interval away. */
                        e->held = false;
                        e->last_sent = now;
                        s->dirty = true;
                        if (r > 0 && (r = send_event(s, e, f, TT_EVENT_ONGOING, now, emit, userdata)) < 0)
                                return r;
                }
        }

        /* Gone: cleared when the SOC was told it was there; an entry whose
         * "cleared" is held back stays until it can go out (or comes back). */
        size_t kept = 0;
        bool removed = false;
        for (size_t i = 0; i < s->n; i++) {
                struct entry *e = &s->entries[i];
                bool drop = false;
                if (!e->seen) {
                        if (!e->announced)
                                drop = true;
                        else {
                                int take = rate_take(s, e, TT_EVENT_CLEARED, now);
                                if (take < 0)
                                        return take;
                                if (take > 0 && (r = entry_cleared(s, e, now, emit, userdata)) < 0)
                                        return r;
                                drop = take > 0;
                        }
                } else if (e->announced)
                        e->held = false;
                if (drop) {
                        entry_clear(e);
                        removed = true;
                        s->dirty = true;
                        continue;
                }
                if (kept != i)
                        s->entries[kept] = *e;
                kept++;
        }
        s->n = kept;
        if (removed && (r = index_rebuild(s)) < 0)
                return r;
        return 0;
}

usec_t tt_state_next_due(const struct tt_state *s) {
        usec_t due = TT_USEC_INFINITY;
        bool waiting = false;
        for (size_t i = 0; i < s->n; i++) {
                const struct entry *e = &s->entries[i];
                if (e->announced)
                        due = MIN(due, e->last_sent + s->cfg.ongoing_interval_usec);
                waiting = waiting || e->held;
        }
        for (size_t i = 0; i < s->n_buckets; i++) {
                const struct bucket *b = &s->buckets[i];
                if (waiting || b->held[0] + b->held[1] + b->held[2] > 0)
                        due = MIN(due, b->window_start + s->cfg.rate_interval_usec);
        }
        return due;
}

/* Bytes outside printable ASCII, and '%', as %XX: one field never holds a
 * space or a line break. At most FIELD_MAX bytes of s. */
static void field_write(FILE *f, const char *s) {
        if (isempty(s)) {
                fputs("%", f);
                return;
        }
        for (const unsigned char *p = (const unsigned char *) s; *p && p - (const unsigned char *) s < FIELD_MAX; p++) {
                if (*p <= 0x20 || *p >= 0x7f || *p == '%')
                        fprintf(f, "%%%02x", *p);
                else
                        fputc(*p, f);
        }
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decodes one field in place; "%" alone is the empty string. */
static int field_decode(char *s) {
        if (streq(s, "%")) {
                s[0] = '\0';
                return 0;
        }
        char *out = s;
        for (const char *p = s; *p; p++) {
                if (*p != '%') {
                        *out++ = *p;
                        continue;
                }
                int hi = unhex(p[1]), lo = hi >= 0 ? unhex(p[2]) : -1;
                if (lo < 0 || (hi == 0 && lo == 0))
                        return -EBADMSG;
                *out++ = (char) (hi * 16 + lo);
                p += 2;
        }
        *out = '\0';
        return out - s > FIELD_MAX ? -EBADMSG : 0;
}

/* The rename is durable once the directory is. */
static int fsync_parent(const char *path) {
        char dir[4096];
        strscpy(dir, sizeof(dir), path);
        char *slash = strrchr(dir, '/');
        if (!slash)
                strscpy(dir, sizeof(dir), ".");
        else if (slash == dir)
                dir[1] = '\0';
        else
                *slash = '\0';
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

int tt_state_save(struct tt_state *s, const char *path) {
        char tmp[4096];
        if ((size_t) snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
                return -ENAMETOOLONG;
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        FILE *f = fdopen(fd, "w");
        if (!f) {
                int e = -errno;
                close(fd);
                unlink(tmp);
                return e;
        }
        fprintf(f, "%s\n", STATE_HEADER);
        for (size_t i = 0; i < s->n; i++) {
                const struct entry *e = &s->entries[i];
                if (!e->announced)
                        continue;
                fprintf(f, "%s %" PRIu64 " %" PRIu64 " %d %d %u ", e->id, e->first_seen, e->last_sent,
                        (int) e->severity, (int) e->category, e->confidence);
                field_write(f, e->rule.id);
                fputc(' ', f);
                field_write(f, e->rule.product);
                fputc(' ', f);
                field_write(f, e->rule.technique);
                fputc(' ', f);
                field_write(f, e->subject);
                fputc(' ', f);
                field_write(f, e->summary);
                fputc('\n', f);
        }
        int r = 0;
        if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0)
                r = errno ? -errno : -EIO;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        s->dirty = false;
        return fsync_parent(path);
}

static int line_parse(struct tt_state *s, char *line) {
        char *fields[11];
        size_t n = 0;
        for (char *save = NULL, *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                if (n == ELEMENTSOF(fields))
                        return -EBADMSG;
                fields[n++] = t;
        }
        uint64_t first, last, sev, cat, conf;
        if (n != ELEMENTSOF(fields) || strlen(fields[0]) != 32 || strspn(fields[0], "0123456789abcdef") != 32 ||
            safe_atou64(fields[1], 10, &first) < 0 || safe_atou64(fields[2], 10, &last) < 0 ||
            safe_atou64(fields[3], 10, &sev) < 0 || sev >= _TT_SEVERITY_MAX || safe_atou64(fields[4], 10, &cat) < 0 ||
            cat >= _TT_CATEGORY_MAX || safe_atou64(fields[5], 10, &conf) < 0 || conf > 100)
                return -EBADMSG;
        for (size_t i = 6; i < n; i++)
                if (field_decode(fields[i]) < 0)
                        return -EBADMSG;
        if (isempty(fields[6]) || entry_find(s, fields[0]))
                return -EBADMSG;
        struct entry *e = entry_add(s, fields[0]);
        if (!e)
                return -ENOMEM;
        e->first_seen = first;
        e->last_sent = last;
        e->severity = (enum tt_severity) sev;
        e->category = (enum tt_category) cat;
        e->confidence = (unsigned) conf;
        e->rule.severity = e->severity;
        e->rule.category = e->category;
        e->announced = true;
        if (!(e->rule.id = strdup(fields[6])) || !(e->rule.product = strdup(fields[7])) ||
            !(e->rule.technique = strdup(fields[8])) || !(e->subject = strdup(fields[9])) ||
            !(e->summary = strdup(fields[10])))
                return -ENOMEM;
        return 0;
}

int tt_state_load(struct tt_state *s, const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        _cleanup_fclose_ FILE *f = fdopen(fd, "r");
        if (!f) {
                close(fd);
                return -errno;
        }
        entries_clear(s);
        int r = index_rebuild(s);
        if (r < 0)
                return r;
        _cleanup_free_ char *line = malloc(LINE_MAX_BYTES);
        if (!line)
                return -ENOMEM;
        bool header = false;
        while (fgets(line, LINE_MAX_BYTES, f)) {
                size_t len = strlen(line);
                if (len == 0 || line[len - 1] != '\n') {
                        r = -EBADMSG; /* cut short, or longer than any line this code writes */
                        break;
                }
                line[len - 1] = '\0';
                if (!header) {
                        header = true;
                        if (!streq(line, STATE_HEADER)) {
                                r = -EBADMSG;
                                break;
                        }
                        continue;
                }
                if ((r = line_parse(s, line)) < 0)
                        break;
        }
        if (r == 0 && !header)
                r = -EBADMSG;
        if (r < 0) {
                entries_clear(s);
                index_rebuild(s);
        }
        s->dirty = false;
        return r;
}
