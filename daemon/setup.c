/* SPDX-License-Identifier: MIT */
#include "setup.h"

#include <libgen.h>
#include <sys/stat.h>
#include <time.h>

#include "format.h"

static bool dir_exists(const char *p) {
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The shipped catalog: $TELLTALE_CATALOG_DIR, else the installed one, else
 * the source tree's (running from a build directory). */
static void catalog_dir_pick(char *buf, size_t size) {
        const char *env = getenv("TELLTALE_CATALOG_DIR");
        if (!isempty(env))
                strscpy(buf, size, env);
        else if (dir_exists(TT_CATALOG_DIR) || !dir_exists(TT_SOURCE_CATALOG_DIR))
                strscpy(buf, size, TT_CATALOG_DIR);
        else
                strscpy(buf, size, TT_SOURCE_CATALOG_DIR);
}

/* Unknown probes, unknown probe options and bad option values are config errors too. */
static int probes_config_check(const struct tt_config *cfg, struct tt_error *err) {
        for (size_t i = 0; i < cfg->n_probes; i++) {
                const struct tt_probe_config *pc = &cfg->probes[i];
                const struct tt_yaml_node *key = NULL;
                const struct tt_yaml_node *parent = cfg->doc.root ? tt_yaml_get(cfg->doc.root, "probes") : NULL;
                for (size_t k = 0; parent && k < parent->n_items; k++)
                        if (tt_yaml_value(parent, k) == pc->node)
                                key = tt_yaml_key(parent, k);
                const struct tt_probe *p = tt_probe_find(pc->name);
                if (!p) {
                        char list[512] = "";
                        for (size_t j = 0; tt_probes[j]; j++) {
                                if (j)
                                        strncat(list, ", ", sizeof(list) - strlen(list) - 1);
                                strncat(list, tt_probes[j]->name, sizeof(list) - strlen(list) - 1);
                        }
                        return tt_error_at(err, key ? key : pc->node, "unknown probe \"%s\" (probes: %s)", pc->name,
                                           list);
                }
                for (size_t k = 0; k < pc->node->n_items; k++) {
                        const char *opt = tt_yaml_key(pc->node, k)->value;
                        bool ok = streq(opt, "enabled") || streq(opt, "interval");
                        for (size_t j = 0; !ok && p->options && p->options[j]; j++)
                                ok = streq(p->options[j], opt);
                        if (!ok)
                                return tt_error_at(err, tt_yaml_key(pc->node, k), "probe \"%s\" has no option \"%s\"",
                                                   pc->name, opt);
                        for (size_t j = 0; j < k; j++)
                                if (streq(tt_yaml_key(pc->node, j)->value, opt))
                                        return tt_error_at(err, tt_yaml_key(pc->node, k), "duplicate key \"%s\"",
                                                           opt);
                }
                int r;
                if (p->options_check && (r = p->options_check(pc->node, err)) < 0)
                        return r;
        }
        return 0;
}

/* An allow entry naming a rule that does not exist is a typo that would
 * silently allow nothing. */
static int allow_rules_check(const struct tt_config *cfg, const struct tt_catalog *cat, struct tt_error *err) {
        for (size_t i = 0; i < cfg->n_allow; i++)
                if (cfg->allow[i].rule && !tt_catalog_find(cat, cfg->allow[i].rule))
                        return tt_error_set(err, -EINVAL, "%s: allow entry names unknown rule \"%s\"",
                                            cfg->allow[i].source, cfg->allow[i].rule);
        return 0;
}

int tt_setup_load(const char *config_path, struct tt_setup *ret, struct tt_error *err) {
        struct tt_setup s = {};
        const char *path = config_path;
        if (!path && access(TT_DEFAULT_CONFIG, F_OK) == 0)
                path = TT_DEFAULT_CONFIG;
        int r = tt_config_load(path, &s.cfg, err);
        if (r < 0)
                return r;
        if ((r = probes_config_check(&s.cfg, err)) < 0)
                goto fail;

        catalog_dir_pick(s.catalog_dir, sizeof(s.catalog_dir));
        if ((r = tt_catalog_load_dir(&s.cat, s.catalog_dir, false, err)) < 0)
                goto fail;
        if (s.cat.n_rules == 0) {
                r = tt_error_set(err, -ENOENT, "%s: no catalog rules found", s.catalog_dir);
                goto fail;
        }
        char cfgdir[4096];
        strscpy(cfgdir, sizeof(cfgdir), path ? path : TT_DEFAULT_CONFIG);
        snprintf(s.local_catalog_dir, sizeof(s.local_catalog_dir), "%s/catalog.d", dirname(cfgdir));
        if ((r = tt_catalog_load_dir(&s.cat, s.local_catalog_dir, true, err)) < 0)
                goto fail;
        if ((r = allow_rules_check(&s.cfg, &s.cat, err)) < 0)
                goto fail;
        if ((r = tt_catalog_paths(&s.cat, &s.catalog_paths)) < 0) {
                tt_error_set(err, r, "out of memory");
                goto fail;
        }
        *ret = s;
        return 0;
fail:
        tt_setup_free(&s);
        return r;
}

void tt_setup_free(struct tt_setup *s) {
        tt_config_free(&s->cfg);
        tt_catalog_free(&s->cat);
        tt_strv_free(s->catalog_paths);
        s->catalog_paths = NULL;
}

void tt_setup_host(const struct tt_setup *s, const struct tt_root *root, char *buf, size_t size) {
        if (!streq(s->cfg.host_id, "auto")) {
                strscpy(buf, size, s->cfg.host_id);
                return;
        }
        if (tt_read_line_beneath(root, root->fd, "/etc/hostname", buf, size) >= 0 && !isempty(buf))
                return;
        if (root->live && gethostname(buf, size) == 0) {
                buf[size - 1] = '\0';
                return;
        }
        strscpy(buf, size, "unknown");
}

bool tt_setup_probe_enabled(const struct tt_setup *s, const struct tt_probe *p) {
        const struct tt_probe_config *pc = tt_config_probe(&s->cfg, p->name);
        return pc ? pc->enabled : p->default_enabled;
}

usec_t tt_now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * 1000000 + (usec_t) ts.tv_nsec / 1000;
}

int tt_observer_emit(void *userdata, const char *probe, const struct tt_observation *o) {
        struct tt_observer *s = userdata;
        if (!s->obs_out)
                return tt_core_observe(s->core, probe, o, s->clock ? s->clock(s->clock_data) : s->now);
        tt_buf_reset(&s->buf);
        tt_format_observation_json(&s->buf, probe, o);
        tt_buf_puts(&s->buf, "\n");
        if (s->buf.oom)
                return -ENOMEM;
        fwrite(s->buf.data, 1, s->buf.len, s->obs_out);
        return 0;
}

int tt_scan_once(const struct tt_setup *s, const struct tt_root *root, struct tt_core *core, FILE *obs_out) {
        struct tt_observer sink = { .core = core, .obs_out = obs_out, .now = tt_now_usec() };
        int failed = 0;
        for (size_t i = 0; tt_probes[i]; i++) {
                const struct tt_probe *p = tt_probes[i];
                if (!p->scan || !tt_setup_probe_enabled(s, p))
                        continue;
                const struct tt_probe_config *pc = tt_config_probe(&s->cfg, p->name);
                struct tt_probe_ctx ctx = {
                        .root = root,
                        .options = pc ? pc->node : NULL,
                        .catalog_paths = (const char *const *) s->catalog_paths,
                        .config = &s->cfg,
                        .emit = tt_observer_emit,
                        .userdata = &sink,
                        .probe_name = p->name,
                };
                int r = p->scan(&ctx);
                if (r < 0) {
                        fprintf(stderr, "telltale: probe %s: %s\n", p->name, strerror(-r));
                        failed++;
                } else if (ctx.note[0]) {
                        struct tt_buf b = {};
                        tt_buf_text(&b, ctx.note, NULL);
                        fprintf(stderr, "telltale: probe %s: %s\n", p->name, b.data ? b.data : "");
                        tt_buf_free(&b);
                }
        }
        tt_buf_free(&sink.buf);
        if (core)
                tt_core_flush(core, tt_now_usec());
        return failed;
}
