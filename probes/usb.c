/* SPDX-License-Identifier: MIT */
/* USB devices from sysfs: identity, power, speed, interfaces and the shape of
 * their HID report descriptors. One usb_device observation per device. */
#include <ctype.h>
#include <fcntl.h>
#include <string.h>

#include "hid.h"
#include "probe.h"
#include "util.h"

#define USB_DEVICES_DIR "/sys/bus/usb/devices"
#define USB_DEVICES_MAX 128
#define USB_INTERFACES_MAX 32
#define USB_NAME_MAX 32
#define USB_INTERFACE_NAME_MAX 48
#define USB_STRING_MAX 256
#define USB_DEVPATH_MAX 512
/* The kernel's HID_MAX_DESCRIPTOR_SIZE. */
#define HID_DESCRIPTOR_MAX 4096
#define USB_CLASS_HID 0x03

struct usb_interface {
        char name[USB_INTERFACE_NAME_MAX];
        char class[3];
        char label[USB_STRING_MAX];
        char driver[64];
        bool hid;
        size_t hid_descriptor_length;
        struct hid_summary hid_summary;
};

struct usb_device {
        char name[USB_NAME_MAX];
        char subject[USB_NAME_MAX + 8];
        uint64_t vendor_id, product_id;
        bool has_bcd_device, has_bcd_usb, has_num_interfaces, has_max_power;
        uint64_t bcd_device, bcd_usb, num_interfaces, max_power;
        char manufacturer[USB_STRING_MAX], product[USB_STRING_MAX], serial[USB_STRING_MAX];
        char configuration[USB_STRING_MAX];
        char speed[16];
        char device_class[3], device_subclass[3], device_protocol[3], bm_attributes[3];
        char devpath[USB_DEVPATH_MAX];
        size_t n_interfaces;
        struct usb_interface interfaces[USB_INTERFACES_MAX];
};

/* "1-2", "3-1.4.2": bus, dash, port path. Root hubs ("usb1") and interfaces
 * ("1-2:1.0") are not devices of their own. */
static bool usb_device_name_valid(const char *name) {
        size_t n = strlen(name);
        if (n == 0 || n >= USB_NAME_MAX || !isdigit((unsigned char) name[0]) || !strchr(name, '-'))
                return false;
        return strspn(name, "0123456789.-") == n;
}

/* "<device>:<configuration>.<interface>" */
static bool usb_interface_name_valid(const char *device, const char *name) {
        const char *rest = startswith(name, device) ? name + strlen(device) : NULL;
        if (!rest || *rest != ':' || strlen(name) >= USB_INTERFACE_NAME_MAX)
                return false;
        rest++;
        return *rest != '\0' && strspn(rest, "0123456789.") == strlen(rest) && strchr(rest, '.');
}

/* The hid-core device below a HID interface: "0003:1D6B:0104.0001". */
static bool hid_device_name_valid(const char *name) {
        static const char pattern[] = "xxxx:xxxx:xxxx.";
        size_t n = strlen(name);
        if (n <= sizeof(pattern) - 1 || n > sizeof(pattern) - 1 + 8)
                return false;
        for (size_t i = 0; i < n; i++) {
                char p = i < sizeof(pattern) - 1 ? pattern[i] : 'x';
                if (p == 'x' ? !isxdigit((unsigned char) name[i]) : name[i] != p)
                        return false;
        }
        return true;
}

/* Sorts strings, and interfaces by their name (their first member):
 * "1-2:1.10" after "1-2:1.9". */
static int version_compare(const void *a, const void *b) {
        return strverscmp(a, b);
}

static void read_string(const struct tt_root *root, int dirfd, const char *attr, char *buf, size_t size) {
        if (tt_read_line_beneath(root, dirfd, attr, buf, size) < 0)
                buf[0] = '\0';
}

static bool read_number(const struct tt_root *root, int dirfd, const char *attr, int base, uint64_t max,
                        uint64_t *ret) {
        char buf[32];
        uint64_t v;
        if (tt_read_line_beneath(root, dirfd, attr, buf, sizeof(buf)) < 0 || safe_atou64(buf, base, &v) < 0 ||
            v > max)
                return false;
        *ret = v;
        return true;
}

/* Class codes and bmAttributes as "03", "ef", "a0". */
static void read_byte_hex(const struct tt_root *root, int dirfd, const char *attr, char ret[static 3]) {
        uint64_t v;
        if (read_number(root, dirfd, attr, 16, 0xFF, &v))
                snprintf(ret, 3, "%02x", (unsigned) v);
        else
                ret[0] = '\0';
}

/* "version" holds bcdUSB as "%2x.%02x" (" 2.00"). */
static bool read_bcd_usb(const struct tt_root *root, int dirfd, uint64_t *ret) {
        char buf[16];
        uint64_t major, minor;
        if (tt_read_line_beneath(root, dirfd, "version", buf, sizeof(buf)) < 0)
                return false;
        char *dot = strchr(buf, '.');
        if (!dot)
                return false;
        *dot = '\0';
        if (safe_atou64(buf, 16, &major) < 0 || safe_atou64(dot + 1, 16, &minor) < 0 || major > 0xFF ||
            minor > 0xFF)
                return false;
        *ret = major << 8 | minor;
        return true;
}

/* "bMaxPower" holds milliamperes as "250mA". */
static bool read_max_power(const struct tt_root *root, int dirfd, uint64_t *ret) {
        char buf[32];
        if (tt_read_line_beneath(root, dirfd, "bMaxPower", buf, sizeof(buf)) < 0 || !endswith(buf, "mA"))
                return false;
        buf[strlen(buf) - 2] = '\0';
        uint64_t v;
        /* The most a configuration can draw: 255 units of 8 mA (USB 3). */
        if (safe_atou64(buf, 10, &v) < 0 || v > 255 * 8)
                return false;
        *ret = v;
        return true;
}

/* The link target "../../../devices/pci0000:00/.../1-2" as udev's DEVPATH. */
static void read_devpath(const struct tt_root *root, int devices_fd, const char *name,
                         char buf[static USB_DEVPATH_MAX]) {
        /* Room for the leading slash. */
        char target[USB_DEVPATH_MAX - 1];
        if (tt_readlink_beneath(root, devices_fd, name, target, sizeof(target)) < 0) {
                buf[0] = '\0';
                return;
        }
        const char *p = target;
        while (startswith(p, "../"))
                p += 3;
        if (startswith(p, "/sys/"))
                p += 4;
        snprintf(buf, USB_DEVPATH_MAX, "%s%s", *p == '/' ? "" : "/", p);
}

static void read_hid_descriptor(const struct tt_root *root, int intf_fd, struct usb_interface *intf) {
        _cleanup_closedir_ DIR *d = NULL;
        if (tt_opendir_beneath(root, intf_fd, ".", &d) < 0)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!hid_device_name_valid(de->d_name))
                        continue;
                char path[sizeof(de->d_name) + sizeof("/report_descriptor")];
                _cleanup_free_ char *buf = NULL;
                size_t len;
                snprintf(path, sizeof(path), "%s/report_descriptor", de->d_name);
                if (tt_read_file_beneath(root, intf_fd, path, HID_DESCRIPTOR_MAX, &buf, &len) < 0)
                        continue;
                intf->hid = true;
                intf->hid_descriptor_length = len;
                /* A malformed descriptor still shows what it offered before the bad item. */
                (void) hid_descriptor_parse((const uint8_t *) buf, len, &intf->hid_summary);
                return;
        }
}

static void read_interface(const struct tt_root *root, int dev_fd, struct usb_interface *intf) {
        _cleanup_close_ int fd = -1;
        if (tt_openat_beneath(root, dev_fd, intf->name, O_RDONLY | O_DIRECTORY, &fd) < 0)
                return;
        read_byte_hex(root, fd, "bInterfaceClass", intf->class);
        read_string(root, fd, "interface", intf->label, sizeof(intf->label));
        char target[512];
        if (tt_readlink_beneath(root, fd, "driver", target, sizeof(target)) >= 0) {
                const char *slash = strrchr(target, '/');
                strscpy(intf->driver, sizeof(intf->driver), slash ? slash + 1 : target);
        }
        if (streq(intf->class, "03"))
                read_hid_descriptor(root, fd, intf);
}

static void read_interfaces(const struct tt_root *root, int dev_fd, struct usb_device *dev) {
        _cleanup_closedir_ DIR *d = NULL;
        if (tt_opendir_beneath(root, dev_fd, ".", &d) < 0)
                return;
        struct dirent *de;
        while ((de = readdir(d)) && dev->n_interfaces < USB_INTERFACES_MAX)
                if (usb_interface_name_valid(dev->name, de->d_name))
                        strscpy(dev->interfaces[dev->n_interfaces++].name, USB_INTERFACE_NAME_MAX, de->d_name);
        qsort(dev->interfaces, dev->n_interfaces, sizeof(dev->interfaces[0]), version_compare);
        for (size_t i = 0; i < dev->n_interfaces; i++)
                read_interface(root, dev_fd, &dev->interfaces[i]);
}

static int read_device(const struct tt_root *root, int devices_fd, const char *name, struct usb_device *dev) {
        char path[sizeof(USB_DEVICES_DIR) + USB_NAME_MAX + 1];
        _cleanup_close_ int fd = -1;

        *dev = (struct usb_device){};
        strscpy(dev->name, sizeof(dev->name), name);
        snprintf(dev->subject, sizeof(dev->subject), "usb:%s", name);
        /* The entry is a symlink into /sys/devices: resolve it from the root. */
        snprintf(path, sizeof(path), "%s/%s", USB_DEVICES_DIR, name);
        int r = tt_root_openat(root, path, O_RDONLY | O_DIRECTORY, &fd);
        if (r < 0)
                return r;
        if (!read_number(root, fd, "idVendor", 16, 0xFFFF, &dev->vendor_id) ||
            !read_number(root, fd, "idProduct", 16, 0xFFFF, &dev->product_id))
                return -ENODEV;
        dev->has_bcd_device = read_number(root, fd, "bcdDevice", 16, 0xFFFF, &dev->bcd_device);
        dev->has_bcd_usb = read_bcd_usb(root, fd, &dev->bcd_usb);
        dev->has_num_interfaces = read_number(root, fd, "bNumInterfaces", 10, 0xFF, &dev->num_interfaces);
        dev->has_max_power = read_max_power(root, fd, &dev->max_power);
        read_string(root, fd, "manufacturer", dev->manufacturer, sizeof(dev->manufacturer));
        read_string(root, fd, "product", dev->product, sizeof(dev->product));
        read_string(root, fd, "serial", dev->serial, sizeof(dev->serial));
        read_string(root, fd, "configuration", dev->configuration, sizeof(dev->configuration));
        read_string(root, fd, "speed", dev->speed, sizeof(dev->speed));
        read_byte_hex(root, fd, "bDeviceClass", dev->device_class);
        read_byte_hex(root, fd, "bDeviceSubClass", dev->device_subclass);
        read_byte_hex(root, fd, "bDeviceProtocol", dev->device_protocol);
        read_byte_hex(root, fd, "bmAttributes", dev->bm_attributes);
        read_devpath(root, devices_fd, name, dev->devpath);
        read_interfaces(root, fd, dev);
        return 0;
}

static void add_str_nonempty(struct tt_observation *o, const char *key, const char *value) {
        if (!isempty(value))
                tt_obs_add_str(o, key, value);
}

/* A device may repeat a class or string over many interfaces; each value once
 * keeps room for the rest in a bounded observation. */
static void add_distinct(struct tt_observation *o, const char *key, const char *const *values, size_t n) {
        for (size_t i = 0; i < n; i++) {
                bool repeated = isempty(values[i]);
                for (size_t j = 0; j < i && !repeated; j++)
                        repeated = streq(values[i], values[j]);
                if (!repeated)
                        tt_obs_add_str(o, key, values[i]);
        }
}

static void usb_device_to_observation(const struct usb_device *dev, struct tt_observation *o) {
        tt_obs_init(o, "usb_device", dev->subject);
        tt_obs_add_hex(o, "vendor_id", (int64_t) dev->vendor_id);
        tt_obs_add_hex(o, "product_id", (int64_t) dev->product_id);
        add_str_nonempty(o, "manufacturer", dev->manufacturer);
        add_str_nonempty(o, "product", dev->product);
        add_str_nonempty(o, "serial", dev->serial);
        if (dev->has_bcd_device)
                tt_obs_add_hex(o, "bcd_device", (int64_t) dev->bcd_device);
        if (dev->has_bcd_usb)
                tt_obs_add_hex(o, "bcd_usb", (int64_t) dev->bcd_usb);
        add_str_nonempty(o, "speed", dev->speed);
        add_str_nonempty(o, "device_class", dev->device_class);
        add_str_nonempty(o, "device_subclass", dev->device_subclass);
        add_str_nonempty(o, "device_protocol", dev->device_protocol);
        if (dev->has_num_interfaces)
                tt_obs_add_int(o, "num_interfaces", (int64_t) dev->num_interfaces);
        add_str_nonempty(o, "bm_attributes", dev->bm_attributes);
        if (dev->has_max_power)
                tt_obs_add_int(o, "max_power", (int64_t) dev->max_power);
        add_str_nonempty(o, "configuration", dev->configuration);
        add_str_nonempty(o, "devpath", dev->devpath);

        unsigned kinds = 0;
        const struct hid_summary *abs = NULL;
        for (size_t i = 0; i < dev->n_interfaces; i++) {
                const struct hid_summary *s = &dev->interfaces[i].hid_summary;
                kinds |= s->kinds;
                if (!abs && (s->kinds & HID_KIND_ABSOLUTE_POINTER))
                        abs = s;
        }
        for (unsigned bit = 0; hid_kind_to_string(1u << bit); bit++)
                if (kinds & 1u << bit)
                        tt_obs_add_str(o, "hid_kind", hid_kind_to_string(1u << bit));
        if (abs)
                tt_obs_add_int(o, "abs_max", abs->abs_x_max);

        const char *classes[USB_INTERFACES_MAX], *labels[USB_INTERFACES_MAX], *drivers[USB_INTERFACES_MAX];
        for (size_t i = 0; i < dev->n_interfaces; i++) {
                classes[i] = dev->interfaces[i].class;
                labels[i] = dev->interfaces[i].label;
                drivers[i] = dev->interfaces[i].driver;
        }
        add_distinct(o, "interface_class", classes, dev->n_interfaces);
        for (size_t i = 0; i < dev->n_interfaces; i++)
                if (dev->interfaces[i].hid)
                        tt_obs_add_int(o, "hid_descriptor_length", (int64_t) dev->interfaces[i].hid_descriptor_length);
        add_distinct(o, "interface_name", labels, dev->n_interfaces);
        add_distinct(o, "driver", drivers, dev->n_interfaces);
}

static int usb_scan(struct tt_probe_ctx *ctx) {
        _cleanup_closedir_ DIR *d = NULL;
        int r = tt_root_opendir(ctx->root, USB_DEVICES_DIR, &d);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;

        _cleanup_free_ char(*names)[USB_NAME_MAX] = calloc(USB_DEVICES_MAX, USB_NAME_MAX);
        _cleanup_free_ struct usb_device *dev = malloc(sizeof(*dev));
        _cleanup_free_ struct tt_observation *o = malloc(sizeof(*o));
        if (!names || !dev || !o)
                return -ENOMEM;

        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!usb_device_name_valid(de->d_name))
                        continue;
                if (n == USB_DEVICES_MAX) {
                        snprintf(ctx->note, sizeof(ctx->note), "more than %d USB devices, the rest not read",
                                 USB_DEVICES_MAX);
                        break;
                }
                strscpy(names[n++], USB_NAME_MAX, de->d_name);
        }
        qsort(names, n, USB_NAME_MAX, version_compare);

        for (size_t i = 0; i < n; i++) {
                /* Gone since the listing, or not a device at all: nothing to say. */
                if (read_device(ctx->root, dirfd(d), names[i], dev) < 0)
                        continue;
                usb_device_to_observation(dev, o);
                r = tt_emit(ctx, o);
                if (r < 0)
                        return r;
        }
        return 0;
}

const struct tt_probe tt_probe_usb = {
        .name = "usb",
        .default_enabled = true,
        .scan = usb_scan,
        .udev_subsystems = (const char *const[]){ "usb", NULL },
};
