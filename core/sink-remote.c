/* SPDX-License-Identifier: MIT */
/* A remote collector: UDP (RFC 5426), TCP with octet counting (RFC 6587),
 * TLS (RFC 5425; OpenSSL, the server verified against the configured CA and
 * name, an optional client certificate) or RELP (librelp).
 *
 * Every message goes into the disk spool first; the sender drains the spool
 * in order and commits what the collector has:
 *  - RELP: librelp keeps each frame it wrote until the collector answers and
 *    sends it again after a reconnect. A session lasts while there is
 *    something to send and closes when the spool is drained; the collector's
 *    answer to "close" comes after its answers to every frame, so a clean
 *    close commits everything sent in the session. Exactly once, unless a
 *    session breaks while closing (then the frames of that session since the
 *    last commit are sent again).
 *  - TCP and TLS: a message is committed once the collector's TCP stack has
 *    acknowledged every byte of it (SIOCOUTQ) and a moment has passed; after
 *    a lost connection the rest is sent again: at least once.
 *  - UDP: committed when the kernel took the datagram.
 * librelp's calls block (bounded by RELP_TIMEOUT_SEC); TCP, TLS and UDP run
 * non-blocking on the event loop. librelp is loaded when a RELP output starts:
 * it brings GnuTLS, whose start-up alone would cost an idle daemon without
 * RELP over 2 MB. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
/* librelp.h uses size_t without including what defines it. */
#include <librelp.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "sink-impl.h"
#include "spool.h"

#define USEC_PER_SEC 1000000ULL
#define USEC_PER_MSEC 1000ULL
#define BACKOFF_MIN_USEC (1 * USEC_PER_SEC)
#define BACKOFF_MAX_USEC (60 * USEC_PER_SEC)
#define ACK_POLL_USEC (50 * 1000ULL)
/* A collector that stops may leave what its kernel acknowledged unread: a
 * record counts as delivered only after it has also been there this long. */
#define ACK_HOLD_USEC (1 * USEC_PER_SEC)
#define CONNECT_TIMEOUT_USEC (10 * USEC_PER_SEC)
/* How often a name lookup on the helper thread is looked at. */
#define RESOLVE_POLL_USEC (20 * USEC_PER_MSEC)
/* Records sent per turn of the event loop, so a long backlog does not
 * starve hotplug events. */
#define BURST 256
#define RELP_TIMEOUT_SEC 5
#define RELP_WINDOW 128
#define UDP_MAX 65000

enum conn {
        CONN_DOWN,
        CONN_RESOLVING,
        CONN_CONNECTING,
        CONN_HANDSHAKE,
        CONN_UP,
};

struct inflight {
        uint64_t seq;
        uint64_t end; /* bytes on the socket up to the end of this record */
        usec_t sent;  /* CLOCK_MONOTONIC */
};

struct remote {
        struct tt_remote_target target;
        char spool_dir[4096];
        uint64_t spool_max;
        char *tls_ca, *tls_cert, *tls_key;
        bool tls;            /* TLS (tls://, or relp:// with a tls: section) */
        bool transport_ok;   /* false: the TLS setup failed; spool only */
        struct tt_spool *spool;
        bool spool_dirty;
        sd_event_source *kick, *retry, *io, *ack, *timeout, *resolve;
        /* The collector's address, looked up on glibc's helper thread
         * (getaddrinfo_a) so that a resolver that does not answer holds up
         * nothing; again after every failure, so DNS changes are followed. */
        struct gaicb gai;
        struct addrinfo gai_hints;
        bool resolved;
        struct sockaddr_storage addr;
        socklen_t addr_len;
        char addr_text[INET6_ADDRSTRLEN];
        enum conn conn;
        int fd;
        SSL_CTX *ctx;
        SSL *ssl;
        struct tt_buf out; /* the framed record being written */
        size_t out_off;
        uint64_t out_seq;
        bool out_pending;
        uint64_t sock_bytes; /* TCP: bytes the kernel took on this connection */
        size_t n_inflight, cap_inflight;
        struct inflight *inflight;
        usec_t backoff;
        bool down_reported;
        char error[512];
        relpEngine_t *relp;
        relpClt_t *relp_clt;
        bool relp_broken;
        bool relp_failed; /* librelp reported an error since it was cleared */
        /* The collector answered a plain TCP connect since the last failure.
         * librelp connects blocking (up to RELP_TIMEOUT_SEC): the loop first
         * finds out without blocking, so a collector that drops packets
         * cannot hold up detection. */
        bool relp_reachable;
        uint64_t relp_last_sent;
};

static void remote_kick(struct tt_sink *s);
static void pump(struct tt_sink *s);

/* The spool directory: configured, or one per target below state_dir. */
static void spool_dir_pick(struct tt_sink *s, struct remote *r, const struct tt_output_config *o) {
        if (o->spool_path) {
                strscpy(r->spool_dir, sizeof(r->spool_dir), o->spool_path);
                return;
        }
        char name[300];
        size_t i = 0;
        for (const char *p = o->target; *p && i + 1 < sizeof(name); p++)
                name[i++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                                            *p == '.' || *p == '-'
                                    ? *p
                                    : '_';
        name[i] = '\0';
        snprintf(r->spool_dir, sizeof(r->spool_dir), "%s/spool/%s", s->env.state_dir, name);
}

static int remote_init(struct tt_sink *s, const struct tt_output_config *o) {
        struct remote *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        s->data = r;
        r->fd = -1;
        if (tt_remote_target_parse(o->target, &r->target) < 0) {
                tt_sink_report(s, TT_SINK_ERROR, "bad target \"%s\" (like tls://siem.example.net:6514)", o->target);
                return -EINVAL;
        }
        r->tls = r->target.proto == TT_REMOTE_TLS || (r->target.proto == TT_REMOTE_RELP && (o->tls_ca || o->tls_cert));
        if ((o->tls_ca && !(r->tls_ca = strdup(o->tls_ca))) || (o->tls_cert && !(r->tls_cert = strdup(o->tls_cert))) ||
            (o->tls_key && !(r->tls_key = strdup(o->tls_key))))
                return -ENOMEM;
        r->spool_max = o->spool_max;
        spool_dir_pick(s, r, o);
        return 0;
}

static const char *openssl_error(char *buf, size_t size) {
        unsigned long e = ERR_get_error();
        if (!e)
                return "unknown TLS error";
        ERR_error_string_n(e, buf, size);
        ERR_clear_error();
        return buf;
}

static int tls_setup(struct tt_sink *s, struct remote *r) {
        char err[256];
        r->ctx = SSL_CTX_new(TLS_client_method());
        if (!r->ctx)
                return -ENOMEM;
        SSL_CTX_set_min_proto_version(r->ctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_mode(r->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        if (r->tls_ca ? SSL_CTX_load_verify_locations(r->ctx, r->tls_ca, NULL) != 1
                      : SSL_CTX_set_default_verify_paths(r->ctx) != 1) {
                tt_sink_report(s, TT_SINK_ERROR, "cannot load CA certificates %s: %s",
                               r->tls_ca ? r->tls_ca : "(system default)", openssl_error(err, sizeof(err)));
                return -EINVAL;
        }
        if (r->tls_cert) {
                if (SSL_CTX_use_certificate_chain_file(r->ctx, r->tls_cert) != 1) {
                        tt_sink_report(s, TT_SINK_ERROR, "cannot load client certificate %s: %s", r->tls_cert,
                                       openssl_error(err, sizeof(err)));
                        return -EINVAL;
                }
                if (SSL_CTX_use_PrivateKey_file(r->ctx, r->tls_key, SSL_FILETYPE_PEM) != 1 ||
                    SSL_CTX_check_private_key(r->ctx) != 1) {
                        tt_sink_report(s, TT_SINK_ERROR, "cannot load client key %s: %s", r->tls_key,
                                       openssl_error(err, sizeof(err)));
                        return -EINVAL;
                }
        }
        return 0;
}

static void io_close(struct remote *r) {
        r->io = sd_event_source_disable_unref(r->io);
        r->timeout = sd_event_source_disable_unref(r->timeout);
        if (r->ssl) {
                if (r->conn == CONN_UP)
                        SSL_shutdown(r->ssl); /* close_notify, best effort */
                SSL_free(r->ssl);
                r->ssl = NULL;
        }
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
        r->conn = CONN_DOWN;
        r->out_pending = false;
        r->n_inflight = 0;
        r->sock_bytes = 0;
}

static uint64_t pending(struct remote *r) {
        struct tt_spool_stats st;
        tt_spool_get_stats(r->spool, &st);
        return st.pending;
}

static int on_retry(sd_event_source *es, uint64_t usec, void *userdata) {
        struct tt_sink *s = userdata;
        struct remote *r = s->data;
        r->retry = sd_event_source_disable_unref(r->retry);
        pump(s);
        return 0;
}

/* Down: the rest is sent again after a pause that doubles up to a minute,
 * with jitter so a fleet does not come back in step. */
static void conn_fail(struct tt_sink *s, const char *fmt, ...) _printf_(2, 3);
static void conn_fail(struct tt_sink *s, const char *fmt, ...) {
        struct remote *r = s->data;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->error, sizeof(r->error), fmt, ap);
        va_end(ap);
        io_close(r);
        r->ack = sd_event_source_disable_unref(r->ack);
        r->relp_reachable = false;
        r->resolved = false;
        if (r->target.proto != TT_REMOTE_RELP)
                tt_spool_rewind(r->spool);
        if (!r->down_reported)
                tt_sink_report(s, TT_SINK_WARNING, "%s; %" PRIu64 " message(s) wait in %s, retrying", r->error,
                               pending(r), r->spool_dir);
        r->down_reported = true;
        r->backoff = r->backoff ? MIN(r->backoff * 2, BACKOFF_MAX_USEC) : BACKOFF_MIN_USEC;
        uint64_t jitter = (uint64_t) random() % (r->backoff / 4 + 1);
        r->retry = sd_event_source_disable_unref(r->retry);
        sd_event_add_time_relative(s->env.event, &r->retry, CLOCK_MONOTONIC, r->backoff + jitter, 0, on_retry, s);
}

static void conn_up(struct tt_sink *s) {
        struct remote *r = s->data;
        r->conn = CONN_UP;
        r->backoff = 0;
        if (r->down_reported)
                tt_sink_report(s, TT_SINK_INFO, "connected again, sending %" PRIu64 " queued message(s)", pending(r));
        r->down_reported = false;
        r->error[0] = '\0';
}

/* What the spool dropped to stay under its cap is said once the collector
 * listens again, in order with the rest. */
static void dropped_report(struct tt_sink *s) {
        struct remote *r = s->data;
        struct tt_spool_stats st;
        tt_spool_get_stats(r->spool, &st);
        uint64_t total = st.corrupt;
        for (int i = 0; i < _TT_SEVERITY_MAX; i++)
                total += st.dropped[i];
        if (total == 0)
                return;
        static const struct tt_rule rule = {
                .id = (char *) "tamper.spool-overflow",
                .product = (char *) "telltale",
                .technique = (char *) "",
                .category = TT_CATEGORY_TAMPER,
                .severity = TT_SEVERITY_MEDIUM,
                .confidence = 100,
        };
        char summary[512];
        snprintf(summary, sizeof(summary),
                 "spool full while the collector was unreachable: dropped %" PRIu64 " info, %" PRIu64 " low, %" PRIu64
                 " medium, %" PRIu64 " high, %" PRIu64 " critical message(s); %" PRIu64 " damaged region(s) skipped",
                 st.dropped[TT_SEVERITY_INFO], st.dropped[TT_SEVERITY_LOW], st.dropped[TT_SEVERITY_MEDIUM],
                 st.dropped[TT_SEVERITY_HIGH], st.dropped[TT_SEVERITY_CRITICAL], st.corrupt);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        usec_t now = (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
        struct tt_finding f = {
                .event = TT_EVENT_NEW,
                .rule = &rule,
                .subject = r->spool_dir,
                .category = TT_CATEGORY_TAMPER,
                .severity = TT_SEVERITY_MEDIUM,
                .confidence = 100,
                .summary = summary,
                .first_seen = now,
                .last_seen = now,
        };
        tt_finding_id(s->env.host, rule.id, r->spool_dir, f.id);
        tt_spool_reset_dropped(r->spool);
        tt_sink_send(s, &f);
}

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata);

static int io_watch(struct tt_sink *s, uint32_t events) {
        struct remote *r = s->data;
        if (r->io)
                return sd_event_source_set_io_events(r->io, events);
        return sd_event_add_io(s->env.event, &r->io, r->fd, events, on_io, s);
}

/* Commits the records the collector's TCP stack acknowledged. */
static void ack_check(struct tt_sink *s);

static int on_ack(sd_event_source *es, uint64_t usec, void *userdata) {
        ack_check(userdata);
        return 0;
}

static void ack_check(struct tt_sink *s) {
        struct remote *r = s->data;
        if (r->n_inflight == 0 || r->fd < 0) {
                r->ack = sd_event_source_disable_unref(r->ack);
                return;
        }
        int outq = 0;
        if (ioctl(r->fd, SIOCOUTQ, &outq) < 0)
                return;
        uint64_t written = r->ssl ? BIO_number_written(SSL_get_wbio(r->ssl)) : r->sock_bytes;
        uint64_t acked = written - MIN(written, (uint64_t) outq);
        usec_t now;
        sd_event_now(s->env.event, CLOCK_MONOTONIC, &now);
        size_t done = 0;
        while (done < r->n_inflight && r->inflight[done].end <= acked && r->inflight[done].sent + ACK_HOLD_USEC <= now)
                done++;
        if (done > 0) {
                tt_spool_commit(r->spool, r->inflight[done - 1].seq);
                r->spool_dirty = true;
                memmove(r->inflight, r->inflight + done, (r->n_inflight - done) * sizeof(*r->inflight));
                r->n_inflight -= done;
                if (r->n_inflight == 0)
                        remote_kick(s); /* sync the commit point */
        }
        if (r->n_inflight == 0) {
                r->ack = sd_event_source_disable_unref(r->ack);
                return;
        }
        if (r->ack)
                sd_event_source_set_time_relative(r->ack, ACK_POLL_USEC);
        else
                sd_event_add_time_relative(s->env.event, &r->ack, CLOCK_MONOTONIC, ACK_POLL_USEC, 0, on_ack, s);
        sd_event_source_set_enabled(r->ack, SD_EVENT_ONESHOT);
}

static int inflight_push(struct tt_sink *s, struct remote *r, uint64_t seq, uint64_t end) {
        if (r->n_inflight == r->cap_inflight) {
                size_t cap = r->cap_inflight ? r->cap_inflight * 2 : 64;
                struct inflight *v = realloc(r->inflight, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                r->inflight = v;
                r->cap_inflight = cap;
        }
        usec_t now;
        sd_event_now(s->env.event, CLOCK_MONOTONIC, &now);
        r->inflight[r->n_inflight++] = (struct inflight){ seq, end, now };
        return 0;
}

/* Writes the current record: 1 done, 0 would block, <0 the connection failed. */
static int write_out(struct tt_sink *s) {
        struct remote *r = s->data;
        char err[256];
        while (r->out_off < r->out.len) {
                size_t left = r->out.len - r->out_off;
                if (r->ssl) {
                        ERR_clear_error();
                        int k = SSL_write(r->ssl, r->out.data + r->out_off, (int) left);
                        if (k > 0) {
                                r->out_off += (size_t) k;
                                continue;
                        }
                        int e = SSL_get_error(r->ssl, k);
                        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
                                io_watch(s, e == SSL_ERROR_WANT_WRITE ? EPOLLIN | EPOLLOUT : EPOLLIN);
                                return 0;
                        }
                        conn_fail(s, "TLS write to %s:%s failed: %s", r->target.host, r->target.port,
                                  e == SSL_ERROR_SYSCALL ? strerror(errno) : openssl_error(err, sizeof(err)));
                        return -EIO;
                }
                ssize_t k = send(r->fd, r->out.data + r->out_off, left, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (k >= 0) {
                        r->out_off += (size_t) k;
                        r->sock_bytes += (uint64_t) k;
                        continue;
                }
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN) {
                        io_watch(s, EPOLLIN | EPOLLOUT);
                        return 0;
                }
                if (r->target.proto == TT_REMOTE_UDP && errno == EMSGSIZE) {
                        tt_sink_report(s, TT_SINK_ERROR,
                                       "message %" PRIu64 " of %zu bytes is too large for UDP, skipped", r->out_seq,
                                       r->out.len);
                        return 1;
                }
                conn_fail(s, "sending to %s:%s failed: %s", r->target.host, r->target.port, strerror(errno));
                return -EIO;
        }
        return 1;
}

static void send_records(struct tt_sink *s) {
        struct remote *r = s->data;
        for (int n = 0; r->conn == CONN_UP; n++) {
                if (!r->out_pending) {
                        if (n == BURST) {
                                remote_kick(s);
                                break;
                        }
                        struct tt_spool_record rec;
                        int k = tt_spool_read(r->spool, &rec);
                        if (k < 0)
                                tt_sink_report(s, TT_SINK_ERROR, "cannot read spool %s: %s", r->spool_dir,
                                               strerror(-k));
                        if (k <= 0) {
                                io_watch(s, EPOLLIN);
                                break;
                        }
                        tt_buf_reset(&r->out);
                        if (r->target.proto != TT_REMOTE_UDP) /* RFC 6587 octet counting */
                                tt_buf_printf(&r->out, "%zu ", rec.len);
                        tt_buf_append(&r->out, rec.data, rec.len);
                        if (r->out.oom)
                                return;
                        r->out_off = 0;
                        r->out_seq = rec.seq;
                        r->out_pending = true;
                }
                int k = write_out(s);
                if (k <= 0)
                        return;
                r->out_pending = false;
                if (r->target.proto == TT_REMOTE_UDP) {
                        tt_spool_commit(r->spool, r->out_seq);
                        r->spool_dirty = true;
                } else if (inflight_push(s, r, r->out_seq,
                                         r->ssl ? BIO_number_written(SSL_get_wbio(r->ssl)) : r->sock_bytes) < 0)
                        return;
        }
        ack_check(s);
}

static void tls_handshake(struct tt_sink *s) {
        struct remote *r = s->data;
        char err[256];
        ERR_clear_error();
        int k = SSL_do_handshake(r->ssl);
        if (k == 1) {
                r->timeout = sd_event_source_disable_unref(r->timeout);
                conn_up(s);
                io_watch(s, EPOLLIN);
                dropped_report(s);
                send_records(s);
                return;
        }
        int e = SSL_get_error(r->ssl, k);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                io_watch(s, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
                return;
        }
        long v = SSL_get_verify_result(r->ssl);
        if (v != X509_V_OK)
                conn_fail(s, "TLS handshake with %s:%s failed: server certificate not accepted: %s", r->target.host,
                          r->target.port, X509_verify_cert_error_string(v));
        else
                conn_fail(s, "TLS handshake with %s:%s failed: %s", r->target.host, r->target.port,
                          e == SSL_ERROR_SYSCALL ? (errno ? strerror(errno) : "connection closed")
                                                 : openssl_error(err, sizeof(err)));
}

static void relp_pump(struct tt_sink *s);

static void on_connected(struct tt_sink *s) {
        struct remote *r = s->data;
        if (r->target.proto == TT_REMOTE_RELP) {
                /* Only the reachability check: librelp makes its own connection. */
                io_close(r);
                r->relp_reachable = true;
                relp_pump(s);
                return;
        }
        if (!r->tls) {
                r->timeout = sd_event_source_disable_unref(r->timeout);
                conn_up(s);
                dropped_report(s);
                send_records(s);
                return;
        }
        r->ssl = SSL_new(r->ctx);
        if (!r->ssl || SSL_set_fd(r->ssl, r->fd) != 1) {
                conn_fail(s, "cannot set up TLS: out of memory");
                return;
        }
        SSL_set_connect_state(r->ssl);
        /* Server verification: the certificate must name the target host. */
        struct in6_addr a;
        bool literal = inet_pton(AF_INET, r->target.host, &a) == 1 || inet_pton(AF_INET6, r->target.host, &a) == 1;
        if (literal)
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(r->ssl), r->target.host);
        else {
                SSL_set_tlsext_host_name(r->ssl, r->target.host);
                SSL_set1_host(r->ssl, r->target.host);
        }
        r->conn = CONN_HANDSHAKE;
        tls_handshake(s);
}

/* The collector never talks: anything readable is the end of the
 * connection, a TLS alert, or noise to discard. */
static void drain_input(struct tt_sink *s) {
        struct remote *r = s->data;
        char buf[4096];
        for (;;) {
                if (r->ssl) {
                        ERR_clear_error();
                        int k = SSL_read(r->ssl, buf, sizeof(buf));
                        if (k > 0)
                                continue;
                        int e = SSL_get_error(r->ssl, k);
                        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                                return;
                        conn_fail(s, "connection to %s:%s closed by the collector", r->target.host, r->target.port);
                        return;
                }
                ssize_t k = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (k > 0)
                        continue;
                if (k < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                if (k < 0 && r->target.proto == TT_REMOTE_UDP)
                        return; /* ICMP port unreachable: UDP has no delivery to lose */
                conn_fail(s, "connection to %s:%s closed by the collector%s%s", r->target.host, r->target.port,
                          k < 0 ? ": " : "", k < 0 ? strerror(errno) : "");
                return;
        }
}

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct tt_sink *s = userdata;
        struct remote *r = s->data;
        switch (r->conn) {
        case CONN_CONNECTING: {
                int e = 0;
                socklen_t len = sizeof(e);
                if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
                        e = errno;
                if (e != 0)
                        conn_fail(s, "cannot connect to %s:%s: %s", r->target.host, r->target.port, strerror(e));
                else
                        on_connected(s);
                break;
        }
        case CONN_HANDSHAKE:
                tls_handshake(s);
                break;
        case CONN_UP:
                if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
                        drain_input(s);
                if (r->conn == CONN_UP && (revents & EPOLLOUT))
                        send_records(s);
                break;
        case CONN_DOWN:
        case CONN_RESOLVING:
                break;
        }
        return 0;
}

static int on_connect_timeout(sd_event_source *es, uint64_t usec, void *userdata) {
        struct tt_sink *s = userdata;
        struct remote *r = s->data;
        conn_fail(s, "cannot connect to %s:%s: timed out", r->target.host, r->target.port);
        return 0;
}

static void connect_start(struct tt_sink *s);

static int socket_type(const struct remote *r) {
        return r->target.proto == TT_REMOTE_UDP ? SOCK_DGRAM : SOCK_STREAM;
}

static void resolved_take(struct remote *r, const struct addrinfo *ai) {
        memcpy(&r->addr, ai->ai_addr, ai->ai_addrlen);
        r->addr_len = ai->ai_addrlen;
        const void *a = ai->ai_family == AF_INET6
                                ? (const void *) &((const struct sockaddr_in6 *) ai->ai_addr)->sin6_addr
                                : (const void *) &((const struct sockaddr_in *) ai->ai_addr)->sin_addr;
        if (!inet_ntop(ai->ai_family, a, r->addr_text, sizeof(r->addr_text)))
                strscpy(r->addr_text, sizeof(r->addr_text), r->target.host);
        r->resolved = true;
}

static int on_resolve_poll(sd_event_source *es, uint64_t usec, void *userdata) {
        struct tt_sink *s = userdata;
        struct remote *r = s->data;
        int e = gai_error(&r->gai);
        if (e == EAI_INPROGRESS) {
                sd_event_source_set_time_relative(es, RESOLVE_POLL_USEC);
                return sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
        }
        r->resolve = sd_event_source_disable_unref(r->resolve);
        r->conn = CONN_DOWN;
        if (e != 0) {
                conn_fail(s, "cannot resolve %s: %s", r->target.host, gai_strerror(e));
                return 0;
        }
        resolved_take(r, r->gai.ar_result);
        freeaddrinfo(r->gai.ar_result);
        r->gai.ar_result = NULL;
        connect_start(s);
        return 0;
}

/* An address is taken as it is; a name goes to the helper thread. */
static void resolve_start(struct tt_sink *s) {
        struct remote *r = s->data;
        r->gai_hints = (struct addrinfo) {
                .ai_socktype = socket_type(r),
                .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST,
        };
        struct addrinfo *ai = NULL;
        if (getaddrinfo(r->target.host, r->target.port, &r->gai_hints, &ai) == 0) {
                resolved_take(r, ai);
                freeaddrinfo(ai);
                connect_start(s);
                return;
        }
        r->gai_hints.ai_flags = AI_NUMERICSERV;
        r->gai = (struct gaicb) {
                .ar_name = r->target.host, .ar_service = r->target.port, .ar_request = &r->gai_hints
        };
        struct gaicb *list[] = { &r->gai };
        int e = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
        if (e != 0) {
                conn_fail(s, "cannot resolve %s: %s", r->target.host, gai_strerror(e));
                return;
        }
        r->conn = CONN_RESOLVING;
        if (sd_event_add_time_relative(s->env.event, &r->resolve, CLOCK_MONOTONIC, RESOLVE_POLL_USEC, 0,
                                       on_resolve_poll, s) < 0)
                conn_fail(s, "cannot watch the name lookup: out of memory");
}

/* A lookup still running when the output goes: its thread writes into r. */
static void resolve_cancel(struct remote *r) {
        r->resolve = sd_event_source_disable_unref(r->resolve);
        if (r->conn != CONN_RESOLVING)
                return;
        if (gai_cancel(&r->gai) == EAI_NOTCANCELED) {
                const struct gaicb *list[] = { &r->gai };
                while (gai_error(&r->gai) == EAI_INPROGRESS)
                        gai_suspend(list, 1, NULL);
        }
        if (gai_error(&r->gai) == 0 && r->gai.ar_result)
                freeaddrinfo(r->gai.ar_result);
        r->gai.ar_result = NULL;
        r->conn = CONN_DOWN;
}

static void connect_start(struct tt_sink *s) {
        struct remote *r = s->data;
        if (!r->resolved) {
                resolve_start(s);
                return;
        }
        r->fd = socket(r->addr.ss_family, socket_type(r) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (r->fd < 0) {
                conn_fail(s, "cannot create a socket: %s", strerror(errno));
                return;
        }
        int k = connect(r->fd, (const struct sockaddr *) &r->addr, r->addr_len);
        if (k < 0 && errno != EINPROGRESS) {
                conn_fail(s, "cannot connect to %s:%s: %s", r->target.host, r->target.port, strerror(errno));
                return;
        }
        if (k == 0 && r->target.proto == TT_REMOTE_UDP) {
                conn_up(s);
                io_watch(s, EPOLLIN);
                dropped_report(s);
                send_records(s);
                return;
        }
        r->conn = CONN_CONNECTING;
        if (io_watch(s, EPOLLOUT) < 0 ||
            sd_event_add_time_relative(s->env.event, &r->timeout, CLOCK_MONOTONIC, CONNECT_TIMEOUT_USEC, 0,
                                       on_connect_timeout, s) < 0)
                conn_fail(s, "cannot watch the connection: out of memory");
}

#define RELP_FUNCTIONS(X)                                                                                  \
        X(relpEngineConstruct) X(relpEngineDestruct) X(relpEngineSetDbgprint) X(relpEngineSetOnErr)          \
        X(relpEngineSetOnAuthErr) X(relpEngineSetEnableCmd) X(relpEngineSetTLSLibByName)                     \
        X(relpEngineCltConstruct) X(relpEngineCltDestruct) X(relpCltSetUsrPtr) X(relpCltSetTimeout)          \
        X(relpCltSetConnTimeout) X(relpCltSetWindowSize) X(relpCltEnableTLS) X(relpCltSetCACert)             \
        X(relpCltSetOwnCert) X(relpCltSetPrivKey) X(relpCltSetAuthMode) X(relpCltAddPermittedPeer)          \
        X(relpCltConnect) X(relpCltSendSyslog) X(relpCltReconnect)

static struct {
#define RELP_POINTER(name) __typeof__(name) *name;
        RELP_FUNCTIONS(RELP_POINTER)
#undef RELP_POINTER
} relp_api;

static int relp_load(struct tt_sink *s) {
        static void *handle;
        if (handle)
                return 0;
        void *h = dlopen("librelp.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!h) {
                tt_sink_report(s, TT_SINK_ERROR, "cannot load librelp for RELP output: %s", dlerror());
                return -EOPNOTSUPP;
        }
#define RELP_RESOLVE(name)                                                                                 \
        if (!(*(void **) &relp_api.name = dlsym(h, #name))) {                                              \
                tt_sink_report(s, TT_SINK_ERROR, "librelp lacks %s", #name);                               \
                dlclose(h);                                                                                \
                return -EOPNOTSUPP;                                                                        \
        }
        RELP_FUNCTIONS(RELP_RESOLVE)
#undef RELP_RESOLVE
        handle = h;
        return 0;
}

/* librelp: errors arrive through callbacks, with the session's user pointer. */
static void relp_on_err(void *usr, char *objinfo, char *errmsg, relpRetVal code) {
        struct tt_sink *s = usr;
        struct remote *r = s->data;
        r->relp_failed = true;
        snprintf(r->error, sizeof(r->error), "RELP %s:%s: %s (librelp error %d)", r->target.host, r->target.port,
                 errmsg, (int) code);
}

static void relp_on_auth_err(void *usr, char *authinfo, char *errmsg, relpRetVal code) {
        struct tt_sink *s = usr;
        struct remote *r = s->data;
        r->relp_failed = true;
        snprintf(r->error, sizeof(r->error), "RELP %s:%s: server not accepted: %s (%s)", r->target.host,
                 r->target.port, errmsg, authinfo ? authinfo : "");
}

/* librelp calls its debug hook unconditionally and has none by default. */
_printf_(1, 2) static void relp_debug(char *fmt, ...) {
}

static int relp_engine(struct tt_sink *s) {
        struct remote *r = s->data;
        int k = relp_load(s);
        if (k < 0)
                return k;
        if (relp_api.relpEngineConstruct(&r->relp) != RELP_RET_OK)
                return -ENOMEM;
        relp_api.relpEngineSetDbgprint(r->relp, relp_debug);
        relp_api.relpEngineSetOnErr(r->relp, relp_on_err);
        relp_api.relpEngineSetOnAuthErr(r->relp, relp_on_auth_err);
        relp_api.relpEngineSetEnableCmd(r->relp, (unsigned char *) "syslog", eRelpCmdState_Required);
        /* GnuTLS: librelp 1.11's OpenSSL driver loses about 2.7 KB a session
         * (measured with LeakSanitizer), and a session is opened per batch. */
        if (r->tls && relp_api.relpEngineSetTLSLibByName(r->relp, "gnutls") != RELP_RET_OK) {
                tt_sink_report(s, TT_SINK_ERROR, "librelp has no GnuTLS support for RELP over TLS");
                return -EOPNOTSUPP;
        }
        return 0;
}

static int relp_open(struct tt_sink *s) {
        struct remote *r = s->data;
        if (relp_api.relpEngineCltConstruct(r->relp, &r->relp_clt) != RELP_RET_OK)
                return -ENOMEM;
        relp_api.relpCltSetUsrPtr(r->relp_clt, s);
        relp_api.relpCltSetTimeout(r->relp_clt, RELP_TIMEOUT_SEC);
        relp_api.relpCltSetConnTimeout(r->relp_clt, RELP_TIMEOUT_SEC);
        relp_api.relpCltSetWindowSize(r->relp_clt, RELP_WINDOW);
        if (r->tls) {
                relp_api.relpCltEnableTLS(r->relp_clt);
                if (r->tls_ca)
                        relp_api.relpCltSetCACert(r->relp_clt, r->tls_ca);
                if (r->tls_cert) {
                        relp_api.relpCltSetOwnCert(r->relp_clt, r->tls_cert);
                        relp_api.relpCltSetPrivKey(r->relp_clt, r->tls_key);
                }
                relp_api.relpCltSetAuthMode(r->relp_clt, (char *) "name");
                relp_api.relpCltAddPermittedPeer(r->relp_clt, r->target.host);
        }
        r->relp_failed = false;
        r->error[0] = '\0';
        /* By the address looked up without blocking; TLS checks the name (permitted peer). */
        if (relp_api.relpCltConnect(r->relp_clt, 0, (unsigned char *) r->target.port,
                                    (unsigned char *) r->addr_text) != RELP_RET_OK) {
                relp_api.relpEngineCltDestruct(r->relp, &r->relp_clt);
                if (!r->error[0])
                        snprintf(r->error, sizeof(r->error), "RELP %s:%s: cannot connect", r->target.host,
                                 r->target.port);
                return -ECONNREFUSED;
        }
        r->relp_broken = false;
        return 0;
}

static void relp_fail(struct tt_sink *s) {
        struct remote *r = s->data;
        char msg[sizeof(r->error)];
        strscpy(msg, sizeof(msg), r->error[0] ? r->error : "RELP session failed");
        conn_fail(s, "%s", msg);
}

/* Sends the spool's backlog in one session, then closes it: the answer to
 * "close" commits everything the session carried. */
static void relp_pump(struct tt_sink *s) {
        struct remote *r = s->data;
        if (r->relp_clt && r->relp_broken) {
                /* librelp sends again what the collector had not answered. */
                r->relp_failed = false;
                if (relp_api.relpCltReconnect(r->relp_clt) != RELP_RET_OK) {
                        relp_fail(s);
                        return;
                }
                r->relp_broken = false;
                conn_up(s);
        }
        for (int n = 0;; n++) {
                if (n == BURST) {
                        remote_kick(s);
                        return;
                }
                struct tt_spool_record rec;
                int k = tt_spool_read(r->spool, &rec);
                if (k < 0)
                        tt_sink_report(s, TT_SINK_ERROR, "cannot read spool %s: %s", r->spool_dir, strerror(-k));
                if (k <= 0)
                        break;
                if (!r->relp_clt) {
                        if (relp_open(s) < 0) {
                                tt_spool_seek(r->spool, rec.seq);
                                relp_fail(s);
                                return;
                        }
                        conn_up(s);
                        dropped_report(s);
                }
                r->relp_failed = false;
                if (relp_api.relpCltSendSyslog(r->relp_clt, (unsigned char *) rec.data, rec.len) != RELP_RET_OK) {
                        /* Not written: it is ours to send again. */
                        tt_spool_seek(r->spool, rec.seq);
                        r->relp_broken = true;
                        relp_fail(s);
                        return;
                }
                r->relp_last_sent = rec.seq;
        }
        if (!r->relp_clt)
                return;
        r->relp_failed = false;
        relp_api.relpEngineCltDestruct(r->relp, &r->relp_clt);
        r->relp_broken = false;
        if (r->relp_failed) {
                /* Frames librelp held went with the session: send them again. */
                tt_spool_rewind(r->spool);
                relp_fail(s);
                return;
        }
        tt_spool_commit(r->spool, r->relp_last_sent);
        r->spool_dirty = true;
}

static void pump(struct tt_sink *s) {
        struct remote *r = s->data;
        if (r->spool_dirty) {
                int k = tt_spool_sync(r->spool);
                if (k < 0)
                        tt_sink_report(s, TT_SINK_ERROR, "cannot sync spool %s: %s", r->spool_dir, strerror(-k));
                r->spool_dirty = false;
        }
        if (!r->transport_ok || r->retry)
                return;
        if (r->target.proto == TT_REMOTE_RELP && r->relp_reachable)
                relp_pump(s);
        else if (r->conn == CONN_DOWN && (r->target.proto != TT_REMOTE_RELP || pending(r) > 0))
                connect_start(s);
        else if (r->conn == CONN_UP)
                send_records(s);
        if (r->spool_dirty && (r->target.proto == TT_REMOTE_RELP || r->n_inflight == 0)) {
                tt_spool_sync(r->spool);
                r->spool_dirty = false;
        }
}

static int on_kick(sd_event_source *es, void *userdata) {
        pump(userdata);
        return 0;
}

static void remote_kick(struct tt_sink *s) {
        struct remote *r = s->data;
        if (!r->kick && sd_event_add_defer(s->env.event, &r->kick, on_kick, s) < 0)
                return;
        sd_event_source_set_enabled(r->kick, SD_EVENT_ONESHOT);
}

static int remote_start(struct tt_sink *s) {
        struct remote *r = s->data;
        int k = tt_spool_open(r->spool_dir, r->spool_max, &r->spool);
        if (k < 0) {
                tt_sink_report(s, TT_SINK_ERROR, "cannot open spool %s: %s; nothing goes to this output",
                               r->spool_dir, strerror(-k));
                return k;
        }
        k = r->target.proto == TT_REMOTE_RELP ? relp_engine(s) : r->tls ? tls_setup(s, r) : 0;
        r->transport_ok = k >= 0;
        if (k < 0) {
                tt_sink_report(s, TT_SINK_ERROR, "nothing is delivered until that is fixed; findings are kept in %s",
                               r->spool_dir);
                return k;
        }
        /* Try right away, so an unreachable collector is said at start-up. */
        pump(s);
        return r->conn == CONN_DOWN && r->retry ? -EHOSTUNREACH : 0;
}

static int remote_send(struct tt_sink *s, const struct tt_finding *f) {
        struct remote *r = s->data;
        if (!r->spool)
                return -ENOTCONN;
        tt_buf_reset(&s->buf);
        tt_format_rfc5424(&s->buf, f, &s->syslog, s->format);
        if (s->buf.oom)
                return -ENOMEM;
        int k = tt_spool_append(r->spool, f->severity, s->buf.data, s->buf.len);
        if (k < 0) {
                tt_sink_report(s, TT_SINK_ERROR, "cannot queue a message in %s: %s", r->spool_dir, strerror(-k));
                return k;
        }
        r->spool_dirty = true;
        remote_kick(s);
        return 0;
}

static bool remote_idle(struct tt_sink *s) {
        struct remote *r = s->data;
        if (!r->spool || !r->transport_ok)
                return true;
        if (r->conn == CONN_RESOLVING || r->conn == CONN_CONNECTING || r->conn == CONN_HANDSHAKE)
                return false;
        /* Down: nothing can go now, it waits in the spool. */
        return r->retry || pending(r) == 0;
}

static void remote_status(struct tt_sink *s, char *buf, size_t size) {
        struct remote *r = s->data;
        if (!r->spool) {
                strscpy(buf, size, "no spool");
                return;
        }
        struct tt_spool_stats st;
        tt_spool_get_stats(r->spool, &st);
        const char *state = !r->transport_ok ? "TLS setup failed"
                            : r->retry       ? "unreachable"
                            : r->target.proto == TT_REMOTE_RELP || r->conn == CONN_UP ? "connected"
                                                                           : "connecting";
        snprintf(buf, size, "%s, %" PRIu64 " queued", state, st.pending);
}

static void remote_done(struct tt_sink *s) {
        struct remote *r = s->data;
        if (!r)
                return;
        ack_check(s);
        resolve_cancel(r);
        io_close(r);
        r->kick = sd_event_source_disable_unref(r->kick);
        r->retry = sd_event_source_disable_unref(r->retry);
        r->ack = sd_event_source_disable_unref(r->ack);
        if (r->relp_clt)
                relp_api.relpEngineCltDestruct(r->relp, &r->relp_clt);
        if (r->relp)
                relp_api.relpEngineDestruct(&r->relp);
        if (r->spool) {
                tt_spool_sync(r->spool);
                tt_spool_free(r->spool);
        }
        SSL_CTX_free(r->ctx);
        tt_buf_free(&r->out);
        free(r->inflight);
        free(r->tls_ca);
        free(r->tls_cert);
        free(r->tls_key);
        free(r);
}

const struct tt_sink_ops tt_sink_remote_ops = {
        .init = remote_init,
        .start = remote_start,
        .send = remote_send,
        .idle = remote_idle,
        .status = remote_status,
        .done = remote_done,
};
