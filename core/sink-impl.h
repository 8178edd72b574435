/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by the sink implementations (core/sink-*.c); not for callers. */

#include "buf.h"
#include "format-syslog.h"
#include "sink.h"

struct tt_sink_ops {
        /* Reads the output config; allocates s->data. */
        int (*init)(struct tt_sink *s, const struct tt_output_config *o);
        int (*start)(struct tt_sink *s);
        int (*send)(struct tt_sink *s, const struct tt_finding *f);
        bool (*idle)(struct tt_sink *s);
        void (*status)(struct tt_sink *s, char *buf, size_t size);
        void (*done)(struct tt_sink *s);
};

struct tt_sink {
        const struct tt_sink_ops *ops;
        char name[300]; /* "remote tls://siem:6514", for messages */
        enum tt_output_type type;
        enum tt_output_format format;
        uint64_t heartbeat_usec;
        struct tt_sink_env env; /* host and state_dir owned */
        struct tt_syslog_opts syslog;
        struct tt_buf buf; /* the message being formatted */
        void *data;
};

extern const struct tt_sink_ops tt_sink_stdout_ops;
extern const struct tt_sink_ops tt_sink_journal_ops;
extern const struct tt_sink_ops tt_sink_syslog_ops;
extern const struct tt_sink_ops tt_sink_remote_ops;

_printf_(3, 4) void tt_sink_report(const struct tt_sink *s, enum tt_sink_level level, const char *fmt, ...);
