/* SPDX-License-Identifier: MIT */
#include "ssdp.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "wire.h"

static bool is_blank(uint8_t c) {
        return c == ' ' || c == '\t';
}

static bool is_digit(uint8_t c) {
        return c >= '0' && c <= '9';
}

/* The line at *offset without its CRLF or LF; *offset moves to the next line. */
static size_t line_next(const uint8_t *buf, size_t len, size_t *offset, const uint8_t **ret) {
        const uint8_t *start = buf + *offset;
        const uint8_t *nl = memchr(start, '\n', len - *offset);
        size_t n = nl ? (size_t) (nl - start) : len - *offset;

        *offset += nl ? n + 1 : n;
        if (n > 0 && start[n - 1] == '\r')
                n--;
        *ret = start;
        return n;
}

static bool line_is(const uint8_t *line, size_t n, const char *text) {
        return n == strlen(text) && memcmp(line, text, n) == 0;
}

/* NOTIFY and M-SEARCH exactly; a response as "HTTP/1.x ddd" with an optional reason phrase. */
static int start_line_read(const uint8_t *line, size_t n, struct ssdp_msg *m) {
        static const char version[] = "HTTP/1.";
        const size_t v = strlen(version);

        if (line_is(line, n, "NOTIFY * HTTP/1.1") || line_is(line, n, "NOTIFY * HTTP/1.0"))
                m->kind = SSDP_NOTIFY;
        else if (line_is(line, n, "M-SEARCH * HTTP/1.1") || line_is(line, n, "M-SEARCH * HTTP/1.0"))
                m->kind = SSDP_SEARCH;
        else if (n >= v + 5 && memcmp(line, version, v) == 0 && is_digit(line[v]) && line[v + 1] == ' ' &&
                 is_digit(line[v + 2]) && is_digit(line[v + 3]) && is_digit(line[v + 4]) &&
                 (n == v + 5 || line[v + 5] == ' ')) {
                m->kind = SSDP_RESPONSE;
                m->status = (uint16_t) ((line[v + 2] - '0') * 100 + (line[v + 3] - '0') * 10 + (line[v + 4] - '0'));
        } else
                return -ENOMSG;
        return 0;
}

static int header_read(const uint8_t *line, size_t n, struct ssdp_msg *m) {
        const struct {
                const char *name;
                struct ssdp_header *header;
        } known[] = {
                { "SERVER", &m->server }, { "USN", &m->usn }, { "ST", &m->st },
                { "NT", &m->nt },         { "NTS", &m->nts }, { "LOCATION", &m->location },
        };
        const uint8_t *colon = memchr(line, ':', n);

        if (!colon || colon == line)
                return -EBADMSG;
        size_t name_len = (size_t) (colon - line);
        for (size_t i = 0; i < name_len; i++)
                if (line[i] < 0x21 || line[i] > 0x7e) /* no blanks either: RFC 9112 5.1 */
                        return -EBADMSG;

        const uint8_t *value = colon + 1, *end = line + n;
        while (value < end && is_blank(*value))
                value++;
        while (end > value && is_blank(end[-1]))
                end--;

        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
                struct ssdp_header *h = known[i].header;
                if (name_len != strlen(known[i].name) || strncasecmp((const char *) line, known[i].name, name_len) != 0)
                        continue;
                if (!h->present) {
                        h->present = true;
                        h->truncated = !wire_text_copy(h->value, sizeof(h->value), value, (size_t) (end - value));
                }
                break;
        }
        return 0;
}

int ssdp_parse(const uint8_t *buf, size_t len, struct ssdp_msg *ret) {
        size_t off = 0;
        const uint8_t *line;
        size_t n;
        int k;

        *ret = (struct ssdp_msg){};
        if (len == 0)
                return -ENOMSG;
        n = line_next(buf, len, &off, &line);
        k = start_line_read(line, n, ret);
        if (k < 0)
                return k;
        while (off < len) {
                n = line_next(buf, len, &off, &line);
                if (n == 0)
                        break;
                k = header_read(line, n, ret);
                if (k < 0)
                        return k;
        }
        return 0;
}
