/* SPDX-License-Identifier: MIT */
#pragma once

/* TeamViewer's own framing on TCP and UDP 5938. There is no public spec; this
 * is what IDS rules and open DPI engines key on: a 5-byte header, the magic
 * 0x17 0x24, a command byte and a little-endian 16-bit payload length. The
 * keep-alive a client sends its master server is 17 24 1b 00 00 (command 27,
 * no payload, ET Open's "TeamViewer Keep-alive"); CMD_IDENTIFY (10) carries
 * 32 bytes (nmap's and libprotoident's 37-byte match). Pure: no I/O, no
 * allocation. */

#include <stddef.h>
#include <stdint.h>

#define TEAMVIEWER_HEADER_LEN 5
#define TEAMVIEWER_CMD_IDENTIFY 10
#define TEAMVIEWER_CMD_KEEPALIVE_BEEP 27

struct teamviewer_msg {
        uint8_t command;
        uint16_t length; /* payload bytes announced after the header */
};

/* 0; -EAGAIN for fewer than 5 bytes that begin with the magic; -ENOMSG
 * otherwise. The payload itself is neither needed nor checked: in a TCP
 * stream it may not have arrived, and its contents are not public. */
int teamviewer_parse(const uint8_t *buf, size_t len, struct teamviewer_msg *ret);
