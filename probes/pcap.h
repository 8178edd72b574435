/* SPDX-License-Identifier: MIT */
#pragma once

/* The passive network probe: frames from a live capture or a file, through
 * the flow table, to the protocol parsers, to observations. The same code
 * serves `telltale pcap FILE` and the daemon's live capture. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "flow.h"
#include "probe.h"

struct tt_netprobe;

struct tt_netprobe_config {
        /* Addresses that count as local; none: private, link-local, ULA and
         * loopback ranges (pcap files) */
        const struct tt_cidr *local;
        size_t n_local;
        struct tt_flow_limits flows;
};

int tt_netprobe_new(struct tt_probe_ctx *ctx, const struct tt_netprobe_config *cfg, struct tt_netprobe **ret);
void tt_netprobe_free(struct tt_netprobe *np);
/* Replaces the local ranges (the host's addresses changed). */
int tt_netprobe_set_local(struct tt_netprobe *np, const struct tt_cidr *local, size_t n);

/* One frame with its capture time. Malformed frames are counted, never fatal. */
int tt_netprobe_frame(struct tt_netprobe *np, int linktype, const uint8_t *data, size_t caplen, usec_t ts);
/* Reads a pcap or pcapng file to the end. A truncated or corrupt file is an
 * error with a message in err (what was read before still counts). */
int tt_netprobe_read_file(struct tt_netprobe *np, const char *path, char *err, size_t err_size);

struct tt_netprobe_stats {
        uint64_t frames, decoded, malformed, observations;
        struct tt_flow_stats flows;
};
void tt_netprobe_stats(const struct tt_netprobe *np, struct tt_netprobe_stats *ret);
/* How often a flow that gave observations and still carries traffic says
 * so through tt_still_seen(). */
#define TT_NETPROBE_REFRESH_USEC (60 * 1000000ULL)
/* The capture time of the frame being handled (for findings' times). */
usec_t tt_netprobe_clock(void *np);

/* The kernel filter for live capture: only what the parsers need, so bulk
 * data costs nothing (see the comment in pcap.c). */
extern const char tt_netprobe_bpf[];
/* tt_netprobe_bpf compiled for p's link type; on Ethernet it also looks
 * behind an 802.1Q tag the NIC left in the frame; on Linux cooked v2 it can
 * leave loopback out. 0, -ENOMEM, or -EINVAL (pcap_geterr(p) says why). */
struct pcap;
struct bpf_program;
int tt_netprobe_filter_compile(struct pcap *p, bool skip_loopback, struct bpf_program *ret);

/* Live capture (pcap-live.c): a handle per interface named, or one on
 * Linux's "any" device when ifaces is NULL or names "any" (every interface,
 * also those that come up later, loopback only when it is named too), each
 * with tt_netprobe_filter_compile()'s kernel filter, non-blocking, in
 * immediate mode. Interfaces that cannot be opened are named in err; it is an
 * error only when none can. Needs CAP_NET_RAW. */
struct tt_netprobe_live;
int tt_netprobe_live_open(struct tt_netprobe *np, const char *const *ifaces, struct tt_netprobe_live **ret,
                          char *err, size_t err_size);
/* The fds to wait on for reading; returns how many handles there are. */
size_t tt_netprobe_live_fds(const struct tt_netprobe_live *l, int *fds, size_t max);
/* Reads what is waiting on fd into the probe (at most a batch). Returns the
 * frames read; -ENETDOWN when the interface went away. */
int tt_netprobe_live_dispatch(struct tt_netprobe_live *l, int fd);
/* Packets the kernel dropped for want of room in the rings, since opening. */
uint64_t tt_netprobe_live_drops(const struct tt_netprobe_live *l);
void tt_netprobe_live_free(struct tt_netprobe_live *l);

