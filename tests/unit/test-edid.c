/* SPDX-License-Identifier: MIT */
/* EDID parsing (inputs from tests/fuzz/gen/edid.py) and the drm probe over a
 * sysfs-shaped tree. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "edid.h"
#include "fixture.h"
#include "util.h"

static uint8_t buf[EDID_BLOCKS_MAX * EDID_BLOCK_SIZE];

static int parse(const char *name, struct edid_info *ret) {
        size_t len = fixture_corpus("edid", name, buf, sizeof(buf));
        return edid_parse(buf, len, ret);
}

static void fix_checksum(uint8_t *block) {
        uint8_t sum = 0;
        for (size_t i = 0; i < EDID_BLOCK_SIZE - 1; i++)
                sum += block[i];
        block[EDID_BLOCK_SIZE - 1] = (uint8_t) -sum;
}

static void test_pikvm(void **state) {
        struct edid_info e;
        assert_int_equal(parse("pikvm", &e), 0);
        assert_string_equal(e.vendor, "LNX");
        assert_int_equal(e.product, 0x7770);
        assert_int_equal(e.serial, 0);
        assert_string_equal(e.name, "PiKVM");
        assert_string_equal(e.serial_string, "CAFEBABE");
        assert_string_equal(e.text, "");
        assert_int_equal(e.week, 14);
        assert_int_equal(e.year, 2021);
        assert_int_equal(e.version, 1);
        assert_int_equal(e.revision, 3);
        assert_int_equal(e.width_cm, 0);
        assert_int_equal(e.height_cm, 0);
        assert_int_equal(e.extensions_declared, 1);
        assert_int_equal(e.extensions_present, 1);
        assert_true(e.checksum_ok);
        assert_true(e.block_checksum_ok[0]);
        assert_true(e.block_checksum_ok[1]);
        assert_int_equal(e.n_cta, 1);
        assert_int_equal(e.n_cta_data_blocks, 4);
        assert_true(e.hdmi_vsdb);
        assert_false(e.cta_malformed);
}

static void test_capture_dongle(void **state) {
        struct edid_info e;
        assert_int_equal(parse("ms2109", &e), 0);
        assert_string_equal(e.vendor, "HJW");
        assert_int_equal(e.product, 0x0001);
        assert_string_equal(e.name, "HDMI TO USB");
        assert_int_equal(e.width_cm, 70);
        assert_int_equal(e.height_cm, 39);
        assert_true(e.checksum_ok);
}

static void test_monitors(void **state) {
        struct edid_info e;
        assert_int_equal(parse("dell-u2415", &e), 0);
        assert_string_equal(e.vendor, "DEL");
        assert_int_equal(e.product, 0xA0C4);
        assert_int_equal(e.serial, 0x4C334B30);
        assert_string_equal(e.name, "DELL U2415");
        assert_string_equal(e.serial_string, "7MT0167B0T4L");
        assert_int_equal(e.width_cm, 52);
        assert_int_equal(e.height_cm, 32);
        assert_int_equal(e.week, 10);
        assert_int_equal(e.year, 2017);
        assert_int_equal(e.revision, 4);
        assert_true(e.checksum_ok);
        assert_int_equal(e.n_cta_data_blocks, 5);
        assert_true(e.hdmi_vsdb);

        /* Old PiKVM / BliKVM capture chip: serial is little-endian, week
         * 0xFF marks a model year. */
        assert_int_equal(parse("toshiba-h2c", &e), 0);
        assert_string_equal(e.vendor, "TSB");
        assert_int_equal(e.product, 0x8888);
        assert_int_equal(e.serial, 0x88888800);
        assert_string_equal(e.name, "Toshiba-H2C");
        assert_int_equal(e.week, 0xFF);
        assert_int_equal(e.year, 2015);
        assert_int_equal(e.extensions_declared, 0);
        assert_int_equal(e.n_cta, 0);
        assert_false(e.hdmi_vsdb);
}

static void test_strings(void **state) {
        struct edid_info e;
        assert_int_equal(parse("odd-strings", &e), 0);
        assert_string_equal(e.name, "?Name??X");
        assert_string_equal(e.serial_string, "0123456789ABC");
        assert_string_equal(e.text, "  text");

        /* Letters 0 and 27..31 are out of the alphabet. */
        assert_int_equal(parse("toshiba-h2c", &e), 0);
        buf[8] = 0x00;
        buf[9] = 0x1F;
        fix_checksum(buf);
        assert_int_equal(edid_parse(buf, EDID_BLOCK_SIZE, &e), 0);
        assert_string_equal(e.vendor, "???");
        assert_true(e.checksum_ok);
}

static void test_checksums(void **state) {
        struct edid_info e;

        /* A bad checksum is reported; the fields are still there. */
        assert_int_equal(parse("bad-checksum", &e), 0);
        assert_false(e.checksum_ok);
        assert_false(e.block_checksum_ok[0]);
        assert_true(e.block_checksum_ok[1]);
        assert_string_equal(e.vendor, "DEL");
        assert_string_equal(e.name, "DELL U2415");
        assert_int_equal(e.n_cta, 1);

        assert_int_equal(parse("bad-cta-checksum", &e), 0);
        assert_false(e.checksum_ok);
        assert_true(e.block_checksum_ok[0]);
        assert_false(e.block_checksum_ok[1]);
        assert_string_equal(e.name, "PiKVM");
}

static void test_extensions(void **state) {
        struct edid_info e;

        assert_int_equal(parse("missing-extensions", &e), 0);
        assert_int_equal(e.extensions_declared, 3);
        assert_int_equal(e.extensions_present, 1);
        assert_true(e.checksum_ok);
        assert_int_equal(e.n_cta, 1);

        assert_int_equal(parse("partial-trailing-block", &e), 0);
        assert_int_equal(e.extensions_declared, 0);
        assert_int_equal(e.extensions_present, 0);

        /* Blocks past the declared count are not part of the EDID. */
        assert_int_equal(parse("pikvm", &e), 0);
        buf[126] = 0;
        fix_checksum(buf);
        assert_int_equal(edid_parse(buf, 2 * EDID_BLOCK_SIZE, &e), 0);
        assert_int_equal(e.extensions_present, 1);
        assert_int_equal(e.n_cta, 0);
        assert_false(e.hdmi_vsdb);

        assert_int_equal(parse("cta-overrun", &e), 0);
        assert_int_equal(e.n_cta, 2);
        assert_true(e.cta_malformed);
        assert_int_equal(e.n_cta_data_blocks, 0);
        assert_true(e.checksum_ok);
}

static void test_malformed(void **state) {
        struct edid_info e;
        assert_int_equal(parse("truncated-100", &e), -EBADMSG);
        assert_int_equal(parse("bad-header", &e), -EBADMSG);
        assert_int_equal(parse("pikvm", &e), 0);
        assert_int_equal(edid_parse(buf, EDID_BLOCK_SIZE - 1, &e), -EBADMSG);
        assert_int_equal(edid_parse(buf, 0, &e), -EBADMSG);
        assert_int_equal(edid_parse(buf, EDID_BLOCK_SIZE, &e), 0);
        assert_int_equal(e.extensions_present, 0);
        assert_int_equal(e.n_cta, 0);
}

static char root_dir[PATH_MAX], outside[PATH_MAX];

static void write_edid(const char *dir, const char *rel, const char *corpus_name) {
        uint8_t data[EDID_BLOCKS_MAX * EDID_BLOCK_SIZE];
        size_t len = fixture_corpus("edid", corpus_name, data, sizeof(data));
        fixture_write(dir, rel, data, len);
}

static int drm_tree_setup(void **state) {
        char base[PATH_MAX];
        fixture_mkdtemp(base, sizeof(base), "drm");
        fixture_path(root_dir, sizeof(root_dir), base, "root");
        fixture_path(outside, sizeof(outside), base, "outside");
        *state = strdup(base);

        const char *gpu = "sys/devices/pci0000:00/0000:00:02.0/drm";
        const char *link = "../../devices/pci0000:00/0000:00:02.0/drm";
        static const struct {
                const char *card, *connector, *edid;
        } connectors[] = {
                { "card0", "card0-HDMI-A-1", "pikvm" },
                { "card0", "card0-eDP-1", NULL },
                { "card0", "card0-DP-1", "truncated-100" },
                { "card1", "card1-HDMI-A-2", "bad-checksum" },
        };
        char rel[PATH_MAX], target[PATH_MAX];
        for (size_t i = 0; i < ELEMENTSOF(connectors); i++) {
                fixture_format(rel, sizeof(rel), "%s/%s/%s/edid", gpu, connectors[i].card, connectors[i].connector);
                if (connectors[i].edid)
                        write_edid(root_dir, rel, connectors[i].edid);
                else
                        fixture_write_str(root_dir, rel, "");
                fixture_format(rel, sizeof(rel), "sys/class/drm/%s", connectors[i].connector);
                fixture_format(target, sizeof(target), "%s/%s/%s", link, connectors[i].card, connectors[i].connector);
                fixture_symlink(root_dir, rel, target);
        }
        fixture_format(rel, sizeof(rel), "%s/card0/dev", gpu);
        fixture_write_str(root_dir, rel, "226:0\n");
        fixture_format(target, sizeof(target), "%s/card0", link);
        fixture_symlink(root_dir, "sys/class/drm/card0", target);
        fixture_write_str(root_dir, "sys/class/drm/version", "drm 1.1.0 20060810\n");

        /* Links that point out of the root must resolve inside it. */
        write_edid(outside, "card9-HDMI-A-9/edid", "ms2109");
        fixture_symlink_out(root_dir, "sys/class/drm/card9-HDMI-A-9", "../../../../outside/card9-HDMI-A-9");
        fixture_format(target, sizeof(target), "%s/card9-HDMI-A-9", outside);
        fixture_symlink_out(root_dir, "sys/class/drm/card9-DP-9", target);
        fixture_format(target, sizeof(target), "%s/card9-HDMI-A-9/edid", outside);
        fixture_symlink_out(root_dir, "sys/devices/pci0000:00/0000:00:02.0/drm/card0/card0-DP-7/edid", target);
        fixture_format(target, sizeof(target), "%s/card0/card0-DP-7", link);
        fixture_symlink(root_dir, "sys/class/drm/card0-DP-7", target);
        return 0;
}

static int drm_tree_teardown(void **state) {
        fixture_rm_rf(*state);
        free(*state);
        return 0;
}

static void test_drm_probe(void **state) {
        static struct fixture_observations c;
        assert_int_equal(fixture_scan(&tt_probe_drm, root_dir, &c), 0);
        assert_int_equal(c.n, 3);

        /* Sorted by connector. */
        const char *o = c.text[1];
        assert_ptr_equal(fixture_find(&c, "edid:card0-HDMI-A-1"), o);
        assert_true(startswith(o, "edid edid:card0-HDMI-A-1\n"));
        assert_int_equal(fixture_count(o, "connector=card0-HDMI-A-1"), 1);
        assert_int_equal(fixture_count(o, "vendor=LNX"), 1);
        assert_int_equal(fixture_count(o, "product=7770"), 1);
        assert_int_equal(fixture_count(o, "name=PiKVM"), 1);
        assert_int_equal(fixture_count(o, "serial_string=CAFEBABE"), 1);
        assert_int_equal(fixture_count(o, "checksum_ok=true"), 1);
        assert_int_equal(fixture_count(o, "extensions=1"), 1);
        assert_int_equal(fixture_count(o, "year=2021"), 1);
        assert_int_equal(fixture_count(o, "week=14"), 1);
        assert_int_equal(fixture_count_key(o, "serial"), 0);
        assert_int_equal(fixture_count_key(o, "width_cm"), 0);

        o = fixture_find(&c, "edid:card0-DP-1");
        assert_ptr_equal(o, c.text[0]);
        assert_int_equal(fixture_count(o, "checksum_ok=false"), 1);
        assert_int_equal(fixture_count_key(o, "vendor"), 0);

        o = fixture_find(&c, "edid:card1-HDMI-A-2");
        assert_non_null(o);
        assert_int_equal(fixture_count(o, "vendor=DEL"), 1);
        assert_int_equal(fixture_count(o, "product=a0c4"), 1);
        assert_int_equal(fixture_count(o, "serial=1278430000"), 1);
        assert_int_equal(fixture_count(o, "width_cm=52"), 1);
        assert_int_equal(fixture_count(o, "height_cm=32"), 1);
        assert_int_equal(fixture_count(o, "checksum_ok=false"), 1);

        /* Nothing from outside the root, nor the empty eDP EDID. */
        assert_null(fixture_find(&c, "edid:card0-eDP-1"));
        assert_null(fixture_find(&c, "edid:card9-HDMI-A-9"));
        assert_null(fixture_find(&c, "edid:card9-DP-9"));
        assert_null(fixture_find(&c, "edid:card0-DP-7"));

        /* No drm class at all (a headless VM) is no error. */
        assert_int_equal(fixture_scan(&tt_probe_drm, outside, &c), 0);
        assert_int_equal(c.n, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pikvm),      cmocka_unit_test(test_capture_dongle),
                cmocka_unit_test(test_monitors),   cmocka_unit_test(test_strings),
                cmocka_unit_test(test_checksums),  cmocka_unit_test(test_extensions),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test_setup_teardown(test_drm_probe, drm_tree_setup, drm_tree_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
