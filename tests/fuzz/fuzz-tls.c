/* SPDX-License-Identifier: MIT */
/* The input is the first bytes of one direction of a TLS connection. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-check.h"
#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const struct tls_list *l) {
        if (l->n > TLS_LIST_MAX || (l->truncated && l->n != TLS_LIST_MAX))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct tls_msg m;
        int r = tls_parse(data, size, &m);

        fuzz_check_return(r);
        /* what a partial parse leaves must be as clean as a whole one */
        if (m.type == TLS_HANDSHAKE_CLIENT_HELLO) {
                const struct tls_client_hello *ch = &m.client_hello;
                FUZZ_CHECK_TEXT(ch->sni);
                FUZZ_CHECK_TEXT(ch->ja3);
                if (ch->n_alpn > TLS_ALPN_MAX || (r == 0) != (ch->ja3[0] != 0))
                        abort();
                for (size_t i = 0; i < ch->n_alpn; i++)
                        FUZZ_CHECK_TEXT(ch->alpn[i]);
                check_list(&ch->ciphers);
                check_list(&ch->extensions);
                check_list(&ch->supported_versions);
                check_list(&ch->groups);
                check_list(&ch->point_formats);
        } else if (m.type == TLS_HANDSHAKE_SERVER_HELLO) {
                FUZZ_CHECK_TEXT(m.server_hello.alpn);
                check_list(&m.server_hello.extensions);
                FUZZ_CHECK_TEXT(m.certificate.subject);
                FUZZ_CHECK_TEXT(m.certificate.issuer);
                FUZZ_CHECK_TEXT(m.certificate.not_before);
                FUZZ_CHECK_TEXT(m.certificate.not_after);
                if (m.has_certificate && m.certificate_encrypted)
                        abort();
        } else if (m.type != 0 || r == 0)
                abort();
        return 0;
}
