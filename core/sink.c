/* SPDX-License-Identifier: MIT */
#include "sink.h"

#include <stdarg.h>

#include "digest.h"
#include "sink-impl.h"

static const struct tt_sink_ops *const sink_ops[_TT_OUTPUT_TYPE_MAX] = {
        [TT_OUTPUT_STDOUT] = &tt_sink_stdout_ops,
        [TT_OUTPUT_JOURNAL] = &tt_sink_journal_ops,
        [TT_OUTPUT_SYSLOG] = &tt_sink_syslog_ops,
        [TT_OUTPUT_REMOTE] = &tt_sink_remote_ops,
};

static const char *const type_names[_TT_OUTPUT_TYPE_MAX] = {
        [TT_OUTPUT_STDOUT] = "stdout",
        [TT_OUTPUT_JOURNAL] = "journal",
        [TT_OUTPUT_SYSLOG] = "syslog",
        [TT_OUTPUT_REMOTE] = "remote",
};

void tt_sink_report(const struct tt_sink *s, enum tt_sink_level level, const char *fmt, ...) {
        if (!s->env.report)
                return;
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        s->env.report(s->env.userdata, s, level, msg);
}

void tt_sink_free(struct tt_sink *s) {
        if (!s)
                return;
        if (s->ops && s->ops->done)
                s->ops->done(s);
        free((char *) s->env.host);
        free((char *) s->env.state_dir);
        free((char *) s->syslog.sd_id);
        tt_buf_free(&s->buf);
        free(s);
}

int tt_sink_new(const struct tt_output_config *o, const struct tt_sink_env *env, struct tt_sink **ret) {
        if (o->type >= _TT_OUTPUT_TYPE_MAX)
                return -EINVAL;
        struct tt_sink *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->ops = sink_ops[o->type];
        s->type = o->type;
        s->format = o->format;
        s->heartbeat_usec = o->type == TT_OUTPUT_REMOTE ? o->heartbeat_usec : 0;
        s->env = *env;
        s->env.host = strdup(env->host ? env->host : "unknown");
        s->env.state_dir = strdup(env->state_dir ? env->state_dir : "/var/lib/telltale");
        s->syslog = (struct tt_syslog_opts){
                .host = s->env.host,
                .app = "telltale",
                .pid = getpid(),
                .sd_id = o->sd_id ? strdup(o->sd_id) : NULL,
        };
        int r = -ENOMEM;
        if (!s->env.host || !s->env.state_dir || (o->sd_id && !s->syslog.sd_id))
                goto fail;
        snprintf(s->name, sizeof(s->name), "%s%s%s", type_names[o->type], o->target ? " " : "",
                 o->target ? o->target : "");
        if ((r = s->ops->init(s, o)) < 0)
                goto fail;
        *ret = s;
        return 0;
fail:
        tt_sink_free(s);
        return r;
}

int tt_sink_start(struct tt_sink *s) {
        return s->ops->start ? s->ops->start(s) : 0;
}

int tt_sink_send(struct tt_sink *s, const struct tt_finding *f) {
        return s->ops->send(s, f);
}

bool tt_sink_idle(struct tt_sink *s) {
        return s->ops->idle ? s->ops->idle(s) : true;
}

void tt_sink_status(struct tt_sink *s, char *buf, size_t size) {
        if (s->ops->status)
                s->ops->status(s, buf, size);
        else
                strscpy(buf, size, "ok");
}

const char *tt_sink_name(const struct tt_sink *s) {
        return s->name;
}

bool tt_sink_remote(const struct tt_sink *s) {
        return s->type == TT_OUTPUT_REMOTE;
}

uint64_t tt_sink_heartbeat_usec(const struct tt_sink *s) {
        return s->heartbeat_usec;
}

void tt_journal_message_id(const char *rule, char ret[static 33]) {
        static const char domain[] = "telltale journal MESSAGE_ID";
        uint8_t md[TT_SHA256_BYTES];
        struct tt_sha256 s;
        tt_sha256_init(&s);
        /* The NUL after the domain keeps it apart from the rule id. */
        tt_sha256_update(&s, domain, sizeof(domain));
        tt_sha256_update(&s, rule, strlen(rule));
        tt_sha256_final(&s, md);
        tt_hex(md, 16, ret);
}
