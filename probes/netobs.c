/* SPDX-License-Identifier: MIT */
#include "netobs.h"

#include "digest.h"
#include <stdio.h>

#include "arp.h"
#include "dhcp.h"
#include "dns.h"
#include "dnssd.h"
#include "nomachine.h"
#include "rdp.h"
#include "rfb.h"
#include "ssdp.h"
#include "ssh.h"
#include "teamviewer.h"
#include "tls.h"
#include "util.h"

/* Which parser a flow direction uses, decided from its first bytes so a
 * service on an odd port is still recognised. */
enum stream_proto {
        STREAM_UNKNOWN,
        STREAM_TLS,
        STREAM_SSH,
        STREAM_RFB,
        STREAM_RDP,
        STREAM_NOMACHINE,
        STREAM_TEAMVIEWER,
        STREAM_NONE,
};

/* The parsers' outputs are large (a dns_msg is 34 KiB); one of each, reused:
 * the probe runs on one thread. */
static union {
        struct tls_msg tls;
        struct dns_msg dns;
} scratch;
static struct dnssd_msg scratch_dnssd;

static void mac_format(const uint8_t *mac, char buf[static 18]) {
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static void oui_format(const uint8_t *mac, char buf[static 9]) {
        snprintf(buf, 9, "%02x:%02x:%02x", mac[0], mac[1], mac[2]);
}

static void endpoints_add(struct tt_observation *o, const struct tt_netobs_meta *m) {
        tt_obs_add_str(o, "src", m->src);
        tt_obs_add_str(o, "dst", m->dst);
        tt_obs_add_int(o, "sport", m->sport);
        tt_obs_add_int(o, "dport", m->dport);
        tt_obs_add_str(o, "direction", m->direction);
}

static int emit(struct tt_probe_ctx *ctx, const struct tt_observation *o) {
        int r = tt_emit(ctx, o);
        return r < 0 ? r : 1;
}

static enum stream_proto stream_detect(const uint8_t *b, size_t len) {
        if (len < 2)
                return STREAM_UNKNOWN;
        if (b[0] == 0x16 && b[1] == 0x03)
                return STREAM_TLS;
        if (b[0] == 0x03 && b[1] == 0x00)
                return STREAM_RDP;
        if (b[0] == 0x17 && b[1] == 0x24)
                return STREAM_TEAMVIEWER;
        if (len < 4)
                return memcmp(b, "SSH-", len) == 0 || memcmp(b, "RFB ", len) == 0 || memcmp(b, "NX", MIN(len, 2)) == 0
                               ? STREAM_UNKNOWN
                               : STREAM_NONE;
        if (memcmp(b, "SSH-", 4) == 0)
                return STREAM_SSH;
        if (memcmp(b, "RFB ", 4) == 0)
                return STREAM_RFB;
        if (memcmp(b, "NXSH", 4) == 0 || memcmp(b, "NXD-", 4) == 0)
                return STREAM_NOMACHINE;
        return STREAM_NONE;
}

static void ja3_md5(const char *ja3, char out[static 33]) {
        uint8_t md[TT_MD5_BYTES];
        tt_md5(ja3, strlen(ja3), md);
        tt_hex(md, sizeof(md), out);
}

/* Whether buf is shorter than its first record says the hello is: parsing a
 * long hello again on every segment would cost time quadratic in its length. */
static bool tls_hello_short(const uint8_t *buf, size_t len) {
        if (len < 9)
                return true;
        size_t hello = (size_t) buf[6] << 16 | (size_t) buf[7] << 8 | buf[8];
        return len < 5 + 4 + hello;
}

static int stream_tls(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const uint8_t *buf, size_t len,
                      bool final, const char *subject) {
        if (!final && tls_hello_short(buf, len))
                return -EAGAIN;
        struct tls_msg *t = &scratch.tls;
        int r = tls_parse(buf, len, t);
        /* A ClientHello whose rest will not come (a gap in the capture, the
         * live filter's dropped middle segment): what its start gave. */
        bool partial = r < 0 && final && (r == -EAGAIN || r == -EBADMSG) && t->type == TLS_HANDSHAKE_CLIENT_HELLO;
        if (r < 0 && !partial)
                return r;
        struct tt_observation o;
        tt_obs_init(&o, "tls", subject);
        char md5[33] = "";
        if (t->type == TLS_HANDSHAKE_CLIENT_HELLO) {
                const struct tls_client_hello *ch = &t->client_hello;
                if (partial && !ch->sni[0] && ch->n_alpn == 0)
                        return -ENODATA;
                if (ch->sni[0])
                        tt_obs_add_str(&o, "sni", ch->sni);
                for (size_t i = 0; i < ch->n_alpn; i++)
                        tt_obs_add_str(&o, "alpn", ch->alpn[i]);
                if (!partial && !ch->ja3_truncated) {
                        ja3_md5(ch->ja3, md5);
                        tt_obs_add_str(&o, "ja3", md5);
                }
                tt_obs_add_str(&o, "version", tls_version_name(ch->version));
        } else {
                const struct tls_server_hello *sh = &t->server_hello;
                if (sh->alpn[0])
                        tt_obs_add_str(&o, "alpn", sh->alpn);
                tt_obs_add_str(&o, "version", tls_version_name(sh->version));
                if (t->has_certificate) {
                        tt_obs_add_str(&o, "cert_subject", t->certificate.subject);
                        tt_obs_add_str(&o, "cert_issuer", t->certificate.issuer);
                }
        }
        endpoints_add(&o, m);
        return emit(ctx, &o);
}

static int stream_session(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, enum stream_proto p,
                          const uint8_t *buf, size_t len, const char *subject) {
        struct tt_observation o;
        int r;
        union {
                struct ssh_msg ssh;
                struct rfb_msg rfb;
                struct rdp_msg rdp;
                struct nomachine_msg nx;
                struct teamviewer_msg tv;
        } u;
        char protocols[16];
        switch (p) {
        case STREAM_SSH:
                if ((r = ssh_parse(buf, len, &u.ssh)) < 0)
                        return r;
                tt_obs_init(&o, "ssh", subject);
                tt_obs_add_str(&o, "banner", u.ssh.banner);
                tt_obs_add_str(&o, "software", u.ssh.software);
                break;
        case STREAM_RFB:
                if ((r = rfb_parse(buf, len, &u.rfb)) < 0)
                        return r;
                tt_obs_init(&o, "rfb", subject);
                tt_obs_add_str(&o, "version", u.rfb.version);
                break;
        case STREAM_RDP:
                if ((r = rdp_parse(buf, len, &u.rdp)) < 0)
                        return r;
                tt_obs_init(&o, "rdp", subject);
                if (u.rdp.cookie[0])
                        tt_obs_add_str(&o, "cookie", u.rdp.cookie);
                if (u.rdp.has_neg_req) {
                        snprintf(protocols, sizeof(protocols), "0x%x", u.rdp.requested_protocols);
                        tt_obs_add_str(&o, "requested_protocols", protocols);
                }
                break;
        case STREAM_NOMACHINE:
                if ((r = nomachine_parse(buf, len, &u.nx)) < 0)
                        return r;
                tt_obs_init(&o, "nomachine", subject);
                tt_obs_add_str(&o, "banner", u.nx.banner);
                break;
        case STREAM_TEAMVIEWER:
                if ((r = teamviewer_parse(buf, len, &u.tv)) < 0)
                        return r;
                tt_obs_init(&o, "teamviewer", subject);
                tt_obs_add_int(&o, "command", u.tv.command);
                break;
        default:
                return -ENOMSG;
        }
        endpoints_add(&o, m);
        if (m->rtt_usec)
                tt_obs_add_int(&o, "rtt_ms", (int64_t) (m->rtt_usec / 1000));
        return emit(ctx, &o);
}

bool tt_netobs_stream_subject(const struct tt_netobs_meta *m, uint32_t state, char *buf, size_t size) {
        if (state == STREAM_UNKNOWN || state == STREAM_NONE)
                return false;
        /* Sessions are about the peer that opened them; TLS about the flow. */
        if (state == STREAM_TLS)
                snprintf(buf, size, "tls:%s:%u-%s:%u%s", m->src, m->sport, m->dst, m->dport,
                         m->from_server ? ":server" : "");
        else
                snprintf(buf, size, "%s->%s:%u", m->src, m->dst, m->dport);
        return true;
}

int tt_netobs_stream(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const uint8_t *buf, size_t len,
                     uint32_t *state, bool final) {
        if (*state == STREAM_UNKNOWN)
                *state = stream_detect(buf, len);
        if (*state == STREAM_UNKNOWN)
                return -EAGAIN;
        char subject[128];
        if (!tt_netobs_stream_subject(m, *state, subject, sizeof(subject)))
                return 0;
        switch (*state) {
        case STREAM_TLS:
                return stream_tls(ctx, m, buf, len, final, subject);
        default:
                return stream_session(ctx, m, (enum stream_proto) * state, buf, len, subject);
        }
}

static void answers_add(struct tt_observation *o, const struct dns_msg *d, const struct tt_netobs_meta *m,
                        char (*texts)[INET6_ADDRSTRLEN], size_t n_texts) {
        size_t t = 0;
        for (size_t i = 0; i < d->n_records; i++) {
                const struct dns_record *rr = &d->records[i];
                if (rr->section != DNS_SECTION_ANSWER)
                        continue;
                if ((rr->type == DNS_TYPE_A || rr->type == DNS_TYPE_AAAA) && t < n_texts) {
                        inet_ntop(rr->family, rr->addr, texts[t], INET6_ADDRSTRLEN);
                        tt_obs_add_str(o, "answer", texts[t++]);
                        /* Later flows to this address are attributed to the name the
                         * client asked for, not a CDN alias at the end of a CNAME chain. */
                        if (d->n_questions > 0)
                                tt_dnscache_put(m->names, rr->family, rr->addr, d->questions[0].name, m->ts);
                } else if (rr->type == DNS_TYPE_CNAME)
                        tt_obs_add_str(o, "answer", rr->target);
        }
}

static int datagram_dns(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const struct tt_packet *pk) {
        struct dns_msg *d = &scratch.dns;
        if (dns_parse(pk->payload, pk->payload_len, d) < 0 || d->n_questions == 0)
                return 0;
        char texts[16][INET6_ADDRSTRLEN], qtype[8], subject[DNS_NAME_MAX + 8];
        int n = 0;
        for (size_t q = 0; q < d->n_questions; q++) {
                struct tt_observation o;
                snprintf(subject, sizeof(subject), "dns:%s", d->questions[q].name);
                tt_obs_init(&o, "dns", subject);
                tt_obs_add_str(&o, "name", d->questions[q].name);
                snprintf(qtype, sizeof(qtype), "%u", d->questions[q].type);
                tt_obs_add_str(&o, "qtype", qtype);
                /* The querier is the client: the destination of a response. */
                tt_obs_add_str(&o, "client", d->response ? m->dst : m->src);
                tt_obs_add_str(&o, "server", d->response ? m->src : m->dst);
                if (d->response) {
                        tt_obs_add_int(&o, "rcode", d->rcode);
                        if (q == 0)
                                answers_add(&o, d, m, texts, ELEMENTSOF(texts));
                }
                int r = emit(ctx, &o);
                if (r < 0)
                        return r;
                n += r;
        }
        return n;
}

static int datagram_mdns(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const struct tt_packet *pk) {
        struct dns_msg *d = &scratch.dns;
        if (dns_parse(pk->payload, pk->payload_len, d) < 0 || !d->response)
                return 0;
        struct dnssd_msg *s = &scratch_dnssd;
        if (dnssd_parse(d, s) < 0)
                return 0;
        char mac[18], subject[DNS_NAME_MAX + 16];
        if (m->src_mac)
                mac_format(m->src_mac, mac);
        int n = 0;
        for (size_t i = 0; i < s->n_services; i++) {
                const struct dnssd_service *sv = &s->services[i];
                struct tt_observation o;
                snprintf(subject, sizeof(subject), "mdns:%s", sv->name[0] ? sv->name : sv->type);
                tt_obs_init(&o, "mdns", subject);
                tt_obs_add_str(&o, "service", sv->type);
                if (sv->instance[0])
                        tt_obs_add_str(&o, "instance", sv->instance);
                if (sv->has_srv) {
                        tt_obs_add_str(&o, "host", sv->host);
                        tt_obs_add_int(&o, "port", sv->port);
                }
                /* TXT strings sit back to back, each NUL-terminated. */
                const char *t = sv->txt;
                for (size_t k = 0; sv->has_txt && k < sv->n_txt && t < sv->txt + sizeof(sv->txt); k++) {
                        tt_obs_add_str(&o, "txt", t);
                        t += strlen(t) + 1;
                }
                tt_obs_add_str(&o, "src", m->src);
                if (m->src_mac)
                        tt_obs_add_str(&o, "mac", mac);
                int r = emit(ctx, &o);
                if (r < 0)
                        return r;
                n += r;
        }
        for (size_t i = 0; i < s->n_hosts; i++) {
                struct tt_observation o;
                snprintf(subject, sizeof(subject), "mdns:%s", s->hosts[i].name);
                tt_obs_init(&o, "mdns", subject);
                tt_obs_add_str(&o, "host", s->hosts[i].name);
                tt_obs_add_str(&o, "src", m->src);
                if (m->src_mac)
                        tt_obs_add_str(&o, "mac", mac);
                int r = emit(ctx, &o);
                if (r < 0)
                        return r;
                n += r;
        }
        return n;
}

static int datagram_dhcp(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const struct tt_packet *pk) {
        struct dhcp_msg d;
        if (dhcp_parse(pk->payload, pk->payload_len, &d) < 0 || d.op != 1 || d.hlen != 6)
                return 0;
        char mac[18], oui[9], subject[32], ip[INET_ADDRSTRLEN], client_id[2 * 16 + 1] = "";
        mac_format(d.chaddr, mac);
        oui_format(d.chaddr, oui);
        snprintf(subject, sizeof(subject), "dhcp:%s", mac);
        struct tt_observation o;
        tt_obs_init(&o, "dhcp", subject);
        tt_obs_add_str(&o, "mac", mac);
        tt_obs_add_str(&o, "oui", oui);
        if (d.hostname[0])
                tt_obs_add_str(&o, "hostname", d.hostname);
        if (d.vendor_class[0])
                tt_obs_add_str(&o, "vendor_class", d.vendor_class);
        if (d.domain[0])
                tt_obs_add_str(&o, "domain", d.domain);
        for (size_t i = 0; i < MIN(d.client_id_len, (size_t) 16); i++)
                snprintf(client_id + 2 * i, 3, "%02x", d.client_id[i]);
        if (client_id[0])
                tt_obs_add_str(&o, "client_id", client_id);
        if (d.has_requested_ip)
                tt_obs_add_str(&o, "requested_ip", inet_ntop(AF_INET, d.requested_ip, ip, sizeof(ip)));
        return emit(ctx, &o);
}

static int datagram_ssdp(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const struct tt_packet *pk) {
        struct ssdp_msg s;
        if (ssdp_parse(pk->payload, pk->payload_len, &s) < 0 || s.kind == SSDP_SEARCH)
                return 0;
        char subject[SSDP_VALUE_MAX + 64];
        snprintf(subject, sizeof(subject), "ssdp:%s:%s", m->src, s.usn.present ? s.usn.value : "");
        struct tt_observation o;
        tt_obs_init(&o, "ssdp", subject);
        if (s.server.present)
                tt_obs_add_str(&o, "server", s.server.value);
        if (s.usn.present)
                tt_obs_add_str(&o, "usn", s.usn.value);
        if (s.st.present)
                tt_obs_add_str(&o, "st", s.st.value);
        else if (s.nt.present)
                tt_obs_add_str(&o, "st", s.nt.value);
        if (s.location.present)
                tt_obs_add_str(&o, "location", s.location.value);
        tt_obs_add_str(&o, "src", m->src);
        return emit(ctx, &o);
}

bool tt_netobs_datagram_port(uint16_t s, uint16_t d) {
        return s == 5353 || d == 5353 || s == 53 || d == 53 || (s == 68 && d == 67) || (s == 67 && d == 68) ||
               s == 1900 || d == 1900 || s == 5938 || d == 5938;
}

int tt_netobs_datagram(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const struct tt_packet *pk) {
        uint16_t s = pk->sport, d = pk->dport;
        if (s == 5353 || d == 5353)
                return datagram_mdns(ctx, m, pk);
        if (s == 53 || d == 53)
                return datagram_dns(ctx, m, pk);
        if ((s == 68 && d == 67) || (s == 67 && d == 68))
                return datagram_dhcp(ctx, m, pk);
        if (s == 1900 || d == 1900)
                return datagram_ssdp(ctx, m, pk);
        if (s == 5938 || d == 5938) {
                char subject[128];
                snprintf(subject, sizeof(subject), "%s->%s:%u", m->src, m->dst, m->dport);
                return MAX(stream_session(ctx, m, STREAM_TEAMVIEWER, pk->payload, pk->payload_len, subject), 0);
        }
        return 0;
}

int tt_netobs_arp(struct tt_probe_ctx *ctx, const struct tt_packet *pk, usec_t ts) {
        struct arp_msg a;
        if (arp_parse(pk->arp, pk->arp_len, &a) < 0)
                return 0;
        char mac[18], oui[9], ip[INET_ADDRSTRLEN], subject[32];
        mac_format(a.sender_mac, mac);
        oui_format(a.sender_mac, oui);
        inet_ntop(AF_INET, a.sender_ip, ip, sizeof(ip));
        snprintf(subject, sizeof(subject), "arp:%s", mac);
        struct tt_observation o;
        tt_obs_init(&o, "arp", subject);
        tt_obs_add_str(&o, "mac", mac);
        tt_obs_add_str(&o, "oui", oui);
        tt_obs_add_str(&o, "ip", ip);
        return emit(ctx, &o);
}

int tt_netobs_flow(struct tt_probe_ctx *ctx, const struct tt_netobs_meta *m, const char *proto) {
        char subject[128];
        snprintf(subject, sizeof(subject), "flow:%s:%s->%s:%u", proto, m->src, m->dst, m->dport);
        struct tt_observation o;
        tt_obs_init(&o, "flow", subject);
        tt_obs_add_str(&o, "proto", proto);
        endpoints_add(&o, m);
        if (m->dst_name)
                tt_obs_add_str(&o, "name", m->dst_name);
        return emit(ctx, &o);
}
