/* SPDX-License-Identifier: MIT */
#pragma once

/* NoMachine's greeting on TCP 4000: the client opens with "NXSH-x.y.z\n",
 * the server answers "NXD-x.y.z\n" (the exchange nmap's NoMachine probe
 * makes). Pure: no I/O, no allocation. */

#include <stddef.h>
#include <stdint.h>

#define NOMACHINE_VERSION_MAX 32

enum nomachine_side {
        NOMACHINE_CLIENT, /* NXSH- */
        NOMACHINE_SERVER, /* NXD- */
};

struct nomachine_msg {
        enum nomachine_side side;
        char version[NOMACHINE_VERSION_MAX]; /* digits and dots: "8.4.2" */
        char banner[NOMACHINE_VERSION_MAX + 8]; /* the line without its end: "NXD-8.4.2" */
};

/* 0; -EAGAIN while what is there begins a greeting without its line end;
 * -ENOMSG unless the input starts "NXSH-" or "NXD-"; -EBADMSG when the version
 * is empty, longer than NOMACHINE_VERSION_MAX - 1, or not digits and dots, or
 * the line does not end in LF (CR LF taken too). */
int nomachine_parse(const uint8_t *buf, size_t len, struct nomachine_msg *ret);
