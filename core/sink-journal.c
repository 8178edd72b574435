/* SPDX-License-Identifier: MIT */
/* The systemd journal: MESSAGE per the output format, MESSAGE_ID per rule
 * (so `journalctl MESSAGE_ID=...` finds every event of a rule), and the
 * finding's fields as TELLTALE_* fields. */
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <systemd/sd-journal.h>

#include "format.h"
#include "sink-impl.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define N_FIELDS 18

struct journal_sink {
        bool down; /* reported; said again when it comes back */
};

static int journal_init(struct tt_sink *s, const struct tt_output_config *o) {
        s->data = calloc(1, sizeof(struct journal_sink));
        return s->data ? 0 : -ENOMEM;
}

/* sd_journal_send() reports success when journald is missing (the message
 * is just gone), so the socket is tried directly: at start-up, to say so, and
 * while it is missing, to notice when it is back. */
static int journal_probe(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return 0;
}

static int journal_start(struct tt_sink *s) {
        struct journal_sink *d = s->data;
        int r = journal_probe();
        d->down = r < 0;
        if (r < 0)
                tt_sink_report(s, TT_SINK_ERROR,
                               "cannot connect to the journal at " JOURNAL_SOCKET ": %s (is systemd-journald "
                               "running?); findings do not reach the journal, the other outputs go on",
                               strerror(-r));
        return r;
}

static void field(struct tt_buf *b, size_t *offsets, size_t *n, const char *name, const char *value) {
        offsets[(*n)++] = b->len;
        tt_buf_printf(b, "%s=", name);
        tt_buf_text(b, value ? value : "", NULL);
        tt_buf_append(b, "", 1); /* the NUL ends this field in the buffer */
}

static int journal_send(struct tt_sink *s, const struct tt_finding *f) {
        struct journal_sink *d = s->data;
        struct tt_buf *b = &s->buf;
        if (d->down) {
                int r = journal_probe();
                if (r < 0)
                        return r;
                tt_sink_report(s, TT_SINK_INFO, "the journal is reachable again");
                d->down = false;
        }
        size_t offsets[N_FIELDS], n = 0;
        char num[32], t[32], message_id[33];
        tt_buf_reset(b);

        offsets[n++] = b->len;
        tt_buf_puts(b, "MESSAGE=");
        if (s->format == TT_FORMAT_JSON)
                tt_format_finding_json(b, f, s->env.host);
        else if (s->format == TT_FORMAT_CEF)
                tt_format_cef(b, f, s->env.host);
        else
                tt_format_text_line(b, f);
        tt_buf_append(b, "", 1);
        tt_journal_message_id(f->rule->id, message_id);
        field(b, offsets, &n, "MESSAGE_ID", message_id);
        snprintf(num, sizeof(num), "%d", tt_syslog_severity(f->severity));
        field(b, offsets, &n, "PRIORITY", num);
        snprintf(num, sizeof(num), "%d", TT_SYSLOG_FACILITY);
        field(b, offsets, &n, "SYSLOG_FACILITY", num);
        field(b, offsets, &n, "SYSLOG_IDENTIFIER", "telltale");
        field(b, offsets, &n, "TELLTALE_ID", f->id);
        field(b, offsets, &n, "TELLTALE_EVENT", tt_event_to_string(f->event));
        field(b, offsets, &n, "TELLTALE_RULE", f->rule->id);
        field(b, offsets, &n, "TELLTALE_CATEGORY", tt_category_to_string(f->category));
        field(b, offsets, &n, "TELLTALE_SEVERITY", tt_severity_to_string(f->severity));
        snprintf(num, sizeof(num), "%u", f->confidence);
        field(b, offsets, &n, "TELLTALE_CONFIDENCE", num);
        field(b, offsets, &n, "TELLTALE_TECHNIQUE", f->rule->technique);
        field(b, offsets, &n, "TELLTALE_PRODUCT", f->rule->product);
        field(b, offsets, &n, "TELLTALE_SUBJECT", f->subject);
        field(b, offsets, &n, "TELLTALE_SUMMARY", f->summary);
        tt_format_time(f->first_seen, t);
        field(b, offsets, &n, "TELLTALE_FIRST_SEEN", t);
        field(b, offsets, &n, "TELLTALE_HOST", s->env.host);
        if (f->n_evidence > 0) {
                offsets[n++] = b->len;
                tt_buf_puts(b, "TELLTALE_EVIDENCE=");
                tt_format_evidence_text(b, &f->evidence[0]);
                tt_buf_append(b, "", 1);
        }
        if (b->oom)
                return -ENOMEM;

        struct iovec iov[N_FIELDS];
        for (size_t i = 0; i < n; i++) {
                size_t end = i + 1 < n ? offsets[i + 1] - 1 : b->len - 1;
                iov[i] = (struct iovec){ b->data + offsets[i], end - offsets[i] };
        }
        int r = sd_journal_sendv(iov, (int) n);
        if (r < 0) {
                tt_sink_report(s, TT_SINK_ERROR, "cannot write to the journal: %s", strerror(-r));
                d->down = true;
                return r;
        }
        return 0;
}

static void journal_status(struct tt_sink *s, char *buf, size_t size) {
        const struct journal_sink *d = s->data;
        strscpy(buf, size, d->down ? "unreachable" : "ok");
}

static void journal_done(struct tt_sink *s) {
        free(s->data);
}

const struct tt_sink_ops tt_sink_journal_ops = {
        .init = journal_init,
        .start = journal_start,
        .send = journal_send,
        .status = journal_status,
        .done = journal_done,
};
