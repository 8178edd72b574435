/* SPDX-License-Identifier: MIT */
/* A DNS or mDNS message, then its DNS-SD view (also of a partial parse). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dnssd.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_txt(const char *txt, size_t n_txt) {
        const char *s = txt;
        for (size_t i = 0; i < n_txt; i++) {
                if (s >= txt + DNS_TXT_MAX)
                        abort();
                check_text(s, (size_t) (txt + DNS_TXT_MAX - s), NULL);
                s = dns_txt_next(s);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static struct dns_msg m;
        static struct dnssd_msg sd;

        int r = dns_parse(data, size, &m);
        if (r != 0 && r != -EBADMSG && r != -ENOMSG)
                abort();
        if (m.n_questions > DNS_QUESTIONS_MAX || m.n_records > DNS_RECORDS_MAX)
                abort();
        for (size_t i = 0; i < m.n_questions; i++)
                check_text(m.questions[i].name, DNS_NAME_MAX, ".");
        for (size_t i = 0; i < m.n_records; i++) {
                const struct dns_record *rec = &m.records[i];
                check_text(rec->name, DNS_NAME_MAX, ".");
                switch (rec->type) {
                case DNS_TYPE_CNAME:
                case DNS_TYPE_PTR:
                case DNS_TYPE_NS:
                case DNS_TYPE_SRV:
                        check_text(rec->target, DNS_NAME_MAX, ".");
                        break;
                case DNS_TYPE_TXT:
                        check_txt(rec->txt, rec->n_txt);
                        break;
                }
        }

        r = dnssd_parse(&m, &sd);
        if (r != 0 && r != -ENOMSG)
                abort();
        if (sd.n_services > DNSSD_SERVICES_MAX || sd.n_hosts > DNSSD_HOSTS_MAX)
                abort();
        for (size_t i = 0; i < sd.n_services; i++) {
                const struct dnssd_service *s = &sd.services[i];
                check_text(s->name, DNS_NAME_MAX, ".");
                check_text(s->instance, DNS_NAME_MAX, ".");
                check_text(s->type, DNS_NAME_MAX, ".");
                check_text(s->host, DNS_NAME_MAX, ".");
                check_txt(s->txt, s->n_txt);
        }
        for (size_t i = 0; i < sd.n_hosts; i++)
                check_text(sd.hosts[i].name, DNS_NAME_MAX, ".");
        return 0;
}
