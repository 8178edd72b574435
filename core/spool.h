/* SPDX-License-Identifier: MIT */
#pragma once

/* A bounded on-disk queue in front of a remote sink: messages wait here until
 * the collector has them, across collector outages and daemon restarts.
 *
 * The queue is a directory of segment files of checksummed records, in
 * sequence order, and a small state file with the commit point. Records are
 * read in order from a cursor; the sink commits what the collector
 * acknowledged, and rewinds to the commit point when a connection is lost.
 * When the size cap is reached, the oldest records of the lowest severity go
 * first (info before low before medium ...), and are counted. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

/* Largest message a record holds. */
#define TT_SPOOL_RECORD_MAX (64 * 1024)

struct tt_spool;

struct tt_spool_record {
        uint64_t seq;
        enum tt_severity severity;
        const char *data; /* valid until the next tt_spool_read() */
        size_t len;
};

struct tt_spool_stats {
        uint64_t dropped[_TT_SEVERITY_MAX]; /* to stay under the cap, since the last tt_spool_reset_dropped() */
        uint64_t corrupt;                   /* damaged regions skipped */
        uint64_t pending;                   /* records not committed */
        uint64_t size;                      /* bytes on disk */
};

/* Creates the directory (and its parents) when missing; recovers what is
 * there: a torn record at a file's end is cut off, a damaged one is skipped. */
int tt_spool_open(const char *dir, uint64_t max_size, struct tt_spool **ret);
void tt_spool_free(struct tt_spool *s);

/* Appends a record; may drop older ones (or this one, when everything queued
 * is more severe) to stay under the cap. -E2BIG for a message larger than
 * TT_SPOOL_RECORD_MAX or than the cap allows. */
int tt_spool_append(struct tt_spool *s, enum tt_severity severity, const void *data, size_t len);
/* Makes appended records and the commit point durable. */
int tt_spool_sync(struct tt_spool *s);

/* The next record after the cursor: 1 and *ret, 0 when there is none. */
int tt_spool_read(struct tt_spool *s, struct tt_spool_record *ret);
/* Moves the cursor back to the first record not committed. */
void tt_spool_rewind(struct tt_spool *s);
/* Moves the cursor so that the next record read is the first one not
 * committed whose sequence number is at least seq (one that was read but
 * could not be sent). */
void tt_spool_seek(struct tt_spool *s, uint64_t seq);
/* Every record up to and including seq was delivered. */
int tt_spool_commit(struct tt_spool *s, uint64_t seq);

void tt_spool_get_stats(struct tt_spool *s, struct tt_spool_stats *ret);
/* After the counts were reported. */
void tt_spool_reset_dropped(struct tt_spool *s);
