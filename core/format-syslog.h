/* SPDX-License-Identifier: MIT */
#pragma once

/* What a finding looks like on the wire: RFC 5424 syslog with structured
 * data, the local /dev/log convention, ArcSight CEF, and the one-line text
 * form. Every value is escaped for the format it lands in. */

#include <sys/types.h>

#include "buf.h"
#include "config.h"
#include "finding.h"

#define TT_SYSLOG_SD_ID_DEFAULT "telltale@32473"
/* Security messages go to authpriv (RFC 5424 facility 10). */
#define TT_SYSLOG_FACILITY 10

struct tt_syslog_opts {
        const char *host; /* HOSTNAME; sanitized to printable ASCII */
        const char *app;  /* APP-NAME */
        pid_t pid;
        const char *sd_id; /* NULL: TT_SYSLOG_SD_ID_DEFAULT */
};

/* "name@enterprise-number", at most 32 printable ASCII characters without
 * '=', ' ', ']' or '"' (RFC 5424 §6.3.2). */
bool tt_syslog_sd_id_valid(const char *s);
/* RFC 5424 severity: critical 2, high 3, medium 4, low 5, info 6. */
int tt_syslog_severity(enum tt_severity s);
/* CEF severity 0-10. */
int tt_cef_severity(enum tt_severity s);

/* "new high kvm.pikvm.usb: summary [id 9f1c0a2b3c4d]" */
void tt_format_text_line(struct tt_buf *b, const struct tt_finding *f);
/* CEF:0|telltale|telltale|VERSION|rule|product|severity|extension */
void tt_format_cef(struct tt_buf *b, const struct tt_finding *f, const char *host);
/* A whole RFC 5424 message, no framing, no newline. The format decides MSG:
 * rfc5424 puts the finding into structured data and the summary into MSG;
 * text, json and cef leave structured data empty ("-"). */
void tt_format_rfc5424(struct tt_buf *b, const struct tt_finding *f, const struct tt_syslog_opts *o,
                       enum tt_output_format format);
/* The local socket's convention: "<PRI>Mmm dd hh:mm:ss app[pid]: MSG" (RFC 3164
 * header), MSG as in tt_format_rfc5424() with structured data leading MSG. */
void tt_format_syslog_local(struct tt_buf *b, const struct tt_finding *f, const struct tt_syslog_opts *o,
                            enum tt_output_format format);
/* One line for a terminal or a pipe (no newline): text gets a timestamp. */
void tt_format_line(struct tt_buf *b, const struct tt_finding *f, const struct tt_syslog_opts *o,
                    enum tt_output_format format);
