/* SPDX-License-Identifier: MIT */
#include "pcap.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>

#include "dnscache.h"
#include "netobs.h"
#include "util.h"

/* Live capture filter. Bulk TCP data (full-size segments) never leaves the
 * kernel; what passes: ARP, the UDP services the parsers read, TCP segments
 * that open or close a flow (RTT, direction), segments that start a TLS
 * handshake record, and small segments — banners, requests, and the tail of
 * a ClientHello that a post-quantum key share pushed over one segment. A
 * ClientHello longer than two full segments loses its middle (the parser
 * then works from what it has). libpcap's tcp[] and udp[] read IPv4 only;
 * the IPv6 parts assume no extension headers before TCP or UDP, which is
 * what hosts send. Overlay and tunnel ports pass only their small
 * handshake datagrams. */
#define V4_PAYLOAD "(ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2))"
#define V6_PAYLOAD "(ip6[4:2] - ((ip6[52] & 0xf0) >> 2))"
const char tt_netprobe_bpf[] =
        "arp"
        " or (udp and (port 53 or port 5353 or port 67 or port 68 or port 1900 or port 5938"
        " or ((port 9993 or port 41641 or port 21116 or port 51820 or port 3478)"
        " and ((ip and udp[4:2] < 300) or (ip6 and ip6[6] = 17 and ip6[44:2] < 300)))))"
        " or (ip and tcp and ((tcp[13] & 7) != 0 or (" V4_PAYLOAD " > 0 and (" V4_PAYLOAD
        " < 1200 or tcp[((tcp[12] & 0xf0) >> 2):2] = 0x1603))))"
        " or (ip6 and ip6[6] = 6 and ((ip6[53] & 7) != 0 or (" V6_PAYLOAD " > 0 and (" V6_PAYLOAD
        " < 1200 or ip6[40 + ((ip6[52] & 0xf0) >> 2):2] = 0x1603))))";

#define FILE_BUFFER (1u << 20)

struct tt_netprobe {
        struct tt_probe_ctx *ctx;
        struct tt_cidr *local;
        size_t n_local;
        struct tt_flow_table *flows;
        struct tt_dnscache *names;
        struct tt_netprobe_stats stats;
        usec_t last_expire;
        usec_t now; /* time of the frame being handled */
};

static const char *const default_local[] = {
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8",
        "fc00::/7",   "fe80::/10",     "::1/128",
};

int tt_netprobe_set_local(struct tt_netprobe *np, const struct tt_cidr *local, size_t n) {
        struct tt_cidr *v = calloc(n ? n : ELEMENTSOF(default_local), sizeof(*v));
        if (!v)
                return -ENOMEM;
        if (n)
                memcpy(v, local, n * sizeof(*v));
        else
                for (size_t i = 0; i < ELEMENTSOF(default_local); i++)
                        n += tt_cidr_parse(default_local[i], &v[n]) >= 0;
        free(np->local);
        np->local = v;
        np->n_local = n;
        return 0;
}

int tt_netprobe_new(struct tt_probe_ctx *ctx, const struct tt_netprobe_config *cfg, struct tt_netprobe **ret) {
        struct tt_netprobe *np = calloc(1, sizeof(*np));
        if (!np)
                return -ENOMEM;
        np->ctx = ctx;
        int r;
        if ((r = tt_netprobe_set_local(np, cfg->local, cfg->n_local)) < 0 ||
            (r = tt_flow_table_new(&cfg->flows, &np->flows)) < 0 || (r = tt_dnscache_new(4096, &np->names)) < 0) {
                tt_netprobe_free(np);
                return r;
        }
        *ret = np;
        return 0;
}

void tt_netprobe_free(struct tt_netprobe *np) {
        if (!np)
                return;
        tt_flow_table_free(np->flows);
        tt_dnscache_free(np->names);
        free(np->local);
        free(np);
}

static bool addr_local(const struct tt_netprobe *np, int family, const uint8_t *addr) {
        for (size_t i = 0; i < np->n_local; i++)
                if (tt_cidr_contains(&np->local[i], family, addr))
                        return true;
        return false;
}

static const char *direction(const struct tt_netprobe *np, int family, const uint8_t *src, const uint8_t *dst) {
        bool s = addr_local(np, family, src), d = addr_local(np, family, dst);
        if (s && d)
                return "internal";
        if (d)
                return "inbound";
        if (s)
                return "outbound";
        return "transit";
}

/* inet_ntop for IPv4 goes through sprintf: too slow for every packet. */
static void addr_text(int family, const uint8_t *a, char buf[static INET6_ADDRSTRLEN]) {
        if (family != AF_INET) {
                inet_ntop(family, a, buf, INET6_ADDRSTRLEN);
                return;
        }
        char *p = buf;
        for (int i = 0; i < 4; i++) {
                unsigned v = a[i];
                if (v >= 100)
                        *p++ = (char) ('0' + v / 100);
                if (v >= 10)
                        *p++ = (char) ('0' + v / 10 % 10);
                *p++ = (char) ('0' + v % 10);
                *p++ = i < 3 ? '.' : '\0';
        }
}

/* Endpoint text for observations: the client (opener) is src. */
static void meta_fill(struct tt_netprobe *np, int family, const uint8_t *src, uint16_t sport, const uint8_t *dst,
                      uint16_t dport, usec_t ts, struct tt_netobs_meta *m) {
        addr_text(family, src, m->src);
        addr_text(family, dst, m->dst);
        m->sport = sport;
        m->dport = dport;
        m->ts = ts;
        m->direction = direction(np, family, src, dst);
        m->dst_name = NULL;
        m->names = np->names;
        m->src_mac = NULL;
        m->from_server = false;
        m->rtt_usec = 0;
}

/* A flow's first sight: with the name its server's address was resolved from. */
static void flow_announce(struct tt_netprobe *np, struct tt_flow *f, const char *proto, usec_t ts) {
        f->announced = true;
        struct tt_netobs_meta m;
        meta_fill(np, f->key.family, f->key.caddr, f->key.cport, f->key.saddr, f->key.sport, ts, &m);
        m.dst_name = tt_dnscache_get(np->names, f->key.family, f->key.saddr);
        if (tt_netobs_flow(np->ctx, &m, proto) > 0)
                np->stats.observations++;
}

/* Parses what a direction has gathered; final: nothing more will come. */
static void stream_parse(struct tt_netprobe *np, struct tt_flow *f, enum tt_flow_dir dir, usec_t ts, bool final) {
        const struct tt_flow_key *k = &f->key;
        struct tt_netobs_meta m;
        meta_fill(np, k->family, k->caddr, k->cport, k->saddr, k->sport, ts, &m);
        m.from_server = dir == TT_FLOW_SERVER;
        m.rtt_usec = f->t_synack && f->t_syn ? f->t_synack - f->t_syn : 0;
        if (m.rtt_usec == 0 && f->t_ack && f->t_synack)
                m.rtt_usec = f->t_ack - f->t_synack;
        final = final || f->len[dir] >= TT_FLOW_DIR_BYTES;
        int r = tt_netobs_stream(np->ctx, &m, f->buf[dir], f->len[dir], &f->parser_state[dir], final);
        if (r != -EAGAIN || final)
                tt_flow_finish(np->flows, f, dir);
        if (r > 0) {
                np->stats.observations += (uint64_t) r;
                f->observed[dir] = true;
                f->refreshed = ts;
        }
}

/* A session still carrying traffic keeps its observations alive in the
 * daemon, which otherwise lets them go a while after they were emitted. */
static void flow_refresh(struct tt_netprobe *np, struct tt_flow *f, usec_t ts) {
        if (!np->ctx->still_seen || (!f->observed[0] && !f->observed[1]) ||
            ts < f->refreshed + TT_NETPROBE_REFRESH_USEC)
                return;
        f->refreshed = ts;
        const struct tt_flow_key *k = &f->key;
        struct tt_netobs_meta m;
        meta_fill(np, k->family, k->caddr, k->cport, k->saddr, k->sport, ts, &m);
        /* A session's two sides share a subject; TLS's do not. */
        char subject[2][128] = { "", "" };
        for (int dir = TT_FLOW_CLIENT; dir <= TT_FLOW_SERVER; dir++) {
                m.from_server = dir == TT_FLOW_SERVER;
                if (f->observed[dir] &&
                    tt_netobs_stream_subject(&m, f->parser_state[dir], subject[dir], sizeof(subject[dir])) &&
                    (dir == TT_FLOW_CLIENT || !streq(subject[TT_FLOW_CLIENT], subject[TT_FLOW_SERVER])))
                        tt_still_seen(np->ctx, subject[dir]);
        }
}

static bool stream_waiting(const struct tt_flow *f, enum tt_flow_dir dir) {
        return !f->done[dir] && f->len[dir] > 0;
}

static void stream_feed(struct tt_netprobe *np, struct tt_flow *f, enum tt_flow_dir dir, const struct tt_packet *pk,
                        usec_t ts) {
        enum tt_flow_dir other = dir == TT_FLOW_CLIENT ? TT_FLOW_SERVER : TT_FLOW_CLIENT;
        /* A peer answers only a whole message (a ClientHello, a banner): what
         * the capture still lacks of the other side's was lost or filtered. */
        if (stream_waiting(f, other))
                stream_parse(np, f, other, ts, true);
        /* A gap: the missing bytes will not come back in a capture. */
        if (stream_waiting(f, dir) && (int32_t) (pk->seq - f->next_seq[dir]) > 0)
                stream_parse(np, f, dir, ts, true);
        if (tt_flow_append(np->flows, f, dir, pk->seq, pk->payload, pk->payload_len) > 0)
                stream_parse(np, f, dir, ts, false);
}

/* Overlay and remote-access services on UDP: announced once per flow. */
static bool udp_tunnel_port(uint16_t port) {
        return port == 9993 || port == 41641 || port == 21116 || port == 51820 || port == 3478;
}

static void udp_flow(struct tt_netprobe *np, const struct tt_packet *pk, usec_t ts) {
        struct tt_flow *f;
        enum tt_flow_dir dir;
        if (tt_flow_lookup(np->flows, pk, ts, &f, &dir) < 0 || f->announced)
                return;
        flow_announce(np, f, "udp", ts);
}

static void tcp_frame(struct tt_netprobe *np, const struct tt_packet *pk, usec_t ts) {
        struct tt_flow *f;
        enum tt_flow_dir dir;
        if (tt_flow_lookup(np->flows, pk, ts, &f, &dir) < 0)
                return;
        if (!f->announced && f->saw_syn)
                flow_announce(np, f, "tcp", ts);
        if (pk->payload_len > 0)
                stream_feed(np, f, dir, pk, ts);
        /* The flow ends: what either side gathered is all there will be. */
        if (pk->tcp_flags & (TT_TCP_FIN | TT_TCP_RST))
                for (int d = TT_FLOW_CLIENT; d <= TT_FLOW_SERVER; d++)
                        if (stream_waiting(f, (enum tt_flow_dir) d))
                                stream_parse(np, f, (enum tt_flow_dir) d, ts, true);
        flow_refresh(np, f, ts);
}

int tt_netprobe_frame(struct tt_netprobe *np, int linktype, const uint8_t *data, size_t caplen, usec_t ts) {
        np->stats.frames++;
        np->now = ts;
        struct tt_packet pk;
        int r = tt_packet_decode(linktype, data, caplen, &pk);
        if (r < 0) {
                if (r == -EBADMSG)
                        np->stats.malformed++;
                return 0;
        }
        np->stats.decoded++;
        if (pk.arp) {
                if (tt_netobs_arp(np->ctx, &pk, ts) > 0)
                        np->stats.observations++;
        } else if (pk.ip_proto == 17 && pk.payload) {
                if (udp_tunnel_port(pk.sport) || udp_tunnel_port(pk.dport))
                        udp_flow(np, &pk, ts);
                if (tt_netobs_datagram_port(pk.sport, pk.dport)) {
                        struct tt_netobs_meta m;
                        meta_fill(np, pk.family, pk.src, pk.sport, pk.dst, pk.dport, ts, &m);
                        if (pk.has_mac)
                                m.src_mac = pk.src_mac;
                        r = tt_netobs_datagram(np->ctx, &m, &pk);
                        if (r > 0)
                                np->stats.observations += (uint64_t) r;
                }
        } else if (pk.ip_proto == 6 && !pk.fragment)
                tcp_frame(np, &pk, ts);

        /* Expire idle flows about once a second of capture time. */
        if (ts > np->last_expire + 1000000) {
                tt_flow_expire(np->flows, ts);
                np->last_expire = ts;
        }
        return 0;
}

int tt_netprobe_read_file(struct tt_netprobe *np, const char *path, char *err, size_t err_size) {
        char errbuf[PCAP_ERRBUF_SIZE] = "";
        FILE *file = fopen(path, "re");
        if (!file) {
                int r = -errno;
                snprintf(err, err_size, "%s", strerror(-r));
                return r;
        }
        /* Reading in 1 MiB pieces, not stdio's 4 KiB: a tenth of the time
         * goes to read() calls otherwise. glibc takes a size only with a buffer. */
        _cleanup_free_ char *iobuf = malloc(FILE_BUFFER);
        if (iobuf)
                (void) setvbuf(file, iobuf, _IOFBF, FILE_BUFFER);
        pcap_t *p = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
        if (!p) {
                fclose(file);
                snprintf(err, err_size, "%s", errbuf);
                return -EBADMSG;
        }
        int linktype = pcap_datalink(p), r;
        struct pcap_pkthdr *h;
        const u_char *data;
        while ((r = pcap_next_ex(p, &h, &data)) == 1) {
                usec_t ts = (usec_t) h->ts.tv_sec * 1000000 + (usec_t) h->ts.tv_usec;
                tt_netprobe_frame(np, linktype, data, h->caplen, ts);
        }
        int ret = 0;
        if (r == PCAP_ERROR) {
                /* libpcap reports a file cut short mid-record here. */
                snprintf(err, err_size, "%s", pcap_geterr(p));
                ret = -EBADMSG;
        }
        pcap_close(p);
        return ret;
}

void tt_netprobe_stats(const struct tt_netprobe *np, struct tt_netprobe_stats *ret) {
        *ret = np->stats;
        tt_flow_stats(np->flows, &ret->flows);
}

usec_t tt_netprobe_clock(void *np) {
        return ((struct tt_netprobe *) np)->now;
}
