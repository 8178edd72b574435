/* SPDX-License-Identifier: MIT */
#include "cmd-pcap.h"

#include <stdio.h>

#include "pcap.h"
#include "report.h"
#include "setup.h"

#define LOCAL_MAX 64

static int local_ranges(const struct tt_setup *s, char *const *local, size_t n_local, struct tt_cidr *ret,
                        size_t *ret_n) {
        if (n_local > LOCAL_MAX) {
                fprintf(stderr, "telltale: at most %d --local ranges\n", LOCAL_MAX);
                return -E2BIG;
        }
        for (size_t i = 0; i < n_local; i++)
                if (tt_cidr_parse(local[i], &ret[i]) < 0) {
                        fprintf(stderr, "telltale: --local %s: not an address range like 192.168.0.0/16\n", local[i]);
                        return -EINVAL;
                }
        *ret_n = n_local;
        /* Without --local: the config's network.local, else the built-in private ranges. */
        if (n_local == 0)
                for (size_t i = 0; i < s->cfg.network.local.n && i < LOCAL_MAX; i++)
                        ret[(*ret_n)++] = s->cfg.network.local.items[i];
        return 0;
}

int tt_cmd_pcap(const char *config, enum tt_output_format format, bool observations, char *const *local,
                size_t n_local, char *const *files, size_t n_files) {
        if (n_files == 0) {
                fprintf(stderr, "telltale: pcap needs at least one capture file\n");
                return 2;
        }
        struct tt_setup s;
        struct tt_error err = {};
        if (tt_setup_load(config, &s, &err) < 0) {
                fprintf(stderr, "telltale: %s\n", err.msg);
                return 2;
        }
        struct tt_cidr ranges[LOCAL_MAX];
        size_t n_ranges = 0;
        struct tt_core *core = NULL;
        struct tt_netprobe *np = NULL;
        int status = 2, r;
        if (local_ranges(&s, local, n_local, ranges, &n_ranges) < 0)
                goto out;
        if (!observations && (r = tt_core_new(&s.cfg, &s.cat, "pcap", &core)) < 0) {
                fprintf(stderr, "telltale: %s\n", strerror(-r));
                goto out;
        }
        struct tt_observer obs = { .core = core, .obs_out = observations ? stdout : NULL };
        struct tt_probe_ctx ctx = { .emit = tt_observer_emit, .userdata = &obs, .probe_name = "pcap",
                                    .config = &s.cfg };
        const struct tt_netprobe_config ncfg = {
                .local = ranges,
                .n_local = n_ranges,
                .flows = { .max_flows = 65536, .max_buffer_bytes = 32u << 20, .idle_timeout = 300 * 1000000ULL },
        };
        if ((r = tt_netprobe_new(&ctx, &ncfg, &np)) < 0) {
                fprintf(stderr, "telltale: %s\n", strerror(-r));
                goto out;
        }
        obs.clock = tt_netprobe_clock;
        obs.clock_data = np;
        bool failed = false;
        for (size_t i = 0; i < n_files; i++) {
                char msg[512] = "";
                if (tt_netprobe_read_file(np, files[i], msg, sizeof(msg)) < 0) {
                        struct tt_buf b = {};
                        tt_buf_text(&b, msg, NULL);
                        fprintf(stderr, "telltale: %s: %s\n", files[i], b.data ? b.data : "unreadable capture");
                        tt_buf_free(&b);
                        failed = true;
                }
        }
        tt_buf_free(&obs.buf);
        if (observations)
                status = failed ? 2 : 0;
        else {
                tt_core_flush(core, tt_netprobe_clock(np));
                /* What was read before a damaged record still counts: report it,
                 * and let the exit status say the input was bad. */
                size_t shown = format == TT_FORMAT_JSON ? tt_report_json(stdout, core, s.cfg.min_severity)
                                                        : tt_report_text(stdout, core, s.cfg.min_severity, NULL);
                status = failed ? 2 : shown > 0 ? 1 : 0;
        }
out:
        if (fflush(stdout) != 0)
                status = 2;
        tt_netprobe_free(np);
        tt_core_free(core);
        tt_setup_free(&s);
        return status;
}
