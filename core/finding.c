/* SPDX-License-Identifier: MIT */
#include "finding.h"


#include "digest.h"
#include "util.h"

const char *tt_event_to_string(enum tt_event e) {
        switch (e) {
        case TT_EVENT_NEW:
                return "new";
        case TT_EVENT_ONGOING:
                return "ongoing";
        case TT_EVENT_CLEARED:
                return "cleared";
        }
        return "?";
}

int tt_evidence_copy(struct tt_evidence *e, const char *probe, const struct tt_observation *o) {
        *e = (struct tt_evidence){ .count = 1 };
        e->probe = strdup(probe);
        e->kind = strdup(o->kind);
        e->subject = strdup(o->subject ? o->subject : "");
        e->attrs = calloc(o->n_attrs ? o->n_attrs : 1, sizeof(struct tt_attr));
        if (!e->probe || !e->kind || !e->subject || !e->attrs)
                goto oom;
        for (size_t i = 0; i < o->n_attrs; i++) {
                struct tt_attr *a = &e->attrs[i];
                *a = o->attrs[i];
                a->key = strdup(o->attrs[i].key);
                a->str = NULL;
                e->n_attrs++;
                if (!a->key)
                        goto oom;
                if (o->attrs[i].type == TT_VALUE_STR && !(a->str = strdup(o->attrs[i].str)))
                        goto oom;
        }
        return 0;
oom:
        tt_evidence_free(e);
        return -ENOMEM;
}

void tt_evidence_free(struct tt_evidence *e) {
        for (size_t i = 0; i < e->n_attrs; i++) {
                free((char *) e->attrs[i].key);
                free((char *) e->attrs[i].str);
        }
        free(e->attrs);
        free(e->probe);
        free(e->kind);
        free(e->subject);
        *e = (struct tt_evidence){};
}

void tt_finding_free(struct tt_finding *f) {
        for (size_t i = 0; i < f->n_evidence; i++)
                tt_evidence_free(&f->evidence[i]);
        for (size_t i = 0; i < f->n_reasons; i++)
                free(f->reasons[i].detail);
        free(f->subject);
        free(f->summary);
        *f = (struct tt_finding){};
}

void tt_finding_id(const char *host, const char *rule, const char *subject, char ret[static 33]) {
        uint8_t md[TT_SHA256_BYTES];
        struct tt_sha256 s;
        tt_sha256_init(&s);
        /* NUL separators keep ("ab","c") and ("a","bc") apart. */
        tt_sha256_update(&s, host, strlen(host) + 1);
        tt_sha256_update(&s, rule, strlen(rule) + 1);
        tt_sha256_update(&s, subject, strlen(subject) + 1);
        tt_sha256_final(&s, md);
        tt_hex(md, 16, ret);
}
