/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "buf.h"
#include "cmd-pcap.h"
#include "daemon.h"
#include "heuristics.h"
#include "report.h"
#include "sandbox.h"
#include "setup.h"

/* Exit status, like grep and clamscan. */
enum {
        EXIT_CLEAN = 0,
        EXIT_FINDINGS = 1,
        EXIT_ERROR = 2,
};

struct args {
        const char *command;
        const char *root;
        const char *config;
        enum tt_output_format format;
        bool observations;
        bool foreground;
        char **files;
        int n_files;
        char *local[64];
        size_t n_local;
};

static void usage(FILE *out) {
        fputs("Usage:\n"
              "  telltale scan   [--root DIR] [--config FILE] [--format text|json] [--observations]\n"
              "  telltale daemon [--root DIR] [--config FILE] [--foreground]\n"
              "  telltale pcap   [--config FILE] [--format text|json] [--observations] [--local CIDR]... FILE...\n"
              "  telltale check-config [--config FILE]\n"
              "  telltale catalog [--config FILE] [--format text|json]\n"
              "  telltale --version | --help\n"
              "\n"
              "Tells when this laptop is driven by someone who shouldn't be driving it: remote-access\n"
              "software, IP-KVM hardware, foreign-routed traffic.\n"
              "\n"
              "Options:\n"
              "  -r, --root DIR      read the system under DIR (a mounted image, a fixture); default /\n"
              "  -c, --config FILE   config file; default " TT_DEFAULT_CONFIG " if it exists\n"
              "  -f, --format FMT    text (a report for a person) or json (one finding per line)\n"
              "  -o, --observations  print the raw observations (JSON lines) instead of findings\n"
              "  -l, --local CIDR    pcap: addresses that count as local (repeatable; default: private,\n"
              "                      link-local and ULA ranges, or network.local from the config)\n"
              "      --foreground    daemon: without configured outputs, report on stdout (else the journal)\n"
              "  -h, --help          this text\n"
              "  -V, --version       the version\n"
              "\n"
              "Exit status: 0 no finding at or above report.min_severity, 1 findings, 2 error.\n",
              out);
}

static int parse_args(int argc, char **argv, struct args *a) {
        static const struct option opts[] = {
                { "root", required_argument, NULL, 'r' },   { "config", required_argument, NULL, 'c' },
                { "format", required_argument, NULL, 'f' }, { "observations", no_argument, NULL, 'o' },
                { "foreground", no_argument, NULL, 'F' },   { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },      { "local", required_argument, NULL, 'l' },
                {},
        };
        *a = (struct args){ .root = "/", .format = TT_FORMAT_TEXT };
        int c;
        /* GNU getopt permutes: options may stand before or after the command. */
        while ((c = getopt_long(argc, argv, "r:c:f:ohVl:", opts, NULL)) >= 0) {
                switch (c) {
                case 'r':
                        a->root = optarg;
                        break;
                case 'c':
                        a->config = optarg;
                        break;
                case 'f':
                        if (tt_output_format_from_string(optarg, &a->format) < 0 ||
                            (a->format != TT_FORMAT_TEXT && a->format != TT_FORMAT_JSON)) {
                                fprintf(stderr, "telltale: --format must be text or json\n");
                                return -EINVAL;
                        }
                        break;
                case 'o':
                        a->observations = true;
                        break;
                case 'l':
                        if (a->n_local == ELEMENTSOF(a->local)) {
                                fprintf(stderr, "telltale: too many --local ranges\n");
                                return -E2BIG;
                        }
                        a->local[a->n_local++] = optarg;
                        break;
                case 'F':
                        a->foreground = true;
                        break;
                case 'h':
                        a->command = "help";
                        return 0;
                case 'V':
                        a->command = "version";
                        return 0;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc)
                a->command = argv[optind++];
        a->files = argv + optind;
        a->n_files = argc - optind;
        return 0;
}

static int load_or_complain(const struct args *a, struct tt_setup *s) {
        struct tt_error err = {};
        int r = tt_setup_load(a->config, s, &err);
        if (r < 0) {
                struct tt_buf b = {};
                tt_buf_text(&b, err.msg[0] ? err.msg : strerror(-r), NULL);
                fprintf(stderr, "telltale: %s\n", b.data ? b.data : "error");
                tt_buf_free(&b);
        }
        return r;
}

static int cmd_scan(const struct args *a) {
        if (a->n_files > 0) {
                fprintf(stderr, "telltale: scan takes no file arguments\n");
                return EXIT_ERROR;
        }
        struct tt_setup s;
        if (load_or_complain(a, &s) < 0)
                return EXIT_ERROR;
        struct tt_root root;
        int r = tt_root_open(a->root, &root);
        if (r < 0) {
                fprintf(stderr, "telltale: --root %s: %s\n", a->root, strerror(-r));
                tt_setup_free(&s);
                return EXIT_ERROR;
        }
        char host[256];
        tt_setup_host(&s, &root, host, sizeof(host));
        struct tt_core *core = NULL;
        int status = EXIT_ERROR;
        /* Everything is open: the probes only read, with no more than the two capabilities they use. */
        if ((r = tt_sandbox_enter(&(const struct tt_sandbox_opts){ .other_users = true })) < 0) {
                fprintf(stderr, "telltale: cannot enter the sandbox: %s\n", strerror(-r));
                goto out;
        }
        if (!a->observations && (r = tt_core_new(&s.cfg, &s.cat, host, &core)) < 0) {
                fprintf(stderr, "telltale: %s\n", strerror(-r));
                goto out;
        }
        r = tt_scan_once(&s, &root, core, a->observations ? stdout : NULL);
        if (r < 0) {
                fprintf(stderr, "telltale: %s\n", strerror(-r));
                goto out;
        }
        if (a->observations) {
                status = EXIT_CLEAN;
                goto out;
        }
        size_t shown = a->format == TT_FORMAT_JSON ? tt_report_json(stdout, core, s.cfg.min_severity)
                                                   : tt_report_text(stdout, core, s.cfg.min_severity, a->root);
        status = shown > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
out:
        if (fflush(stdout) != 0)
                status = EXIT_ERROR;
        tt_core_free(core);
        tt_root_close(&root);
        tt_setup_free(&s);
        return status;
}

static int cmd_daemon(const struct args *a) {
        if (a->n_files > 0 || a->observations) {
                fprintf(stderr, "telltale: daemon takes no file arguments and no --observations\n");
                return EXIT_ERROR;
        }
        const struct tt_daemon_args da = { .config = a->config, .root = a->root, .foreground = a->foreground };
        return tt_daemon_run(&da) == 0 ? EXIT_CLEAN : EXIT_ERROR;
}

static int cmd_check_config(const struct args *a) {
        struct tt_setup s;
        if (load_or_complain(a, &s) < 0)
                return EXIT_ERROR;
        printf("%s: OK (%zu rules from %s", s.cfg.path ? s.cfg.path : "built-in defaults", s.cat.n_rules,
               s.catalog_dir);
        printf(" and %s, %zu allow entr%s, %zu output%s)\n", s.local_catalog_dir, s.cfg.n_allow,
               s.cfg.n_allow == 1 ? "y" : "ies", s.cfg.n_outputs, s.cfg.n_outputs == 1 ? "" : "s");
        tt_setup_free(&s);
        return EXIT_CLEAN;
}

static void rule_kinds(struct tt_buf *b, const struct tt_rule *r, bool json) {
        if (r->heuristic) {
                if (json)
                        tt_buf_json_string(b, r->heuristic->kind);
                else
                        tt_buf_printf(b, "%s (heuristic %s)", r->heuristic->kind, r->heuristic->name);
                return;
        }
        for (size_t i = 0; i < r->n_matches; i++) {
                if (i)
                        tt_buf_puts(b, json ? "," : " ");
                if (json)
                        tt_buf_json_string(b, r->matches[i].kind->name);
                else
                        tt_buf_puts(b, r->matches[i].kind->name);
        }
}

static int cmd_catalog(const struct args *a) {
        struct tt_setup s;
        if (load_or_complain(a, &s) < 0)
                return EXIT_ERROR;
        struct tt_buf b = {};
        for (size_t i = 0; i < s.cat.n_rules; i++) {
                const struct tt_rule *r = &s.cat.rules[i];
                tt_buf_reset(&b);
                if (a->format == TT_FORMAT_JSON) {
                        tt_buf_puts(&b, "{\"id\":");
                        tt_buf_json_string(&b, r->id);
                        tt_buf_puts(&b, ",\"product\":");
                        tt_buf_json_string(&b, r->product);
                        tt_buf_printf(&b, ",\"category\":\"%s\",\"severity\":\"%s\",\"confidence\":%u,\"technique\":",
                                      tt_category_to_string(r->category), tt_severity_to_string(r->severity),
                                      r->confidence);
                        tt_buf_json_string(&b, r->technique);
                        tt_buf_puts(&b, ",\"kinds\":[");
                        rule_kinds(&b, r, true);
                        tt_buf_puts(&b, "],\"source\":");
                        tt_buf_json_string(&b, r->source);
                        tt_buf_puts(&b, ",\"description\":");
                        tt_buf_json_string(&b, r->description);
                        tt_buf_puts(&b, ",\"references\":[");
                        for (size_t j = 0; j < r->n_references; j++) {
                                if (j)
                                        tt_buf_puts(&b, ",");
                                tt_buf_json_string(&b, r->references[j]);
                        }
                        tt_buf_puts(&b, "]}\n");
                } else {
                        tt_buf_printf(&b, "%-40s %-8s %-14s %-10s ", r->id, tt_severity_to_string(r->severity),
                                      tt_category_to_string(r->category), r->technique);
                        tt_buf_text(&b, r->product, NULL);
                        tt_buf_puts(&b, " [");
                        rule_kinds(&b, r, false);
                        tt_buf_puts(&b, "]\n");
                }
                if (!b.oom)
                        fwrite(b.data, 1, b.len, stdout);
        }
        tt_buf_free(&b);
        tt_setup_free(&s);
        return fflush(stdout) == 0 ? EXIT_CLEAN : EXIT_ERROR;
}

int main(int argc, char **argv) {
        struct args a;
        if (parse_args(argc, argv, &a) < 0) {
                usage(stderr);
                return EXIT_ERROR;
        }
        if (!a.command) {
                usage(stderr);
                return EXIT_ERROR;
        }
        if (streq(a.command, "help")) {
                usage(stdout);
                return EXIT_CLEAN;
        }
        if (streq(a.command, "version")) {
                printf("telltale %s\n", TT_VERSION);
                return EXIT_CLEAN;
        }
        if (streq(a.command, "scan"))
                return cmd_scan(&a);
        if (streq(a.command, "daemon"))
                return cmd_daemon(&a);
        if (streq(a.command, "pcap"))
                return tt_cmd_pcap(a.config, a.format, a.observations, a.local, a.n_local, a.files,
                                   (size_t) a.n_files);
        if (streq(a.command, "check-config"))
                return cmd_check_config(&a);
        if (streq(a.command, "catalog"))
                return cmd_catalog(&a);
        fprintf(stderr, "telltale: unknown command \"%s\"\n", a.command);
        usage(stderr);
        return EXIT_ERROR;
}
