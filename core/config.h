/* SPDX-License-Identifier: MIT */
#pragma once

/* /etc/telltale/telltale.yaml. Every key has a default, so an empty file is a
 * valid config; an unknown key or a wrong type is an error naming
 * file:line:col. */

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "cidr.h"
#include "error.h"
#include "yaml-node.h"

struct tt_allow {
        char *rule;                 /* NULL: any rule */
        struct tt_kind_match match; /* kind NULL: any observation */
        char *reason;
        char *source; /* file:line */
};

enum tt_output_type {
        TT_OUTPUT_STDOUT,
        TT_OUTPUT_JOURNAL,
        TT_OUTPUT_SYSLOG,
        TT_OUTPUT_REMOTE,
        _TT_OUTPUT_TYPE_MAX,
};

enum tt_output_format {
        TT_FORMAT_TEXT,
        TT_FORMAT_JSON,
        TT_FORMAT_RFC5424,
        TT_FORMAT_CEF,
        _TT_FORMAT_MAX,
};

const char *tt_output_format_to_string(enum tt_output_format f);
int tt_output_format_from_string(const char *s, enum tt_output_format *ret);

struct tt_output_config {
        enum tt_output_type type;
        enum tt_output_format format;
        char *target; /* remote: udp:// tcp:// tls:// relp://host:port; syslog: socket path */
        char *tls_ca, *tls_cert, *tls_key;
        char *spool_path;
        uint64_t spool_max;
        uint64_t heartbeat_usec;
        char *sd_id;
        const struct tt_yaml_node *node;
};

/* A remote output's target, scheme://host[:port] ([v6] in brackets). */
enum tt_remote_proto {
        TT_REMOTE_UDP,
        TT_REMOTE_TCP,
        TT_REMOTE_TLS,
        TT_REMOTE_RELP,
};

struct tt_remote_target {
        enum tt_remote_proto proto;
        char host[256];
        char port[8];
};

/* -EPROTONOSUPPORT for another scheme, -EINVAL for a bad host or port; the
 * port defaults by scheme. */
int tt_remote_target_parse(const char *target, struct tt_remote_target *ret);

struct tt_probe_config {
        const char *name;
        bool enabled;
        uint64_t interval_usec; /* 0: the probe's default */
        const struct tt_yaml_node *node; /* the whole entry, for probe options */
};

struct tt_cidr_list {
        size_t n;
        struct tt_cidr *items;
};

struct tt_strv {
        size_t n;
        char **items;
};

struct tt_config {
        char *path; /* NULL: built-in defaults */
        char *host_id; /* "auto" resolved by the caller */
        char *state_dir;
        enum tt_severity min_severity;
        uint64_t ongoing_interval_usec; /* report.ongoing_interval: re-send of a finding that stays */
        struct {
                uint64_t events; /* per rule and interval; 0: unlimited */
                uint64_t interval_usec;
        } rate_limit; /* report.rate_limit */
        size_t n_probes;
        struct tt_probe_config *probes;
        size_t n_allow;
        struct tt_allow *allow;
        struct {
                struct tt_cidr_list local;
                struct tt_cidr_list management;
                struct tt_strv expected_countries;
                struct tt_strv vpn_interfaces;
                struct tt_cidr_list vpn_cidrs;
                char *geoip_db;
                /* Where the laptop should be, for RTT physics (else the expected countries). */
                struct {
                        bool set;
                        double latitude, longitude;
                } expected_location;
        } network;
        char *fleet_secret_file;
        size_t n_outputs;
        struct tt_output_config *outputs;
        struct tt_yaml_doc doc; /* kept: probe option nodes point into it */
};

int tt_config_load(const char *path, struct tt_config *ret, struct tt_error *err);
void tt_config_free(struct tt_config *c);
const struct tt_probe_config *tt_config_probe(const struct tt_config *c, const char *name);
/* Whether an interface is the corporate VPN (network.corporate_vpn.interfaces, globs). */
bool tt_config_corporate_link(const struct tt_config *c, const char *ifname);
