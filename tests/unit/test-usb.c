/* SPDX-License-Identifier: MIT */
/* The usb probe over a tree laid out like sysfs: /sys/bus/usb/devices links
 * into /sys/devices/pci0000:00/..., interfaces and their hid-core devices
 * below each device, and links that try to lead out of the root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fixture.h"
#include "util.h"

#define HOST "sys/devices/pci0000:00/0000:00:14.0/usb1"
#define HOST_LINK "../../../devices/pci0000:00/0000:00:14.0/usb1"

static char root_dir[PATH_MAX], outside[PATH_MAX];

struct attr {
        const char *name, *value;
};

/* A device directory under HOST with its /sys/bus/usb/devices link. */
static void add_device(const char *path, const struct attr *attrs, size_t n) {
        char rel[PATH_MAX], target[PATH_MAX];
        for (size_t i = 0; i < n; i++) {
                fixture_format(rel, sizeof(rel), "%s/%s/%s", HOST, path, attrs[i].name);
                fixture_write_str(root_dir, rel, attrs[i].value);
        }
        const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        fixture_format(rel, sizeof(rel), "sys/bus/usb/devices/%s", name);
        fixture_format(target, sizeof(target), "%s/%s", HOST_LINK, path);
        fixture_symlink(root_dir, rel, target);
}

/* An interface directory (and its link, as sysfs has one too), with a
 * driver link and, for HID, the hid-core device holding the descriptor. */
static void add_interface(const char *device_path, const char *name, const char *class, const char *label,
                          const char *driver, const char *hid_device, const char *descriptor) {
        const struct attr attrs[] = {
                { "bInterfaceClass", class }, { "bInterfaceSubClass", "00\n" }, { "bInterfaceProtocol", "00\n" },
                { "bInterfaceNumber", "00\n" }, { "interface", label ? label : "" },
        };
        char path[PATH_MAX], rel[PATH_MAX], target[PATH_MAX];
        fixture_format(path, sizeof(path), "%s/%s", device_path, name);
        add_device(path, attrs, label ? ELEMENTSOF(attrs) : ELEMENTSOF(attrs) - 1);
        if (driver) {
                fixture_format(rel, sizeof(rel), "%s/%s/driver", HOST, path);
                fixture_format(target, sizeof(target), "../../../../../../bus/usb/drivers/%s", driver);
                fixture_symlink(root_dir, rel, target);
        }
        if (descriptor) {
                uint8_t data[4096];
                size_t len = fixture_corpus("hid", descriptor, data, sizeof(data));
                fixture_format(rel, sizeof(rel), "%s/%s/%s/report_descriptor", HOST, path, hid_device);
                fixture_write(root_dir, rel, data, len);
        }
}

static void add_pikvm(void) {
        const struct attr attrs[] = {
                { "idVendor", "1d6b\n" },      { "idProduct", "0104\n" },     { "bcdDevice", "0100\n" },
                { "version", " 2.00\n" },      { "manufacturer", "PiKVM\n" }, { "product", "PiKVM Composite Device\n" },
                { "serial", "CAFEBABE\n" },    { "speed", "480\n" },          { "bDeviceClass", "00\n" },
                { "bDeviceSubClass", "00\n" }, { "bDeviceProtocol", "00\n" }, { "bNumInterfaces", " 3\n" },
                { "bmAttributes", "a0\n" },    { "bMaxPower", "250mA\n" },    { "configuration", "\n" },
                { "devpath", "1\n" },
        };
        add_device("1-1", attrs, ELEMENTSOF(attrs));
        add_interface("1-1", "1-1:1.0", "03\n", NULL, "usbhid", "0003:1D6B:0104.0001", "pikvm-keyboard");
        add_interface("1-1", "1-1:1.1", "03\n", NULL, "usbhid", "0003:1D6B:0104.0002", "pikvm-mouse-absolute");
        add_interface("1-1", "1-1:1.2", "08\n", "Mass Storage\n", "usb-storage", NULL, NULL);
}

static void add_logitech_receiver(void) {
        const struct attr attrs[] = {
                { "idVendor", "046d\n" },     { "idProduct", "c52b\n" },   { "bcdDevice", "1211\n" },
                { "version", " 2.00\n" },     { "manufacturer", "Logitech\n" }, { "product", "USB Receiver\n" },
                { "speed", "12\n" },          { "bDeviceClass", "00\n" },  { "bNumInterfaces", " 3\n" },
                { "bmAttributes", "a0\n" },   { "bMaxPower", "98mA\n" },   { "configuration", "RQR12.11_B0032\n" },
        };
        add_device("1-2", attrs, ELEMENTSOF(attrs));
        add_interface("1-2", "1-2:1.0", "03\n", NULL, "usbhid", "0003:046D:C52B.0003", "boot-keyboard");
        add_interface("1-2", "1-2:1.1", "03\n", NULL, "usbhid", "0003:046D:C52B.0004", "logitech-receiver-mouse");
        add_interface("1-2", "1-2:1.2", "03\n", NULL, "usbhid", "0003:046D:C52B.0005", "padding-only");
}

/* A hub with a YubiKey behind it: the key's directory is inside the hub's. */
static void add_hub_and_yubikey(void) {
        const struct attr hub[] = {
                { "idVendor", "05e3\n" }, { "idProduct", "0610\n" }, { "bDeviceClass", "09\n" },
                { "speed", "480\n" },     { "version", " 2.10\n" },  { "bMaxPower", "100mA\n" },
        };
        add_device("1-3", hub, ELEMENTSOF(hub));
        add_interface("1-3", "1-3:1.0", "09\n", NULL, "hub", NULL, NULL);
        const struct attr key[] = {
                { "idVendor", "1050\n" }, { "idProduct", "0407\n" },  { "bcdDevice", "0543\n" },
                { "version", " 2.00\n" }, { "manufacturer", "Yubico\n" }, { "product", "YubiKey OTP+FIDO+CCID\n" },
                { "speed", "12\n" },      { "bNumInterfaces", " 3\n" }, { "bMaxPower", "30mA\n" },
                { "bmAttributes", "80\n" },
        };
        add_device("1-3/1-3.1", key, ELEMENTSOF(key));
        add_interface("1-3/1-3.1", "1-3.1:1.0", "03\n", NULL, "usbhid", "0003:1050:0407.0006", "yubikey-keyboard");
        add_interface("1-3/1-3.1", "1-3.1:1.1", "03\n", NULL, "usbhid", "0003:1050:0407.0007", "yubikey-fido");
        add_interface("1-3/1-3.1", "1-3.1:1.2", "0b\n", NULL, NULL, NULL, NULL);
        /* Interface 10 sorts after 2. */
        add_interface("1-3/1-3.1", "1-3.1:1.10", "ff\n", "Vendor\n", NULL, NULL, NULL);
}

/* Hostile: device entries and attribute files that lead out of the root,
 * a FIFO where a string belongs, a descriptor past the kernel's limit. */
static void add_hostile(void) {
        char target[PATH_MAX];

        fixture_write_str(outside, "dev/idVendor", "dead\n");
        fixture_write_str(outside, "dev/idProduct", "beef\n");
        fixture_write_str(outside, "secret", "SECRET\n");
        fixture_symlink_out(root_dir, "sys/bus/usb/devices/1-9", "../../../../../outside/dev");
        fixture_format(target, sizeof(target), "%s/dev", outside);
        fixture_symlink_out(root_dir, "sys/bus/usb/devices/1-8", target);
        fixture_symlink_out(root_dir, "sys/bus/usb/devices/1-7", "../../../../..");
        fixture_symlink_out(root_dir, "sys/bus/usb/devices/1-6", "/etc");

        const struct attr attrs[] = { { "idVendor", "abcd\n" }, { "idProduct", "0001\n" } };
        add_device("1-4", attrs, ELEMENTSOF(attrs));
        fixture_format(target, sizeof(target), "%s/secret", outside);
        fixture_symlink_out(root_dir, HOST "/1-4/manufacturer", target);
        fixture_symlink_out(root_dir, HOST "/1-4/product", "../../../../../../../outside/secret");
        fixture_symlink_out(root_dir, HOST "/1-4/configuration", "/etc/passwd");
        fixture_symlink_out(root_dir, HOST "/1-4/bcdDevice", "../../../../../../../../../../../etc/passwd");
        char fifo[PATH_MAX];
        fixture_path(fifo, sizeof(fifo), root_dir, HOST "/1-4/serial");
        assert_int_equal(mkfifo(fifo, 0644), 0);
        add_interface("1-4", "1-4:1.0", "03\n", NULL, NULL, NULL, NULL);
        uint8_t keyboard[64];
        fixture_write(outside, "keyboard", keyboard, fixture_corpus("hid", "boot-keyboard", keyboard, sizeof(keyboard)));
        fixture_format(target, sizeof(target), "%s/keyboard", outside);
        fixture_symlink_out(root_dir, HOST "/1-4/1-4:1.0/0003:ABCD:0001.0008/report_descriptor", target);

        /* Bad values in every number: no attribute rather than a wrong one. */
        const struct attr garbage[] = {
                { "idVendor", "1d6b\n" },     { "idProduct", "0105\n" },   { "bcdDevice", "10000\n" },
                { "version", "2\n" },         { "bNumInterfaces", "x\n" }, { "bMaxPower", "4096mA\n" },
                { "bDeviceClass", "100\n" },  { "bmAttributes", "\n" },
        };
        add_device("1-5", garbage, ELEMENTSOF(garbage));
        uint8_t big[5000];
        memset(big, 0x00, sizeof(big));
        fixture_write(root_dir, HOST "/1-5/1-5:1.0/0003:1D6B:0105.0009/report_descriptor", big, sizeof(big));
        fixture_write_str(root_dir, HOST "/1-5/1-5:1.0/bInterfaceClass", "03\n");
        fixture_symlink(root_dir, "sys/bus/usb/devices/1-5:1.0", HOST_LINK "/1-5/1-5:1.0");
}

static int usb_tree_setup(void **state) {
        char base[PATH_MAX];
        fixture_mkdtemp(base, sizeof(base), "usb");
        fixture_path(root_dir, sizeof(root_dir), base, "root");
        fixture_path(outside, sizeof(outside), base, "outside");
        *state = strdup(base);

        /* The root hub is no device of its own. */
        fixture_write_str(root_dir, HOST "/idVendor", "1d6b\n");
        fixture_write_str(root_dir, HOST "/idProduct", "0002\n");
        fixture_symlink(root_dir, "sys/bus/usb/devices/usb1", HOST_LINK);

        add_pikvm();
        add_logitech_receiver();
        add_hub_and_yubikey();
        add_hostile();
        return 0;
}

static int usb_tree_teardown(void **state) {
        fixture_rm_rf(*state);
        free(*state);
        return 0;
}

static struct fixture_observations c;

static void test_pikvm(void **state) {
        assert_int_equal(fixture_scan(&tt_probe_usb, root_dir, &c), 0);
        const char *o = fixture_find(&c, "usb:1-1");
        assert_non_null(o);
        assert_true(startswith(o, "usb_device usb:1-1\n"));
        static const char *const lines[] = {
                "vendor_id=1d6b", "product_id=0104", "bcd_device=0100", "bcd_usb=0200", "manufacturer=PiKVM",
                "product=PiKVM Composite Device", "serial=CAFEBABE", "speed=480", "device_class=00",
                "device_subclass=00", "device_protocol=00", "num_interfaces=3", "bm_attributes=a0",
                "max_power=250", "devpath=/devices/pci0000:00/0000:00:14.0/usb1/1-1", "hid_kind=keyboard",
                "hid_kind=absolute_pointer", "abs_max=32767", "interface_class=03", "interface_class=08",
                "hid_descriptor_length=65", "hid_descriptor_length=58", "interface_name=Mass Storage",
                "driver=usbhid", "driver=usb-storage",
        };
        for (size_t i = 0; i < ELEMENTSOF(lines); i++)
                assert_int_equal(fixture_count(o, lines[i]), 1);
        /* Each class, kind and driver once; an empty configuration string is none. */
        assert_int_equal(fixture_count_key(o, "interface_class"), 2);
        assert_int_equal(fixture_count_key(o, "hid_kind"), 2);
        assert_int_equal(fixture_count_key(o, "hid_descriptor_length"), 2);
        assert_int_equal(fixture_count_key(o, "driver"), 2);
        assert_int_equal(fixture_count_key(o, "configuration"), 0);
}

static void test_ordinary_devices(void **state) {
        assert_int_equal(fixture_scan(&tt_probe_usb, root_dir, &c), 0);

        const char *o = fixture_find(&c, "usb:1-2");
        assert_non_null(o);
        static const char *const receiver[] = {
                "vendor_id=046d", "product_id=c52b", "speed=12", "max_power=98", "configuration=RQR12.11_B0032",
                "hid_kind=keyboard", "hid_kind=mouse", "hid_kind=consumer", "hid_kind=system_control",
                "hid_kind=vendor", "hid_descriptor_length=63", "hid_descriptor_length=148",
                "hid_descriptor_length=37",
        };
        for (size_t i = 0; i < ELEMENTSOF(receiver); i++)
                assert_int_equal(fixture_count(o, receiver[i]), 1);
        assert_int_equal(fixture_count_key(o, "abs_max"), 0);
        assert_int_equal(fixture_count_key(o, "interface_class"), 1);

        o = fixture_find(&c, "usb:1-3");
        assert_non_null(o);
        assert_int_equal(fixture_count(o, "device_class=09"), 1);
        assert_int_equal(fixture_count(o, "bcd_usb=0210"), 1);
        assert_int_equal(fixture_count(o, "interface_class=09"), 1);
        assert_int_equal(fixture_count(o, "driver=hub"), 1);
        /* The hub's own observation holds none of the key's interfaces. */
        assert_int_equal(fixture_count_key(o, "hid_kind"), 0);
        assert_int_equal(fixture_count_key(o, "interface_class"), 1);

        o = fixture_find(&c, "usb:1-3.1");
        assert_non_null(o);
        static const char *const yubikey[] = {
                "vendor_id=1050", "product_id=0407", "bcd_device=0543", "manufacturer=Yubico",
                "hid_kind=keyboard", "hid_kind=fido", "interface_class=03", "interface_class=0b",
                "interface_class=ff", "interface_name=Vendor", "bm_attributes=80", "max_power=30",
                "devpath=/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3.1",
        };
        for (size_t i = 0; i < ELEMENTSOF(yubikey); i++)
                assert_int_equal(fixture_count(o, yubikey[i]), 1);
        assert_int_equal(fixture_count_key(o, "hid_kind"), 2);
        /* Interfaces in numeric order: 1.2 (0b) before 1.10 (ff). */
        assert_true(strstr(o, "interface_class=0b") < strstr(o, "interface_class=ff"));

        /* Devices in port order; no root hub, no interface entries. */
        assert_null(fixture_find(&c, "usb:usb1"));
        assert_null(fixture_find(&c, "usb:1-5:1.0"));
        assert_true(fixture_find(&c, "usb:1-1") < fixture_find(&c, "usb:1-2"));
        assert_true(fixture_find(&c, "usb:1-3") < fixture_find(&c, "usb:1-3.1"));
}

static void test_hostile(void **state) {
        assert_int_equal(fixture_scan(&tt_probe_usb, root_dir, &c), 0);
        assert_int_equal(c.n, 6); /* 1-1 1-2 1-3 1-3.1 1-4 1-5 */
        for (size_t i = 0; i < c.n; i++) {
                assert_null(strstr(c.text[i], "dead"));
                assert_null(strstr(c.text[i], "SECRET"));
                assert_null(strstr(c.text[i], "root:"));
        }
        assert_null(fixture_find(&c, "usb:1-9"));
        assert_null(fixture_find(&c, "usb:1-8"));
        assert_null(fixture_find(&c, "usb:1-7"));
        assert_null(fixture_find(&c, "usb:1-6"));

        /* Attributes that are links out of the root or a FIFO are absent;
         * the descriptor outside is not parsed. */
        const char *o = fixture_find(&c, "usb:1-4");
        assert_non_null(o);
        assert_int_equal(fixture_count(o, "vendor_id=abcd"), 1);
        static const char *const absent[] = {
                "manufacturer", "product", "serial", "configuration", "bcd_device", "hid_kind",
                "hid_descriptor_length",
        };
        for (size_t i = 0; i < ELEMENTSOF(absent); i++)
                assert_int_equal(fixture_count_key(o, absent[i]), 0);
        assert_int_equal(fixture_count(o, "interface_class=03"), 1);

        o = fixture_find(&c, "usb:1-5");
        assert_non_null(o);
        static const char *const garbage[] = {
                "bcd_device", "bcd_usb", "num_interfaces", "max_power", "device_class", "bm_attributes",
        };
        for (size_t i = 0; i < ELEMENTSOF(garbage); i++)
                assert_int_equal(fixture_count_key(o, garbage[i]), 0);
        /* Read up to the kernel's limit, no further. */
        assert_int_equal(fixture_count(o, "hid_descriptor_length=4096"), 1);
}

static void test_no_usb(void **state) {
        assert_int_equal(fixture_scan(&tt_probe_usb, outside, &c), 0);
        assert_int_equal(c.n, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pikvm),
                cmocka_unit_test(test_ordinary_devices),
                cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_no_usb),
        };
        return cmocka_run_group_tests(tests, usb_tree_setup, usb_tree_teardown);
}
