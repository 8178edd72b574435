/* SPDX-License-Identifier: MIT */
/* The disk spool: order, commit and rewind, restart, the size cap with the
 * lowest severity dropped first, and damaged files (flipped bits, torn
 * writes, a garbage state file). */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"

static char base[] = "/tmp/tt-spool-XXXXXX";
static char dir[512];
static int counter;

static int setup_one(void **state) {
        snprintf(dir, sizeof(dir), "%s/q%d/sub", base, counter++);
        return 0;
}

static struct tt_spool *open_spool(uint64_t max) {
        struct tt_spool *s = NULL;
        assert_int_equal(tt_spool_open(dir, max, &s), 0);
        return s;
}

static void append(struct tt_spool *s, enum tt_severity sev, const char *prefix, int i) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s%d", prefix, i);
        assert_int_equal(tt_spool_append(s, sev, msg, strlen(msg)), 0);
}

/* Reads what is left and checks it is exactly want[0..n). */
static void expect_records(struct tt_spool *s, const char *const *want, size_t n) {
        struct tt_spool_record rec;
        uint64_t prev = 0;
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(tt_spool_read(s, &rec), 1);
                assert_true(rec.seq > prev);
                prev = rec.seq;
                if (rec.len != strlen(want[i]) || memcmp(rec.data, want[i], rec.len) != 0)
                        fail_msg("record %zu: got \"%.*s\", want \"%s\"", i, (int) rec.len, rec.data, want[i]);
        }
        assert_int_equal(tt_spool_read(s, &rec), 0);
}

static size_t count_files(const char *suffix) {
        DIR *d = opendir(dir);
        assert_non_null(d);
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                n += endswith(de->d_name, suffix);
        closedir(d);
        return n;
}

static void first_segment_path(char *buf, size_t size) {
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *de;
        char best[64] = "";
        while ((de = readdir(d)))
                if (endswith(de->d_name, ".seg") && (!best[0] || strcmp(de->d_name, best) < 0))
                        strscpy(best, sizeof(best), de->d_name);
        closedir(d);
        assert_true(best[0]);
        snprintf(buf, size, "%s/%s", dir, best);
}

static void test_order_commit_restart(void **state) {
        struct tt_spool *s = open_spool(1 << 20);
        for (int i = 0; i < 5; i++)
                append(s, TT_SEVERITY_HIGH, "m", i);
        struct tt_spool_record rec;
        assert_int_equal(tt_spool_read(s, &rec), 1);
        assert_int_equal(rec.seq, 1);
        assert_int_equal(tt_spool_read(s, &rec), 1);
        assert_int_equal(tt_spool_commit(s, rec.seq), 0); /* m0, m1 delivered */
        assert_int_equal(tt_spool_read(s, &rec), 1);      /* m2 in flight */
        /* A commit past what was read is clamped: m3 was never handed out. */
        assert_int_equal(tt_spool_commit(s, 4), 0);
        struct tt_spool_stats st;
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.pending, 2);
        /* Connection lost: back to the first record not committed. */
        tt_spool_rewind(s);
        expect_records(s, (const char *[]){ "m3", "m4" }, 2);
        /* Caught up, then more is appended: the cursor goes on from there. */
        append(s, TT_SEVERITY_HIGH, "m", 50);
        expect_records(s, (const char *[]){ "m50" }, 1);
        tt_spool_rewind(s);
        assert_int_equal(tt_spool_sync(s), 0);
        tt_spool_free(s);

        /* Restart: m3, m4 come back, in order, and new records follow them. */
        s = open_spool(1 << 20);
        append(s, TT_SEVERITY_LOW, "m", 5);
        expect_records(s, (const char *[]){ "m3", "m4", "m50", "m5" }, 4);
        assert_int_equal(tt_spool_commit(s, UINT64_MAX), 0);
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.pending, 0);
        assert_int_equal(st.size, 0);
        assert_int_equal(tt_spool_sync(s), 0);
        tt_spool_free(s);
        assert_int_equal(count_files(".seg"), 0);

        s = open_spool(1 << 20);
        expect_records(s, NULL, 0);
        append(s, TT_SEVERITY_LOW, "m", 6);
        assert_int_equal(tt_spool_read(s, &rec), 1);
        assert_int_equal(rec.seq, 8); /* numbering goes on after everything was delivered */
        tt_spool_free(s);
}

static void test_segments(void **state) {
        /* 64 KiB cap: 16 KiB segments, 100 records of ~1 KiB span several. */
        struct tt_spool *s = open_spool(64 * 1024);
        char msg[1000];
        memset(msg, 'x', sizeof(msg));
        for (int i = 0; i < 40; i++) {
                msg[0] = (char) ('A' + i % 26);
                assert_int_equal(tt_spool_append(s, TT_SEVERITY_HIGH, msg, sizeof(msg)), 0);
        }
        assert_true(count_files(".seg") >= 3);
        struct tt_spool_record rec;
        for (int i = 0; i < 20; i++) {
                assert_int_equal(tt_spool_read(s, &rec), 1);
                assert_int_equal(rec.len, sizeof(msg));
                assert_int_equal(rec.data[0], 'A' + i % 26);
        }
        size_t before = count_files(".seg");
        assert_int_equal(tt_spool_commit(s, rec.seq), 0);
        assert_true(count_files(".seg") < before); /* fully delivered segments are gone */
        struct tt_spool_stats st;
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.pending, 20);
        assert_int_equal(tt_spool_sync(s), 0);
        tt_spool_free(s);
        s = open_spool(64 * 1024);
        for (int i = 20; i < 40; i++) {
                assert_int_equal(tt_spool_read(s, &rec), 1);
                assert_int_equal(rec.data[0], 'A' + i % 26);
        }
        assert_int_equal(tt_spool_read(s, &rec), 0);
        /* Appending while caught up, across a segment boundary. */
        for (int i = 40; i < 60; i++) {
                msg[0] = (char) ('A' + i % 26);
                assert_int_equal(tt_spool_append(s, TT_SEVERITY_HIGH, msg, sizeof(msg)), 0);
                assert_int_equal(tt_spool_read(s, &rec), 1);
                assert_int_equal(rec.data[0], 'A' + i % 26);
                assert_int_equal(tt_spool_read(s, &rec), 0);
        }
        tt_spool_free(s);
}

static void test_cap_drops_lowest_oldest(void **state) {
        const uint64_t cap = 16 * 1024;
        struct tt_spool *s = open_spool(cap);
        char msg[400];
        memset(msg, '.', sizeof(msg));
        /* Interleaved: info i0.., high h0.. */
        int n_info = 0, n_high = 0;
        for (int i = 0; i < 60; i++) {
                bool info = i % 3 != 0;
                int len = snprintf(msg, sizeof(msg), "%s%d", info ? "i" : "h", info ? n_info++ : n_high++);
                msg[len] = '.';
                assert_int_equal(tt_spool_append(s, info ? TT_SEVERITY_INFO : TT_SEVERITY_HIGH, msg, sizeof(msg)), 0);
        }
        struct tt_spool_stats st;
        tt_spool_get_stats(s, &st);
        assert_true(st.size <= cap);
        assert_true(st.dropped[TT_SEVERITY_INFO] > 0);
        assert_int_equal(st.dropped[TT_SEVERITY_HIGH], 0);
        /* Every high record is there; the info records left are the newest. */
        struct tt_spool_record rec;
        int seen_high = 0, first_info = -1, last_info = -1, infos = 0;
        while (tt_spool_read(s, &rec) == 1) {
                int k = atoi(rec.data + 1);
                if (rec.data[0] == 'h') {
                        assert_int_equal(k, seen_high++);
                } else {
                        if (first_info < 0)
                                first_info = k;
                        assert_true(k > last_info);
                        last_info = k;
                        infos++;
                }
        }
        assert_int_equal(seen_high, n_high);
        assert_int_equal(last_info, n_info - 1);
        assert_int_equal(infos, last_info - first_info + 1); /* a contiguous newest range */
        assert_int_equal(first_info, (int) st.dropped[TT_SEVERITY_INFO]);

        /* Fill with high until no info is left; then new info records never
         * push out a high one: they displace each other, oldest first. */
        for (int i = 0; i < 40; i++) {
                int len = snprintf(msg, sizeof(msg), "h%d", n_high++);
                msg[len] = '.';
                assert_int_equal(tt_spool_append(s, TT_SEVERITY_HIGH, msg, sizeof(msg)), 0);
        }
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.dropped[TT_SEVERITY_INFO], (uint64_t) n_info);
        uint64_t high_dropped = st.dropped[TT_SEVERITY_HIGH];
        assert_true(high_dropped > 0);
        assert_true(st.size <= cap);
        for (int i = 0; i < 10; i++) {
                int len = snprintf(msg, sizeof(msg), "i%d", n_info++);
                msg[len] = '.';
                assert_int_equal(tt_spool_append(s, TT_SEVERITY_INFO, msg, sizeof(msg)), 0);
        }
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.dropped[TT_SEVERITY_HIGH], high_dropped);
        assert_true(st.size <= cap);
        tt_spool_rewind(s);
        assert_int_equal(tt_spool_read(s, &rec), 1);
        assert_int_equal(atoi(rec.data + 1), (int) high_dropped); /* oldest surviving high first */
        int highs = 1, kept_info[10];
        infos = 0;
        while (tt_spool_read(s, &rec) == 1) {
                if (rec.data[0] == 'h')
                        highs++;
                else {
                        assert_true(infos < 10);
                        kept_info[infos++] = atoi(rec.data + 1);
                }
        }
        /* The info records kept are the newest, in order. */
        for (int i = 0; i < infos; i++)
                assert_int_equal(kept_info[i], n_info - infos + i);
        assert_int_equal(highs, n_high - (int) high_dropped);
        assert_int_equal((uint64_t) infos, (uint64_t) n_info - st.dropped[TT_SEVERITY_INFO]);
        assert_true(infos > 0 && infos < 10);

        /* Counts survive a restart until reported. */
        uint64_t info_dropped = st.dropped[TT_SEVERITY_INFO];
        assert_int_equal(tt_spool_sync(s), 0);
        tt_spool_free(s);
        s = open_spool(cap);
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.dropped[TT_SEVERITY_INFO], info_dropped);
        assert_int_equal(st.dropped[TT_SEVERITY_HIGH], high_dropped);
        tt_spool_reset_dropped(s);
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.dropped[TT_SEVERITY_INFO], 0);
        tt_spool_free(s);
}

static void test_too_big(void **state) {
        struct tt_spool *s = open_spool(8 * 1024);
        static char big[TT_SPOOL_RECORD_MAX + 1];
        assert_int_equal(tt_spool_append(s, TT_SEVERITY_HIGH, big, sizeof(big)), -E2BIG);
        assert_int_equal(tt_spool_append(s, TT_SEVERITY_HIGH, big, 4096), -E2BIG); /* over half the cap */
        assert_int_equal(tt_spool_append(s, TT_SEVERITY_HIGH, big, 1000), 0);
        tt_spool_free(s);
        assert_int_equal(tt_spool_open(dir, 100, &s), -EINVAL);
}

static void corrupt_byte(const char *path, off_t off) {
        int fd = open(path, O_RDWR);
        assert_true(fd >= 0);
        unsigned char c;
        assert_int_equal(pread(fd, &c, 1, off), 1);
        c ^= 0x40;
        assert_int_equal(pwrite(fd, &c, 1, off), 1);
        close(fd);
}

static void test_damage(void **state) {
        struct tt_spool *s = open_spool(1 << 20);
        for (int i = 0; i < 6; i++)
                append(s, TT_SEVERITY_MEDIUM, "rec-", i);
        assert_int_equal(tt_spool_sync(s), 0);
        tt_spool_free(s);
        char seg[600];
        first_segment_path(seg, sizeof(seg));
        /* Records are 24 + 5 bytes: a payload byte of rec-2, then the header
         * magic of rec-4. */
        corrupt_byte(seg, 2 * 29 + 24 + 2);
        corrupt_byte(seg, 4 * 29 + 1);
        s = open_spool(1 << 20);
        struct tt_spool_stats st;
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.corrupt, 2);
        expect_records(s, (const char *[]){ "rec-0", "rec-1", "rec-3", "rec-5" }, 4);

        /* A torn write at the end: the last record cut short. */
        append(s, TT_SEVERITY_MEDIUM, "rec-", 6);
        append(s, TT_SEVERITY_MEDIUM, "rec-", 7);
        assert_int_equal(tt_spool_sync(s), 0);
        tt_spool_free(s);
        struct stat sb;
        assert_int_equal(stat(seg, &sb), 0);
        assert_int_equal(truncate(seg, sb.st_size - 3), 0);
        s = open_spool(1 << 20);
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.corrupt, 3);
        append(s, TT_SEVERITY_MEDIUM, "rec-", 8);
        expect_records(s, (const char *[]){ "rec-0", "rec-1", "rec-3", "rec-5", "rec-6", "rec-8" }, 6);
        assert_int_equal(tt_spool_sync(s), 0);
        tt_spool_free(s);
        /* The repair holds: nothing new is found damaged. */
        s = open_spool(1 << 20);
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.corrupt, 3);
        assert_int_equal(st.pending, 6);
        tt_spool_free(s);

        /* A garbage state file: nothing counts as committed, so all is sent
         * again rather than lost. */
        char path[600];
        snprintf(path, sizeof(path), "%s/state", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("telltale-spool 1\ncommit banana\n", f);
        fclose(f);
        s = open_spool(1 << 20);
        tt_spool_get_stats(s, &st);
        assert_int_equal(st.pending, 6);
        tt_spool_free(s);
}

/* Random damage, many times over: whatever survives is an original record,
 * in order, and nothing else. */
static void test_random_damage(void **state) {
        char seg[600];
        unsigned seed = 12345;
        for (int round = 0; round < 200; round++) {
                char d_round[560];
                snprintf(d_round, sizeof(d_round), "%s/r%d", base, round);
                strscpy(dir, sizeof(dir), d_round);
                struct tt_spool *s = open_spool(1 << 20);
                for (int i = 0; i < 20; i++)
                        append(s, (enum tt_severity) (i % _TT_SEVERITY_MAX), "payload-number-", i);
                assert_int_equal(tt_spool_sync(s), 0);
                tt_spool_free(s);
                first_segment_path(seg, sizeof(seg));
                struct stat sb;
                assert_int_equal(stat(seg, &sb), 0);
                int fd = open(seg, O_RDWR);
                assert_true(fd >= 0);
                for (int k = 0; k < 1 + round % 8; k++) {
                        seed = seed * 1103515245 + 12345;
                        off_t off = (off_t) ((seed >> 8) % (unsigned) sb.st_size);
                        unsigned char c = (unsigned char) (seed >> 24);
                        assert_int_equal(pwrite(fd, &c, 1, off), 1);
                }
                if (round % 5 == 0)
                        assert_int_equal(ftruncate(fd, sb.st_size - (off_t) (seed % 97)), 0);
                close(fd);
                s = open_spool(1 << 20);
                struct tt_spool_record rec;
                int last = -1;
                while (tt_spool_read(s, &rec) == 1) {
                        char want[64];
                        assert_true(rec.len < sizeof(want));
                        int i = atoi(rec.data + strlen("payload-number-"));
                        snprintf(want, sizeof(want), "payload-number-%d", i);
                        assert_true(i > last && i < 20);
                        assert_int_equal(rec.len, strlen(want));
                        assert_memory_equal(rec.data, want, rec.len);
                        assert_int_equal(rec.severity, i % _TT_SEVERITY_MAX);
                        last = i;
                }
                tt_spool_free(s);
        }
}

static void test_open_errors(void **state) {
        char file[600];
        snprintf(file, sizeof(file), "%s/plainfile", base);
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        fclose(f);
        struct tt_spool *s;
        assert_int_equal(tt_spool_open(file, 1 << 20, &s), -ENOTDIR);
        snprintf(file, sizeof(file), "%s/plainfile/below", base);
        assert_int_equal(tt_spool_open(file, 1 << 20, &s), -ENOTDIR);
}

static int setup(void **state) {
        return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_order_commit_restart, setup_one),
                cmocka_unit_test_setup(test_segments, setup_one),
                cmocka_unit_test_setup(test_cap_drops_lowest_oldest, setup_one),
                cmocka_unit_test_setup(test_too_big, setup_one),
                cmocka_unit_test_setup(test_damage, setup_one),
                cmocka_unit_test_setup(test_random_damage, setup_one),
                cmocka_unit_test_setup(test_open_errors, setup_one),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
