/* SPDX-License-Identifier: MIT */
#include "dnssd.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#define SERVICES_META "_services._dns-sd._udp."
#define SUBTYPE_LABEL "_sub."

/* The first dot that separates labels, or NULL: escaped dots (\.) are inside a label. */
static const char *label_end(const char *name) {
        for (const char *p = name; *p; p++) {
                if (*p == '\\') {
                        if (p[1] == 0)
                                return NULL;
                        p++;
                } else if (*p == '.')
                        return p;
        }
        return NULL;
}

/* "_pikvm._tcp.local": an underscore label, then _tcp or _udp, then the domain. */
static bool is_service_type(const char *name) {
        const char *dot = label_end(name);

        if (name[0] != '_' || !dot)
                return false;
        return strncasecmp(dot + 1, "_tcp.", 5) == 0 || strncasecmp(dot + 1, "_udp.", 5) == 0;
}

/* The service type a PTR owner name browses: the name itself, or the parent
 * of a subtype ("_printer._sub._http._tcp.local" -> "_http._tcp.local"). */
static const char *ptr_service_type(const char *name) {
        if (is_service_type(name))
                return name;
        const char *dot = label_end(name);
        if (name[0] != '_' || !dot || strncasecmp(dot + 1, SUBTYPE_LABEL, strlen(SUBTYPE_LABEL)) != 0)
                return NULL;
        const char *parent = dot + 1 + strlen(SUBTYPE_LABEL);
        return is_service_type(parent) ? parent : NULL;
}

/* dst = at most the first n characters of src. */
static void name_copy(char dst[static DNS_NAME_MAX], const char *src, size_t n) {
        n = strnlen(src, n < DNS_NAME_MAX ? n : DNS_NAME_MAX - 1);
        memcpy(dst, src, n);
        dst[n] = 0;
}

static struct dnssd_service *service_new(struct dnssd_msg *v, const char *type) {
        if (v->n_services >= DNSSD_SERVICES_MAX) {
                v->services_truncated = true;
                return NULL;
        }
        struct dnssd_service *s = &v->services[v->n_services++];
        name_copy(s->type, type, DNS_NAME_MAX);
        return s;
}

static struct dnssd_service *service_by_name(struct dnssd_msg *v, const char *name) {
        for (size_t i = 0; i < v->n_services; i++)
                if (v->services[i].name[0] && strcasecmp(v->services[i].name, name) == 0)
                        return &v->services[i];
        return NULL;
}

static void service_of_type(struct dnssd_msg *v, const char *type, bool truncated) {
        for (size_t i = 0; i < v->n_services; i++)
                if (strcasecmp(v->services[i].type, type) == 0)
                        return;
        struct dnssd_service *s = service_new(v, type);
        if (s)
                s->truncated = truncated;
}

/* The service named name (instance = its first instance_len characters),
 * taking over an entry that so far only knew the type. */
static struct dnssd_service *service_of_instance(struct dnssd_msg *v, const char *type, const char *name,
                                                 size_t instance_len) {
        struct dnssd_service *s = service_by_name(v, name);
        if (s)
                return s;
        for (size_t i = 0; i < v->n_services && !s; i++)
                if (v->services[i].name[0] == 0 && strcasecmp(v->services[i].type, type) == 0)
                        s = &v->services[i];
        if (!s)
                s = service_new(v, type);
        if (!s)
                return NULL;
        name_copy(s->name, name, DNS_NAME_MAX);
        name_copy(s->instance, name, instance_len);
        return s;
}

static void ptr_add(struct dnssd_msg *v, const struct dns_record *r) {
        if (strncasecmp(r->name, SERVICES_META, strlen(SERVICES_META)) == 0) {
                if (is_service_type(r->target))
                        service_of_type(v, r->target, r->target_truncated);
                return;
        }
        const char *type = ptr_service_type(r->name);
        if (!type)
                return;
        /* A cut target keeps its instance label, which is what matters; an intact one must name this type. */
        const char *dot = label_end(r->target);
        if (!r->target_truncated && (!dot || strcasecmp(dot + 1, type) != 0))
                return;
        size_t instance_len = dot ? (size_t) (dot - r->target) : DNS_NAME_MAX;
        struct dnssd_service *s = service_of_instance(v, type, r->target, instance_len);
        if (s)
                s->truncated |= r->name_truncated || r->target_truncated;
}

/* SRV and TXT records are owned by the instance name. */
static struct dnssd_service *service_of_record(struct dnssd_msg *v, const struct dns_record *r) {
        struct dnssd_service *s = service_by_name(v, r->name);
        if (s)
                return s;
        if (r->name_truncated) {
                v->services_truncated = true;
                return NULL;
        }
        const char *dot = label_end(r->name);
        if (!dot || !is_service_type(dot + 1))
                return NULL;
        return service_of_instance(v, dot + 1, r->name, (size_t) (dot - r->name));
}

static void host_add(struct dnssd_msg *v, const struct dns_record *r) {
        size_t n = r->type == DNS_TYPE_A ? 4 : 16;

        for (size_t i = 0; i < v->n_hosts; i++) {
                const struct dnssd_host *h = &v->hosts[i];
                if (h->family == r->family && memcmp(h->addr, r->addr, n) == 0 && strcasecmp(h->name, r->name) == 0)
                        return;
        }
        if (v->n_hosts >= DNSSD_HOSTS_MAX) {
                v->hosts_truncated = true;
                return;
        }
        struct dnssd_host *h = &v->hosts[v->n_hosts++];
        name_copy(h->name, r->name, DNS_NAME_MAX);
        h->name_truncated = r->name_truncated;
        h->family = r->family;
        memcpy(h->addr, r->addr, n);
}

int dnssd_parse(const struct dns_msg *m, struct dnssd_msg *ret) {
        *ret = (struct dnssd_msg){};

        /* PTRs first: they say which names are instances, even when those names were cut. */
        for (size_t i = 0; i < m->n_records; i++)
                if (m->records[i].type == DNS_TYPE_PTR && m->records[i].rdlength > 0)
                        ptr_add(ret, &m->records[i]);

        for (size_t i = 0; i < m->n_records; i++) {
                const struct dns_record *r = &m->records[i];
                struct dnssd_service *s;

                if (r->rdlength == 0)
                        continue;
                switch (r->type) {
                case DNS_TYPE_SRV:
                        s = service_of_record(ret, r);
                        if (s && !s->has_srv) {
                                s->has_srv = true;
                                name_copy(s->host, r->target, DNS_NAME_MAX);
                                s->port = r->port;
                                s->truncated |= r->target_truncated;
                        }
                        break;
                case DNS_TYPE_TXT:
                        s = service_of_record(ret, r);
                        if (s && !s->has_txt) {
                                s->has_txt = true;
                                memcpy(s->txt, r->txt, sizeof(s->txt));
                                s->n_txt = r->n_txt;
                                s->txt_truncated = r->txt_truncated;
                        }
                        break;
                case DNS_TYPE_A:
                case DNS_TYPE_AAAA:
                        host_add(ret, r);
                        break;
                }
        }
        return ret->n_services + ret->n_hosts > 0 ? 0 : -ENOMSG;
}
