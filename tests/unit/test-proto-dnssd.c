/* SPDX-License-Identifier: MIT */
/* The DNS-SD view: real announcements from tests/fuzz/corpus/dns/, and
 * hand-built messages for merging, limits and cut names. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dnssd.h"
#include "proto-corpus.h"
#include "util.h"

static struct dns_msg msg;
static struct dnssd_msg sd;

static void parse_file(const char *name) {
        size_t len;
        uint8_t *buf = corpus_load("dns", name, &len);
        assert_int_equal(dns_parse(buf, len, &msg), 0);
        free(buf);
}

static struct dns_record *record_add(uint16_t type, const char *name, const char *target) {
        assert_true(msg.n_records < DNS_RECORDS_MAX);
        struct dns_record *r = &msg.records[msg.n_records++];
        *r = (struct dns_record){ .type = type, .class = DNS_CLASS_IN, .rdlength = 1 };
        strscpy(r->name, sizeof(r->name), name);
        if (target)
                strscpy(r->target, sizeof(r->target), target);
        return r;
}

static void srv_add(const char *name, const char *host, uint16_t port) {
        record_add(DNS_TYPE_SRV, name, host)->port = port;
}

static void test_pikvm(void **state) {
        parse_file("mdns-pikvm-announce");
        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(sd.n_services, 1);
        const struct dnssd_service *s = &sd.services[0];
        assert_string_equal(s->type, "_pikvm._tcp.local");
        assert_string_equal(s->instance, "pikvm");
        assert_string_equal(s->name, "pikvm._pikvm._tcp.local");
        assert_true(s->has_srv);
        assert_string_equal(s->host, "pikvm.local");
        assert_int_equal(s->port, 443);
        assert_true(s->has_txt);
        assert_int_equal(s->n_txt, 2);
        assert_string_equal(s->txt, "description=PiKVM Web Server");
        assert_string_equal(dns_txt_next(s->txt), "path=/");
        assert_false(s->truncated);

        char a[INET6_ADDRSTRLEN];
        assert_int_equal(sd.n_hosts, 2);
        assert_string_equal(sd.hosts[0].name, "pikvm.local");
        assert_int_equal(sd.hosts[0].family, AF_INET);
        assert_string_equal(inet_ntop(AF_INET, sd.hosts[0].addr, a, sizeof(a)), "192.168.1.50");
        assert_int_equal(sd.hosts[1].family, AF_INET6);
        assert_string_equal(inet_ntop(AF_INET6, sd.hosts[1].addr, a, sizeof(a)), "fe80::ba27:ebff:fe12:3456");
}

static void test_subtype_and_escapes(void **state) {
        /* the SRV comes after the subtype PTR; the instance label holds an escaped dot and backslash */
        parse_file("mdns-subtype-escapes");
        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(sd.n_services, 1);
        assert_string_equal(sd.services[0].type, "_http._tcp.local");
        assert_string_equal(sd.services[0].instance, "B\\195\\188ro\\.Drucker 2\\\\");
        assert_int_equal(sd.services[0].port, 631);
        assert_string_equal(sd.services[0].host, "printer.local");
        assert_false(sd.services[0].has_txt);
        assert_int_equal(sd.n_hosts, 0);
}

static void test_other_messages(void **state) {
        /* a browser's known answer names an instance; its question names none */
        parse_file("mdns-query-qu");
        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(sd.n_services, 1);
        assert_string_equal(sd.services[0].instance, "other");
        assert_false(sd.services[0].has_srv);

        /* unicast DNS: addresses only */
        parse_file("dns-anydesk-cname-a");
        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(sd.n_services, 0);
        assert_int_equal(sd.n_hosts, 1);
        assert_string_equal(sd.hosts[0].name, "relay-eu-1.net.anydesk.com");

        /* an UPDATE deleting an address (empty rdata) says nothing */
        parse_file("dns-update-delete");
        assert_int_equal(dnssd_parse(&msg, &sd), -ENOMSG);
}

static void test_merging(void **state) {
        msg = (struct dns_msg){};
        /* the type listed first, then its instance: one entry */
        record_add(DNS_TYPE_PTR, "_services._dns-sd._udp.local", "_ipp._tcp.local");
        record_add(DNS_TYPE_PTR, "_services._dns-sd._udp.local", "_ssh._tcp.local");
        record_add(DNS_TYPE_PTR, "_services._dns-sd._udp.local", "_ssh._tcp.local");
        record_add(DNS_TYPE_PTR, "_ipp._tcp.local", "Office._ipp._tcp.local");
        /* not DNS-SD: a meta PTR to a non-type, an instance of another type, a reverse-map PTR */
        record_add(DNS_TYPE_PTR, "_services._dns-sd._udp.local", "printer.local");
        record_add(DNS_TYPE_PTR, "_ipp._tcp.local", "Office._ftp._tcp.local");
        record_add(DNS_TYPE_PTR, "_ipp._tcp.local", "nodot");
        record_add(DNS_TYPE_PTR, "5.1.168.192.in-addr.arpa", "office.local");
        /* SRV and TXT for a known instance, case-insensitively; the first of each counts */
        srv_add("office._IPP._tcp.local", "office.local", 631);
        srv_add("Office._ipp._tcp.local", "elsewhere.local", 1);
        struct dns_record *t = record_add(DNS_TYPE_TXT, "Office._ipp._tcp.local", NULL);
        memcpy(t->txt, "rp=ipp\0ty=Laser", 16);
        t->n_txt = 2;
        record_add(DNS_TYPE_TXT, "Office._ipp._tcp.local", NULL)->n_txt = 0;
        /* an SRV alone makes an instance; a unicast SRV (no instance label) does not */
        srv_add("a\\.b._ssh._tcp.local", "ab.local", 22);
        srv_add("_ldap._tcp.example.com", "dc.example.com", 389);
        record_add(DNS_TYPE_TXT, "plain.example.com", NULL);
        /* addresses: one repeated, AAAA, and an empty one skipped */
        for (int i = 0; i < 2; i++) {
                struct dns_record *r = record_add(DNS_TYPE_A, "office.local", NULL);
                r->family = AF_INET;
                memcpy(r->addr, "\xc0\xa8\x01\x05", 4);
        }
        record_add(DNS_TYPE_AAAA, "office.local", NULL)->family = AF_INET6;
        struct dns_record *same_addr = record_add(DNS_TYPE_A, "alias.local", NULL);
        same_addr->family = AF_INET;
        memcpy(same_addr->addr, "\xc0\xa8\x01\x05", 4);
        record_add(DNS_TYPE_A, "gone.local", NULL)->rdlength = 0;

        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(sd.n_services, 2);
        const struct dnssd_service *ipp = &sd.services[0], *ssh = &sd.services[1];
        assert_string_equal(ipp->type, "_ipp._tcp.local");
        assert_string_equal(ipp->instance, "Office");
        assert_string_equal(ipp->host, "office.local");
        assert_int_equal(ipp->port, 631);
        assert_int_equal(ipp->n_txt, 2);
        assert_string_equal(dns_txt_next(ipp->txt), "ty=Laser");
        assert_string_equal(ssh->type, "_ssh._tcp.local");
        assert_string_equal(ssh->instance, "a\\.b");
        assert_string_equal(ssh->name, "a\\.b._ssh._tcp.local");
        assert_int_equal(ssh->port, 22);
        assert_int_equal(sd.n_hosts, 3);
        assert_string_equal(sd.hosts[2].name, "alias.local");
        assert_false(sd.services_truncated);
        assert_false(sd.hosts_truncated);

        /* a type listed but no instance yet: an entry with the type alone */
        msg = (struct dns_msg){};
        record_add(DNS_TYPE_PTR, "_services._dns-sd._udp.local", "_pikvm._tcp.local");
        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(sd.n_services, 1);
        assert_string_equal(sd.services[0].type, "_pikvm._tcp.local");
        assert_string_equal(sd.services[0].name, "");

        /* a name ending in a lone backslash (not dns_parse output) is no instance */
        msg = (struct dns_msg){};
        srv_add("x\\", "h.local", 1);
        record_add(DNS_TYPE_PTR, "_x\\", "y");
        assert_int_equal(dnssd_parse(&msg, &sd), -ENOMSG);
}

static void test_limits(void **state) {
        char name[64];

        msg = (struct dns_msg){};
        for (int i = 0; i < DNSSD_SERVICES_MAX + 4; i++) {
                snprintf(name, sizeof(name), "i%d._http._tcp.local", i);
                srv_add(name, "h.local", 80);
                struct dns_record *r = record_add(DNS_TYPE_A, "h.local", NULL);
                r->family = AF_INET;
                r->addr[3] = (uint8_t) i;
        }
        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(sd.n_services, DNSSD_SERVICES_MAX);
        assert_true(sd.services_truncated);
        assert_string_equal(sd.services[DNSSD_SERVICES_MAX - 1].instance, "i15");
        assert_int_equal(sd.n_hosts, DNSSD_HOSTS_MAX);
        assert_true(sd.hosts_truncated);

        /* a type-only entry past the limit is dropped too */
        msg = (struct dns_msg){};
        for (int i = 0; i < DNSSD_SERVICES_MAX + 1; i++) {
                snprintf(name, sizeof(name), "_t%d._tcp.local", i);
                record_add(DNS_TYPE_PTR, "_services._dns-sd._udp.local", name);
        }
        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(sd.n_services, DNSSD_SERVICES_MAX);
        assert_true(sd.services_truncated);
}

/* An instance name too long for its text: the PTR still gives the type and
 * the (whole) instance label, and an SRV with the same cut name finds it. */
static void test_cut_names(void **state) {
        char cut[DNS_NAME_MAX];

        memset(cut, 'x', 200);
        strcpy(cut + 200, "._pikvm._tcp.lo");
        msg = (struct dns_msg){};
        struct dns_record *p = record_add(DNS_TYPE_PTR, "_pikvm._tcp.local", cut);
        p->target_truncated = true;
        struct dns_record *s = record_add(DNS_TYPE_SRV, cut, "kvm.local");
        s->name_truncated = true;
        s->port = 443;
        /* a cut SRV name no PTR announced cannot be placed */
        record_add(DNS_TYPE_SRV, "zz._other._tcp.lo", "a.local")->name_truncated = true;
        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(sd.n_services, 1);
        assert_true(sd.services[0].truncated);
        assert_string_equal(sd.services[0].type, "_pikvm._tcp.local");
        assert_int_equal(strlen(sd.services[0].instance), 200);
        assert_int_equal(sd.services[0].port, 443);
        assert_true(sd.services_truncated);

        /* a cut target without any dot: all of it is the instance */
        msg = (struct dns_msg){};
        memset(cut, 'y', DNS_NAME_MAX - 1);
        cut[DNS_NAME_MAX - 1] = 0;
        record_add(DNS_TYPE_PTR, "_pikvm._tcp.local", cut)->target_truncated = true;
        assert_int_equal(dnssd_parse(&msg, &sd), 0);
        assert_int_equal(strlen(sd.services[0].instance), DNS_NAME_MAX - 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pikvm),        cmocka_unit_test(test_subtype_and_escapes),
                cmocka_unit_test(test_other_messages), cmocka_unit_test(test_merging),
                cmocka_unit_test(test_limits),       cmocka_unit_test(test_cut_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
