/* SPDX-License-Identifier: MIT */
#pragma once

/* The DNS-SD view (RFC 6763) of a parsed mDNS or DNS message: which services
 * it announces (type, instance, host:port, TXT) and which host addresses.
 * Names are the escaped text dns_parse() produced. Pure: no I/O, no allocation. */

#include "dns.h"

#define DNSSD_SERVICES_MAX 16
#define DNSSD_HOSTS_MAX 16

struct dnssd_service {
        char name[DNS_NAME_MAX];     /* "PiKVM._pikvm._tcp.local"; "" when only the type was listed */
        char instance[DNS_NAME_MAX]; /* "PiKVM" */
        char type[DNS_NAME_MAX];     /* "_pikvm._tcp.local" */
        bool truncated;              /* one of the names was cut (see dns.h) */
        bool has_srv;
        char host[DNS_NAME_MAX]; /* SRV target */
        uint16_t port;
        bool has_txt;
        char txt[DNS_TXT_MAX]; /* as in struct dns_record: n_txt strings back to back */
        size_t n_txt;
        bool txt_truncated;
};

struct dnssd_host {
        char name[DNS_NAME_MAX];
        bool name_truncated;
        int family;
        uint8_t addr[16];
};

struct dnssd_msg {
        size_t n_services;
        bool services_truncated; /* more than DNSSD_SERVICES_MAX, or a record whose cut name could not be placed */
        struct dnssd_service services[DNSSD_SERVICES_MAX];
        size_t n_hosts;
        bool hosts_truncated;
        struct dnssd_host hosts[DNSSD_HOSTS_MAX];
};

/* 0, or -ENOMSG when the message holds no service and no address. Records
 * from every section count: an mDNS announcement puts SRV, TXT and addresses
 * in the answers or the additionals. */
int dnssd_parse(const struct dns_msg *m, struct dnssd_msg *ret);
