/* SPDX-License-Identifier: MIT */
#pragma once

/* RTT physics: a session's round trip cannot be shorter than light in fibre
 * allows between the two ends, and a direct path is not much longer. An RTT
 * far above what the peer's claimed location explains means the session is
 * relayed (a VPN exit or a jump host near the laptop, the person far away).
 * Model and thresholds: docs/rtt-physics.md. */

#include <stdbool.h>
#include <stdint.h>

struct tt_config;

#define TT_RTT_FIBRE_KM_PER_MS 200.0 /* light in glass, n ≈ 1.5 */
#define TT_RTT_PATH_STRETCH 2.0      /* real routes against the great circle */
#define TT_RTT_SLACK_MS 40.0         /* access links at both ends, endpoint scheduling */
#define TT_RTT_LOCATION_RADIUS_KM 50.0 /* around an explicitly configured location */

struct tt_place {
        double latitude, longitude;
        double radius_km; /* how far from the point the place extends */
};

/* A country's rough centre and the radius of its main territory, by ISO
 * 3166-1 alpha-2 code (either case). -ENOENT for a code not in the table. */
int tt_country_place(const char *code, struct tt_place *ret);
/* Great-circle distance (haversine, mean earth radius). */
double tt_distance_km(const struct tt_place *a, const struct tt_place *b);
/* Light in fibre between the nearest points of a and b, there and back. */
double tt_rtt_floor_ms(const struct tt_place *a, const struct tt_place *b);
/* The largest RTT a direct path between any points of a and b explains. */
double tt_rtt_ceiling_ms(const struct tt_place *a, const struct tt_place *b);

struct tt_rtt_verdict {
        bool relayed;
        double ceiling_ms;  /* the most generous over the laptop's expected places */
        double floor_ms;
        double distance_km; /* centre to centre, for the nearest expected place */
};

/* Judges an RTT to a peer geolocated to peer_country against where config says
 * the laptop is (network.expected_location, else network.expected_countries).
 * -ENOENT when either end has no known place. */
int tt_rtt_judge(const struct tt_config *cfg, const char *peer_country, double rtt_ms, struct tt_rtt_verdict *ret);

/* The round trip a TCP handshake shows, from the SYN to the ACK that
 * completes it: seen at either end or in between it spans one full round
 * trip. For the capture path (probes/flow.h keeps the three times).
 * -EINVAL when a time is missing or they are out of order. */
int tt_rtt_handshake(uint64_t syn_usec, uint64_t synack_usec, uint64_t ack_usec, uint32_t *ret_usec);

/* The smallest RTT the kernel measured (tcp_info min_rtt, through sock_diag)
 * on established TCP connections to addr (4 or 16 bytes, network order), any
 * port; IPv4 peers are also looked for as v4-mapped on IPv6 sockets.
 * -ENOENT when there is no such connection. */
int tt_rtt_tcp_peer(int family, const uint8_t *addr, uint32_t *ret_usec);
