/* SPDX-License-Identifier: MIT */
/* Input devices the kernel knows, from /proc/bus/input/devices: an IP-KVM
 * shows up as a USB keyboard plus an absolute-pointer "mouse". */
#include "probe.h"
#include "util.h"

#define DEVICES_FILE "/proc/bus/input/devices"
#define DEVICES_MAX (1024 * 1024)

struct input_block {
        bool has_id;
        uint32_t bus, vendor, product, version;
        char name[256], phys[256], sysfs[512], uniq[256], handlers[256];
};

static const char *bus_word(uint32_t bus, char *buf, size_t size) {
        static const struct {
                uint32_t id;
                const char *word;
        } buses[] = {
                { 0x03, "usb" }, { 0x05, "bluetooth" }, { 0x06, "virtual" },
                { 0x11, "i8042" }, { 0x18, "i2c" }, { 0x19, "host" },
        };
        for (size_t i = 0; i < ELEMENTSOF(buses); i++)
                if (buses[i].id == bus)
                        return buses[i].word;
        snprintf(buf, size, "%04x", bus);
        return buf;
}

/* "Bus=0003 Vendor=046d ...": the hex number after "key=", up to 4 digits. */
static bool id_field(const char *line, const char *key, uint32_t *ret) {
        size_t n = strlen(key);
        for (const char *p = line; (p = strstr(p, key)); p += n) {
                if ((p != line && p[-1] != ' ') || p[n] != '=')
                        continue;
                const char *digits = p + n + 1;
                size_t k = strspn(digits, "0123456789abcdefABCDEF");
                if (k == 0 || k > 4 || (digits[k] != '\0' && digits[k] != ' '))
                        return false;
                char word[5];
                memcpy(word, digits, k);
                word[k] = '\0';
                *ret = (uint32_t) strtoul(word, NULL, 16);
                return true;
        }
        return false;
}

static void parse_id(const char *value, struct input_block *b) {
        b->has_id = id_field(value, "Bus", &b->bus) && id_field(value, "Vendor", &b->vendor) &&
                    id_field(value, "Product", &b->product) && id_field(value, "Version", &b->version);
}

/* `Name="Logitech USB Receiver"`: the kernel adds the quotes and escapes nothing inside. */
static void parse_name(const char *value, struct input_block *b) {
        size_t n = strlen(value);
        if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
                strscpyl(b->name, sizeof(b->name), value + 1, n - 2);
        else
                strscpy(b->name, sizeof(b->name), value);
}

static void copy_field(const char *value, const char *key, char *buf, size_t size) {
        if (startswith(value, key))
                strscpy(buf, size, value + strlen(key));
}

static void parse_line(char *line, struct input_block *b) {
        if (line[0] == '\0' || line[1] != ':' || line[2] != ' ')
                return;
        const char *value = strstrip(line + 3);
        switch (line[0]) {
        case 'I':
                parse_id(value, b);
                break;
        case 'N':
                if (startswith(value, "Name="))
                        parse_name(value + strlen("Name="), b);
                break;
        case 'P':
                copy_field(value, "Phys=", b->phys, sizeof(b->phys));
                break;
        case 'S':
                copy_field(value, "Sysfs=", b->sysfs, sizeof(b->sysfs));
                break;
        case 'U':
                copy_field(value, "Uniq=", b->uniq, sizeof(b->uniq));
                break;
        case 'H':
                copy_field(value, "Handlers=", b->handlers, sizeof(b->handlers));
                break;
        }
}

static int emit_block(struct tt_probe_ctx *ctx, struct input_block *b) {
        int e = 0;
        const char *id = b->sysfs[0] ? b->sysfs : b->name;
        if (id[0]) {
                char subject[600], bus[8];
                snprintf(subject, sizeof(subject), "input:%s", id);
                struct tt_observation o;
                tt_obs_init(&o, "input_device", subject);
                if (b->has_id) {
                        tt_obs_add_str(&o, "bus", bus_word(b->bus, bus, sizeof(bus)));
                        tt_obs_add_hex(&o, "vendor", b->vendor);
                        tt_obs_add_hex(&o, "product", b->product);
                        tt_obs_add_hex(&o, "version", b->version);
                }
                if (b->name[0])
                        tt_obs_add_str(&o, "name", b->name);
                if (b->phys[0])
                        tt_obs_add_str(&o, "phys", b->phys);
                if (b->sysfs[0]) {
                        tt_obs_add_str(&o, "sysfs", b->sysfs);
                        tt_obs_add_bool(&o, "virtual", startswith(b->sysfs, "/devices/virtual/"));
                }
                if (b->uniq[0])
                        tt_obs_add_str(&o, "uniq", b->uniq);
                if (b->handlers[0])
                        tt_obs_add_str(&o, "handlers", b->handlers);
                e = tt_emit(ctx, &o);
        }
        *b = (struct input_block){};
        return e;
}

static int input_scan(struct tt_probe_ctx *ctx) {
        _cleanup_free_ char *text = NULL;
        int e = tt_root_read_file(ctx->root, DEVICES_FILE, DEVICES_MAX, &text, NULL);
        if (e < 0)
                return e == -ENOENT ? 0 : e;
        struct input_block b = {};
        for (char *line = text, *next; line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (*strstrip(line) == '\0') {
                        e = emit_block(ctx, &b);
                        if (e < 0)
                                return e;
                } else
                        parse_line(line, &b);
        }
        return emit_block(ctx, &b);
}

const struct tt_probe tt_probe_input = {
        .name = "input",
        .default_enabled = true,
        .scan = input_scan,
        .udev_subsystems = (const char *const[]){ "input", NULL },
};
