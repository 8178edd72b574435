/* SPDX-License-Identifier: MIT */
/* The local syslog socket (/dev/log, or the output's target): one datagram
 * per event in the local convention, "<PRI>TIMESTAMP telltale[PID]: MSG". */
#include <sys/socket.h>
#include <sys/un.h>

#include "sink-impl.h"

#define DEFAULT_SOCKET "/dev/log"

struct syslog_sink {
        char path[sizeof(((struct sockaddr_un *) NULL)->sun_path)];
        int fd;
        bool down;
};

static int syslog_init(struct tt_sink *s, const struct tt_output_config *o) {
        struct syslog_sink *d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->fd = -1;
        s->data = d;
        if (strscpy(d->path, sizeof(d->path), o->target ? o->target : DEFAULT_SOCKET))
                return -ENAMETOOLONG;
        if (!o->target)
                snprintf(s->name, sizeof(s->name), "syslog %s", DEFAULT_SOCKET);
        return 0;
}

static int syslog_connect(struct tt_sink *s) {
        struct syslog_sink *d = s->data;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        memcpy(sa.sun_path, d->path, sizeof(sa.sun_path));
        if (d->fd < 0 && (d->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
                return -errno;
        if (connect(d->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int e = -errno;
                close(d->fd);
                d->fd = -1;
                return e;
        }
        return 0;
}

static int syslog_start(struct tt_sink *s) {
        struct syslog_sink *d = s->data;
        int r = syslog_connect(s);
        if (r < 0) {
                d->down = true;
                tt_sink_report(s, TT_SINK_ERROR,
                               "cannot connect to the syslog socket %s: %s (is a syslog daemon running?); "
                               "findings do not reach local syslog, the other outputs go on",
                               d->path, strerror(-r));
        }
        return r;
}

static int syslog_send(struct tt_sink *s, const struct tt_finding *f) {
        struct syslog_sink *d = s->data;
        tt_buf_reset(&s->buf);
        tt_format_syslog_local(&s->buf, f, &s->syslog, s->format);
        if (s->buf.oom)
                return -ENOMEM;
        int r = 0;
        /* The syslog daemon may have been restarted: reconnect once. */
        for (int attempt = 0; attempt < 2; attempt++) {
                if (d->fd < 0 && (r = syslog_connect(s)) < 0)
                        break;
                if (send(d->fd, s->buf.data, s->buf.len, MSG_NOSIGNAL) >= 0) {
                        r = 0;
                        break;
                }
                r = -errno;
                close(d->fd);
                d->fd = -1;
        }
        if (r < 0 && !d->down)
                tt_sink_report(s, TT_SINK_ERROR, "cannot send to %s: %s", d->path, strerror(-r));
        else if (r == 0 && d->down)
                tt_sink_report(s, TT_SINK_INFO, "%s is reachable again", d->path);
        d->down = r < 0;
        return r;
}

static void syslog_status(struct tt_sink *s, char *buf, size_t size) {
        const struct syslog_sink *d = s->data;
        strscpy(buf, size, d->down ? "unreachable" : "ok");
}

static void syslog_done(struct tt_sink *s) {
        struct syslog_sink *d = s->data;
        if (d && d->fd >= 0)
                close(d->fd);
        free(d);
}

const struct tt_sink_ops tt_sink_syslog_ops = {
        .init = syslog_init,
        .start = syslog_start,
        .send = syslog_send,
        .status = syslog_status,
        .done = syslog_done,
};
