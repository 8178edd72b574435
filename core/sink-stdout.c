/* SPDX-License-Identifier: MIT */
/* One line per event on standard output, for the foreground and for pipes. */
#include "sink-impl.h"

struct stdout_sink {
        bool failed; /* reported once */
};

static int stdout_init(struct tt_sink *s, const struct tt_output_config *o) {
        s->data = calloc(1, sizeof(struct stdout_sink));
        return s->data ? 0 : -ENOMEM;
}

static int stdout_send(struct tt_sink *s, const struct tt_finding *f) {
        struct stdout_sink *d = s->data;
        tt_buf_reset(&s->buf);
        tt_format_line(&s->buf, f, &s->syslog, s->format);
        tt_buf_puts(&s->buf, "\n");
        if (s->buf.oom)
                return -ENOMEM;
        for (size_t done = 0; done < s->buf.len;) {
                ssize_t k = write(STDOUT_FILENO, s->buf.data + done, s->buf.len - done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int e = -errno;
                        if (!d->failed)
                                tt_sink_report(s, TT_SINK_ERROR, "cannot write: %s", strerror(-e));
                        d->failed = true;
                        return e;
                }
                done += (size_t) k;
        }
        d->failed = false;
        return 0;
}

static void stdout_done(struct tt_sink *s) {
        free(s->data);
}

const struct tt_sink_ops tt_sink_stdout_ops = {
        .init = stdout_init,
        .send = stdout_send,
        .done = stdout_done,
};
