/* SPDX-License-Identifier: MIT */
#pragma once

/* EDID parser (VESA E-EDID 1.4, CTA-861 extensions): what the "monitor" on
 * a video output says it is. An IP-KVM's HDMI capture side presents an EDID
 * of its own making, so its identity shows up here. Pure: no allocation,
 * no I/O. Nothing in the EDID is trusted: a bad checksum is reported, never
 * a reason to drop what the block says. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDID_BLOCK_SIZE 128
/* The base block and at most 255 extensions (the count is one byte). */
#define EDID_BLOCKS_MAX 256
/* A display descriptor holds 13 bytes of text. */
#define EDID_STRING_MAX 14

struct edid_info {
        char vendor[4];           /* PNP id, e.g. "LNX"; '?' for a letter out of range */
        uint16_t product;
        uint32_t serial;
        uint8_t week;             /* 0: not given; 0xFF: year is the model year */
        uint16_t year;            /* 1990 + byte 17 */
        uint8_t version, revision;
        uint8_t width_cm, height_cm;  /* 0 when not given (projectors; 1.4 aspect ratio) */
        /* Display descriptors (the first of each tag): 0xFC, 0xFF, 0xFE.
         * Cut at the 0x0A terminator, trailing spaces stripped, bytes
         * outside printable ASCII replaced with '?'. */
        char name[EDID_STRING_MAX];
        char serial_string[EDID_STRING_MAX];
        char text[EDID_STRING_MAX];
        unsigned extensions_declared;     /* byte 126 */
        unsigned extensions_present;      /* whole 128-byte blocks after the base */
        /* Per block present (up to 1 + the declared count), and all of them. */
        bool block_checksum_ok[EDID_BLOCKS_MAX];
        bool checksum_ok;
        unsigned n_cta;                   /* CTA-861 extension blocks (tag 0x02) */
        unsigned n_cta_data_blocks;
        bool cta_malformed;               /* a data block overran its collection or a bad DTD offset */
        bool hdmi_vsdb;                   /* vendor-specific data block with the HDMI Licensing OUI 00-0C-03 */
};

/* Returns 0, or -EBADMSG when buf is shorter than one block or the base
 * block lacks the 00 FF FF FF FF FF FF 00 header. Extension blocks are
 * read up to the declared count; a partial trailing block is ignored. */
int edid_parse(const uint8_t *buf, size_t len, struct edid_info *ret);
