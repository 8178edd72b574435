/* SPDX-License-Identifier: MIT */
#pragma once

/* Where findings go: one sink per configured output (stdout, the journal,
 * local syslog, a remote collector). A sink formats and delivers; a remote
 * sink puts every message into its disk spool first and sends from there,
 * so nothing is lost while the collector is away.
 *
 * Sinks never print: what the daemon should tell a person (a sink that
 * can't start, a connection lost or back) comes through the report
 * callback. Remote sinks run on the caller's sd-event loop. */

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "finding.h"

typedef struct sd_event sd_event;

enum tt_sink_level {
        TT_SINK_INFO,
        TT_SINK_WARNING,
        TT_SINK_ERROR,
};

struct tt_sink;

typedef void (*tt_sink_report_t)(void *userdata, const struct tt_sink *s, enum tt_sink_level level, const char *msg);

struct tt_sink_env {
        sd_event *event;
        const char *host;      /* HOSTNAME and the "host" of findings */
        const char *state_dir; /* a remote sink's spool lives below it unless configured */
        tt_sink_report_t report;
        void *userdata;
};

int tt_sink_new(const struct tt_output_config *o, const struct tt_sink_env *env, struct tt_sink **ret);
/* Opens what the sink needs. A sink that can't start says why through the
 * report callback and returns the error; the caller keeps the others going
 * (a remote sink keeps spooling and retrying). */
int tt_sink_start(struct tt_sink *s);
/* Delivers, or queues for delivery. */
int tt_sink_send(struct tt_sink *s, const struct tt_finding *f);
/* Nothing waits to be delivered (or nothing can be, right now). */
bool tt_sink_idle(struct tt_sink *s);
/* One line for status and heartbeat text: "connected, 0 queued". */
void tt_sink_status(struct tt_sink *s, char *buf, size_t size);
void tt_sink_free(struct tt_sink *s);

const char *tt_sink_name(const struct tt_sink *s);
bool tt_sink_remote(const struct tt_sink *s);
/* 0: no heartbeat. */
uint64_t tt_sink_heartbeat_usec(const struct tt_sink *s);

/* MESSAGE_ID of a rule's journal entries: 128 bits derived from the rule id,
 * the same on every host and in every version. */
void tt_journal_message_id(const char *rule, char ret[static 33]);
