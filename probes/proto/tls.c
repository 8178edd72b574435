/* SPDX-License-Identifier: MIT */
#include "tls.h"

#include <errno.h>
#include <string.h>

#include "textbuf.h"
#include "wire.h"

#define TLS_RECORD_HANDSHAKE 22
#define TLS_RECORD_HEADER 5
#define TLS_RECORD_MAX 16384 /* TLSPlaintext.length, RFC 8446 5.1 */
#define TLS_RANDOM_SIZE 32
#define TLS_SESSION_ID_MAX 32

/* RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest */
static const uint8_t hello_retry_random[TLS_RANDOM_SIZE] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* A part of the handshake stream: `end` bytes belong to it, the first `avail`
 * of them have arrived. Reading past avail fails with short_error: -EAGAIN
 * while more bytes can come, -EBADMSG once none will. */
struct cursor {
        const uint8_t *p;
        size_t avail, end;
        int short_error;
};

static int cursor_take(struct cursor *c, size_t n, const uint8_t **ret) {
        if (ret)
                *ret = c->p;
        if (n > c->end)
                return -EBADMSG;
        if (n > c->avail)
                return c->short_error;
        c->p += n;
        c->avail -= n;
        c->end -= n;
        return 0;
}

static int cursor_uint(struct cursor *c, size_t width, uint32_t *ret) {
        const uint8_t *p;
        int r = cursor_take(c, width, &p);
        if (r < 0)
                return r;
        uint32_t v = 0;
        for (size_t i = 0; i < width; i++)
                v = v << 8 | p[i];
        *ret = v;
        return 0;
}

/* A vector with a length prefix of `width` bytes, as a cursor of its own; the
 * parent moves past it whether or not its bytes have all arrived. */
static int cursor_vector(struct cursor *c, size_t width, size_t min, struct cursor *ret) {
        uint32_t n;
        int r = cursor_uint(c, width, &n);
        if (r < 0)
                return r;
        if (n < min || n > c->end)
                return -EBADMSG;
        size_t got = n < c->avail ? n : c->avail;
        *ret = (struct cursor) { .p = c->p, .avail = got, .end = n, .short_error = c->short_error };
        c->p += got;
        c->avail -= got;
        c->end -= n;
        return 0;
}

/* RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa */
static bool is_grease(uint16_t v) {
        return (v & 0x0f0f) == 0x0a0a && v >> 8 == (v & 0xff);
}

static void list_add(struct tls_list *l, uint16_t v) {
        if (l->n < TLS_LIST_MAX)
                l->items[l->n++] = v;
        else
                l->truncated = true;
}

struct ja3_part {
        char buf[TLS_JA3_MAX];
        struct textbuf text;
};

static void ja3_add(struct ja3_part *part, uint16_t v) {
        if (!part || is_grease(v))
                return;
        if (part->text.len > 0)
                textbuf_str(&part->text, "-");
        textbuf_uint(&part->text, v);
}

/* A vector of 16-bit values (cipher suites, groups, versions). */
static int parse_u16_vector(struct cursor *c, size_t width, struct tls_list *list, struct ja3_part *ja3) {
        struct cursor v;
        uint32_t value;
        int r;

        if ((r = cursor_vector(c, width, 2, &v)) < 0)
                return r;
        if (v.end % 2 != 0)
                return -EBADMSG;
        while (v.end > 0) {
                if ((r = cursor_uint(&v, 2, &value)) < 0)
                        return r;
                list_add(list, (uint16_t) value);
                ja3_add(ja3, (uint16_t) value);
        }
        return 0;
}

/* One protocol name of an ALPN list (RFC 7301: empty names are not allowed). */
static int parse_alpn_name(struct cursor *list, char *buf, size_t size, bool *truncated) {
        struct cursor name;
        const uint8_t *p;
        int r;

        if ((r = cursor_vector(list, 1, 1, &name)) < 0)
                return r;
        size_t n = name.end;
        if ((r = cursor_take(&name, n, &p)) < 0)
                return r;
        if (buf && !wire_text_copy(buf, size, p, n))
                *truncated = true;
        return 0;
}

struct client_hello_state {
        struct tls_client_hello *ch;
        struct ja3_part ciphers, extensions, groups, point_formats;
};

static int parse_server_name(struct cursor *data, struct tls_client_hello *ch) {
        struct cursor list;
        bool have_host_name = false;
        int r;

        if ((r = cursor_vector(data, 2, 1, &list)) < 0)
                return r;
        while (list.end > 0) {
                struct cursor name;
                const uint8_t *p;
                uint32_t type;

                if ((r = cursor_uint(&list, 1, &type)) < 0 || (r = cursor_vector(&list, 2, 1, &name)) < 0)
                        return r;
                size_t n = name.end;
                if ((r = cursor_take(&name, n, &p)) < 0)
                        return r;
                if (type != 0)
                        continue;
                /* RFC 6066 3: at most one name of a type */
                if (have_host_name)
                        return -EBADMSG;
                have_host_name = true;
                ch->sni_truncated = !wire_text_copy(ch->sni, sizeof(ch->sni), p, n);
        }
        return 0;
}

static int parse_client_extension(uint16_t type, struct cursor *data, void *userdata) {
        struct client_hello_state *s = userdata;
        struct tls_client_hello *ch = s->ch;
        struct cursor list;
        int r;

        switch (type) {
        case TLS_EXT_SERVER_NAME:
                return parse_server_name(data, ch);
        case TLS_EXT_ALPN:
                if ((r = cursor_vector(data, 2, 2, &list)) < 0)
                        return r;
                while (list.end > 0) {
                        bool room = ch->n_alpn < TLS_ALPN_MAX;
                        if ((r = parse_alpn_name(&list, room ? ch->alpn[ch->n_alpn] : NULL, TLS_ALPN_NAME_MAX,
                                                 &ch->alpn_truncated)) < 0)
                                return r;
                        if (room)
                                ch->n_alpn++;
                        else
                                ch->alpn_truncated = true;
                }
                return 0;
        case TLS_EXT_SUPPORTED_VERSIONS:
                if ((r = parse_u16_vector(data, 1, &ch->supported_versions, NULL)) < 0)
                        return r;
                for (size_t i = 0; i < ch->supported_versions.n; i++) {
                        uint16_t v = ch->supported_versions.items[i];
                        if (v >= TLS_VERSION_SSL3 && v <= TLS_VERSION_1_3 && v > ch->version)
                                ch->version = v;
                }
                return 0;
        case TLS_EXT_SUPPORTED_GROUPS:
                return parse_u16_vector(data, 2, &ch->groups, &s->groups);
        case TLS_EXT_EC_POINT_FORMATS:
                if ((r = cursor_vector(data, 1, 1, &list)) < 0)
                        return r;
                while (list.end > 0) {
                        uint32_t format;
                        if ((r = cursor_uint(&list, 1, &format)) < 0)
                                return r;
                        list_add(&ch->point_formats, (uint16_t) format);
                        ja3_add(&s->point_formats, (uint16_t) format);
                }
                return 0;
        default:
                return cursor_take(data, data->end, NULL);
        }
}

static int parse_server_extension(uint16_t type, struct cursor *data, void *userdata) {
        struct tls_server_hello *sh = userdata;
        struct cursor list;
        uint32_t v;
        int r;

        switch (type) {
        case TLS_EXT_SUPPORTED_VERSIONS:
                if ((r = cursor_uint(data, 2, &v)) < 0)
                        return r;
                sh->version = (uint16_t) v;
                return 0;
        case TLS_EXT_ALPN:
                /* RFC 7301 3.1: exactly one name */
                if ((r = cursor_vector(data, 2, 2, &list)) < 0 ||
                    (r = parse_alpn_name(&list, sh->alpn, sizeof(sh->alpn), &sh->alpn_truncated)) < 0)
                        return r;
                return list.end == 0 ? 0 : -EBADMSG;
        default:
                return cursor_take(data, data->end, NULL);
        }
}

/* The extensions block that ends both hellos, if present; nothing may follow. */
static int parse_extensions(struct cursor *c, struct tls_list *list, struct ja3_part *ja3,
                            int (*parse_one)(uint16_t type, struct cursor *data, void *userdata), void *userdata) {
        /* RFC 8446 4.2: an extension type appears at most once */
        uint64_t seen[65536 / 64] = {};
        struct cursor exts;
        int r;

        if (c->end == 0)
                return 0;
        if ((r = cursor_vector(c, 2, 0, &exts)) < 0)
                return r;
        if (c->end != 0)
                return -EBADMSG;
        while (exts.end > 0) {
                struct cursor data;
                uint32_t type;

                if ((r = cursor_uint(&exts, 2, &type)) < 0 || (r = cursor_vector(&exts, 2, 0, &data)) < 0)
                        return r;
                if (seen[type / 64] & UINT64_C(1) << type % 64)
                        return -EBADMSG;
                seen[type / 64] |= UINT64_C(1) << type % 64;
                list_add(list, (uint16_t) type);
                ja3_add(ja3, (uint16_t) type);
                if ((r = parse_one((uint16_t) type, &data, userdata)) < 0)
                        return r;
                if (data.end != 0)
                        return -EBADMSG;
        }
        return 0;
}

static int parse_client_hello(struct cursor *c, struct tls_client_hello *ch) {
        struct client_hello_state s = { .ch = ch };
        struct ja3_part *parts[] = { &s.ciphers, &s.extensions, &s.groups, &s.point_formats };
        struct cursor session_id, compression;
        uint32_t version;
        int r;

        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
                textbuf_init(&parts[i]->text, parts[i]->buf, sizeof(parts[i]->buf));
        if ((r = cursor_uint(c, 2, &version)) < 0)
                return r;
        ch->legacy_version = ch->version = (uint16_t) version;
        if ((r = cursor_take(c, TLS_RANDOM_SIZE, NULL)) < 0 || (r = cursor_vector(c, 1, 0, &session_id)) < 0)
                return r;
        if (session_id.end > TLS_SESSION_ID_MAX)
                return -EBADMSG;
        if ((r = cursor_take(&session_id, session_id.end, NULL)) < 0 ||
            (r = parse_u16_vector(c, 2, &ch->ciphers, &s.ciphers)) < 0 ||
            (r = cursor_vector(c, 1, 1, &compression)) < 0 ||
            (r = cursor_take(&compression, compression.end, NULL)) < 0 ||
            (r = parse_extensions(c, &ch->extensions, &s.extensions, parse_client_extension, &s)) < 0)
                return r;

        struct textbuf ja3;
        textbuf_init(&ja3, ch->ja3, sizeof(ch->ja3));
        textbuf_uint(&ja3, ch->legacy_version);
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
                textbuf_str(&ja3, ",");
                textbuf_str(&ja3, parts[i]->buf);
                ch->ja3_truncated |= parts[i]->text.truncated;
        }
        ch->ja3_truncated |= ja3.truncated;
        return 0;
}

static int parse_server_hello(struct cursor *c, struct tls_server_hello *sh) {
        struct cursor session_id;
        const uint8_t *random;
        uint32_t version, cipher;
        int r;

        if ((r = cursor_uint(c, 2, &version)) < 0)
                return r;
        sh->legacy_version = sh->version = (uint16_t) version;
        if ((r = cursor_take(c, TLS_RANDOM_SIZE, &random)) < 0)
                return r;
        sh->hello_retry_request = memcmp(random, hello_retry_random, TLS_RANDOM_SIZE) == 0;
        if ((r = cursor_vector(c, 1, 0, &session_id)) < 0)
                return r;
        if (session_id.end > TLS_SESSION_ID_MAX)
                return -EBADMSG;
        if ((r = cursor_take(&session_id, session_id.end, NULL)) < 0 || (r = cursor_uint(c, 2, &cipher)) < 0 ||
            (r = cursor_take(c, 1, NULL)) < 0) /* compression method */
                return r;
        sh->cipher = (uint16_t) cipher;
        return parse_extensions(c, &sh->extensions, NULL, parse_server_extension, sh);
}

/* The first certificate of a TLS 1.2 Certificate message: all of the
 * message is not needed, only the server's own certificate. */
static int parse_certificate(struct cursor *c, struct tls_msg *m) {
        struct cursor list, cert;
        const uint8_t *der;
        int r;

        if ((r = cursor_vector(c, 3, 0, &list)) < 0)
                return r;
        if (list.end == 0)
                return 0;
        if ((r = cursor_vector(&list, 3, 1, &cert)) < 0)
                return r;
        size_t n = cert.end;
        if ((r = cursor_take(&cert, n, &der)) < 0)
                return r;
        if (x509_parse(der, n, &m->certificate) < 0)
                return -EBADMSG;
        m->has_certificate = true;
        return 0;
}

enum stream_state {
        STREAM_MORE,  /* the buffer ended: more bytes may come */
        STREAM_ENDED, /* a record of another type followed the handshake records */
        STREAM_FULL,  /* TLS_HANDSHAKE_MAX bytes gathered */
};

/* The payload of the handshake records at the start of buf, concatenated. */
static int gather_handshake(const uint8_t *buf, size_t len, uint8_t *hs, size_t *ret_len,
                            enum stream_state *ret_state) {
        size_t off = 0, n = 0;

        /* The first record decides whether this is TLS: handshake, major version 3 */
        if ((len >= 1 && buf[0] != TLS_RECORD_HANDSHAKE) || (len >= 2 && buf[1] != 3) || (len >= 3 && buf[2] > 4))
                return -ENOMSG;
        *ret_state = STREAM_MORE;
        while (len - off >= TLS_RECORD_HEADER) {
                const uint8_t *h = buf + off;
                if (h[0] != TLS_RECORD_HANDSHAKE) {
                        *ret_state = STREAM_ENDED;
                        break;
                }
                size_t record_len = wire_be16(h + 3);
                if (h[1] != 3 || record_len == 0 || record_len > TLS_RECORD_MAX)
                        return -EBADMSG;
                size_t got = len - off - TLS_RECORD_HEADER;
                if (got > record_len)
                        got = record_len;
                size_t copy = got < TLS_HANDSHAKE_MAX - n ? got : TLS_HANDSHAKE_MAX - n;
                memcpy(hs + n, h + TLS_RECORD_HEADER, copy);
                n += copy;
                if (n == TLS_HANDSHAKE_MAX) {
                        *ret_state = STREAM_FULL;
                        break;
                }
                if (got < record_len)
                        break;
                off += TLS_RECORD_HEADER + record_len;
        }
        *ret_len = n;
        return 0;
}

/* A handshake message: its type, and its body as a cursor. */
static int next_message(struct cursor *stream, uint8_t *ret_type, struct cursor *ret_body) {
        uint32_t type;
        int r = cursor_uint(stream, 1, &type);
        if (r < 0)
                return r;
        *ret_type = (uint8_t) type;
        return cursor_vector(stream, 3, 0, ret_body);
}

int tls_parse(const uint8_t *buf, size_t len, struct tls_msg *ret) {
        uint8_t hs[TLS_HANDSHAKE_MAX];
        enum stream_state state;
        struct cursor body;
        size_t n;
        uint8_t type;
        int r;

        memset(ret, 0, sizeof(*ret));
        if ((r = gather_handshake(buf, len, hs, &n, &state)) < 0)
                return r;
        struct cursor stream = {
                .p = hs,
                .avail = n,
                .end = SIZE_MAX,
                .short_error = state == STREAM_MORE ? -EAGAIN : -EBADMSG,
        };

        if ((r = next_message(&stream, &type, &body)) < 0)
                return r;
        if (type != TLS_HANDSHAKE_CLIENT_HELLO && type != TLS_HANDSHAKE_SERVER_HELLO)
                return -ENOMSG;
        ret->type = type;
        /* a hello that cannot fit will never be whole: say so now */
        if (body.end > TLS_HANDSHAKE_MAX - 4)
                return -EBADMSG;
        if (type == TLS_HANDSHAKE_CLIENT_HELLO)
                return parse_client_hello(&body, &ret->client_hello);

        if ((r = parse_server_hello(&body, &ret->server_hello)) < 0)
                return r;
        if (ret->server_hello.version == TLS_VERSION_1_3 || ret->server_hello.hello_retry_request) {
                ret->certificate_encrypted = true;
                return 0;
        }
        /* Up to TLS 1.2 a Certificate follows in the clear, unless the session
         * was resumed (ChangeCipherSpec comes next) or the suite has none. */
        if (stream.avail == 0 && state == STREAM_ENDED)
                return 0;
        if ((r = next_message(&stream, &type, &body)) < 0)
                return r;
        if (type != TLS_HANDSHAKE_CERTIFICATE)
                return 0;
        return parse_certificate(&body, ret);
}

const char *tls_version_name(uint16_t version) {
        switch (version) {
        case TLS_VERSION_SSL3:
                return "SSL 3.0";
        case TLS_VERSION_1_0:
                return "TLS 1.0";
        case TLS_VERSION_1_1:
                return "TLS 1.1";
        case TLS_VERSION_1_2:
                return "TLS 1.2";
        case TLS_VERSION_1_3:
                return "TLS 1.3";
        default:
                return NULL;
        }
}
