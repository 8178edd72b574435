/* SPDX-License-Identifier: MIT */
#include "edid.h"

#include <errno.h>
#include <string.h>

#include "util.h"

#define DESCRIPTORS_OFFSET 54
#define DESCRIPTOR_SIZE 18
#define DESCRIPTOR_COUNT 4
#define DESCRIPTOR_TEXT_OFFSET 5
#define DESCRIPTOR_TEXT_SIZE 13
#define TAG_SERIAL_STRING 0xFF
#define TAG_TEXT 0xFE
#define TAG_NAME 0xFC

#define EXTENSION_COUNT_OFFSET 126
#define EXTENSION_TAG_CTA 0x02
#define CTA_DATA_BLOCKS_OFFSET 4
#define CTA_DATA_BLOCK_VENDOR 3
#define HDMI_OUI 0x000C03

static const uint8_t edid_header[8] = { 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00 };

static bool block_checksum_ok(const uint8_t *block) {
        uint8_t sum = 0;
        for (size_t i = 0; i < EDID_BLOCK_SIZE; i++)
                sum += block[i];
        return sum == 0;
}

static void descriptor_string(const uint8_t *text, char ret[static EDID_STRING_MAX]) {
        size_t n = 0;
        while (n < DESCRIPTOR_TEXT_SIZE && text[n] != 0x0A) {
                ret[n] = text[n] >= 0x20 && text[n] < 0x7F ? (char) text[n] : '?';
                n++;
        }
        while (n > 0 && ret[n - 1] == ' ')
                n--;
        ret[n] = '\0';
}

static void parse_descriptors(const uint8_t *base, struct edid_info *e) {
        bool seen_name = false, seen_serial = false, seen_text = false;

        for (size_t i = 0; i < DESCRIPTOR_COUNT; i++) {
                const uint8_t *d = base + DESCRIPTORS_OFFSET + i * DESCRIPTOR_SIZE;
                /* A pixel clock other than 0 makes it a detailed timing. */
                if (d[0] != 0 || d[1] != 0)
                        continue;
                const uint8_t *text = d + DESCRIPTOR_TEXT_OFFSET;
                if (d[3] == TAG_NAME && !seen_name) {
                        descriptor_string(text, e->name);
                        seen_name = true;
                } else if (d[3] == TAG_SERIAL_STRING && !seen_serial) {
                        descriptor_string(text, e->serial_string);
                        seen_serial = true;
                } else if (d[3] == TAG_TEXT && !seen_text) {
                        descriptor_string(text, e->text);
                        seen_text = true;
                }
        }
}

static void parse_base(const uint8_t *b, struct edid_info *e) {
        /* Three 5-bit letters, 1 = 'A', big-endian in bytes 8-9. */
        uint16_t packed = (uint16_t) (b[8] << 8 | b[9]);
        for (size_t i = 0; i < 3; i++) {
                unsigned letter = (packed >> (10 - 5 * i)) & 0x1F;
                e->vendor[i] = letter >= 1 && letter <= 26 ? (char) ('A' + letter - 1) : '?';
        }
        e->vendor[3] = '\0';
        e->product = (uint16_t) (b[10] | b[11] << 8);
        e->serial = (uint32_t) b[12] | (uint32_t) b[13] << 8 | (uint32_t) b[14] << 16 | (uint32_t) b[15] << 24;
        e->week = b[16];
        e->year = (uint16_t) (1990 + b[17]);
        e->version = b[18];
        e->revision = b[19];
        e->width_cm = b[21];
        e->height_cm = b[22];
        e->extensions_declared = b[EXTENSION_COUNT_OFFSET];
        parse_descriptors(b, e);
}

static void parse_cta(const uint8_t *block, struct edid_info *e) {
        /* Data blocks run from byte 4 to the first DTD; an offset of 0 means
         * neither, anything past the checksum byte is out of bounds. */
        uint8_t dtd_offset = block[2];
        e->n_cta++;
        if (dtd_offset == 0)
                return;
        if (dtd_offset < CTA_DATA_BLOCKS_OFFSET || dtd_offset >= EDID_BLOCK_SIZE) {
                e->cta_malformed = true;
                return;
        }
        size_t i = CTA_DATA_BLOCKS_OFFSET;
        while (i < dtd_offset) {
                uint8_t tag = block[i] >> 5, payload = block[i] & 0x1F;
                if (payload > dtd_offset - i - 1) {
                        e->cta_malformed = true;
                        return;
                }
                const uint8_t *p = block + i + 1;
                if (tag == CTA_DATA_BLOCK_VENDOR && payload >= 3 &&
                    (uint32_t) (p[0] | p[1] << 8 | p[2] << 16) == HDMI_OUI)
                        e->hdmi_vsdb = true;
                e->n_cta_data_blocks++;
                i += 1 + (size_t) payload;
        }
}

int edid_parse(const uint8_t *buf, size_t len, struct edid_info *ret) {
        if (len < EDID_BLOCK_SIZE || memcmp(buf, edid_header, sizeof(edid_header)) != 0)
                return -EBADMSG;

        struct edid_info e = {};
        parse_base(buf, &e);
        e.extensions_present = (unsigned) MIN(len / EDID_BLOCK_SIZE - 1, (size_t) EDID_BLOCKS_MAX - 1);

        unsigned n_blocks = 1 + MIN(e.extensions_declared, e.extensions_present);
        e.checksum_ok = true;
        for (unsigned i = 0; i < n_blocks; i++) {
                const uint8_t *block = buf + (size_t) i * EDID_BLOCK_SIZE;
                e.block_checksum_ok[i] = block_checksum_ok(block);
                e.checksum_ok = e.checksum_ok && e.block_checksum_ok[i];
                if (i > 0 && block[0] == EXTENSION_TAG_CTA)
                        parse_cta(block, &e);
        }
        *ret = e;
        return 0;
}
