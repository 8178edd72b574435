/* SPDX-License-Identifier: MIT */
#pragma once

/* RFB (VNC) ProtocolVersion, RFC 6143 7.1.1: "RFB 003.008\n", exactly 12
 * bytes, sent first by the server and answered in kind by the client.
 * Besides 003.003, 003.007 and 003.008, vendors send their own numbers
 * (Apple's 003.889, RealVNC's 004.001, 005.000), so any three digits are
 * taken. Pure: no I/O, no allocation. */

#include <stddef.h>
#include <stdint.h>

#define RFB_VERSION_LEN 12

struct rfb_msg {
        unsigned major, minor;
        char version[8]; /* "003.008" */
};

/* 0; -EAGAIN when fewer than 12 bytes are there and they begin the pattern;
 * -ENOMSG unless the input starts "RFB "; -EBADMSG when it does but the rest
 * is not "ddd.ddd\n". */
int rfb_parse(const uint8_t *buf, size_t len, struct rfb_msg *ret);
