/* SPDX-License-Identifier: MIT */
/* Running processes: /proc/<pid>/{comm,cmdline,exe,status}. */
#include <limits.h>

#include "hostfs.h"
#include "probe.h"
#include "util.h"

#define CMDLINE_MAX 4096
#define STATUS_MAX (16 * 1024)

struct proc_status {
        char name[64];
        int64_t ppid, uid;
        bool has_ppid, has_uid;
};

/* Value of "Key:\tvalue" lines; NULL for other keys. */
static const char *status_value(const char *line, const char *key) {
        size_t n = strlen(key);
        if (strncmp(line, key, n) != 0 || line[n] != ':')
                return NULL;
        line += n + 1;
        while (*line == '\t' || *line == ' ')
                line++;
        return line;
}

static bool parse_first_number(const char *s, int64_t *ret) {
        char word[24];
        size_t n = strcspn(s, " \t");
        if (n == 0 || n >= sizeof(word))
                return false;
        memcpy(word, s, n);
        word[n] = '\0';
        return safe_atoi64(word, 10, ret) == 0 && *ret >= 0;
}

static void parse_status(char *text, struct proc_status *ret) {
        *ret = (struct proc_status){};
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                const char *v;
                if ((v = status_value(line, "Name")))
                        strscpy(ret->name, sizeof(ret->name), v);
                else if ((v = status_value(line, "PPid")))
                        ret->has_ppid = parse_first_number(v, &ret->ppid);
                else if ((v = status_value(line, "Uid")))
                        ret->has_uid = parse_first_number(v, &ret->uid);
        }
}

/* Arguments are NUL-separated; the output layer escapes whatever bytes remain. */
static void cmdline_to_text(char *data, size_t len) {
        while (len > 0 && data[len - 1] == '\0')
                len--;
        for (size_t i = 0; i < len; i++)
                if (data[i] == '\0')
                        data[i] = ' ';
        data[len] = '\0';
}

static int scan_pid(const struct tt_root *r, int pid_fd, unsigned pid, void *userdata) {
        struct tt_probe_ctx *ctx = userdata;
        _cleanup_free_ char *cmdline = NULL, *status_text = NULL;
        size_t len;
        char exe[PATH_MAX], comm[64], subject[32];

        if (tt_read_file_beneath(r, pid_fd, "cmdline", CMDLINE_MAX, &cmdline, &len) < 0)
                return 0; /* vanished */
        cmdline_to_text(cmdline, len);
        bool has_exe = tt_proc_read_exe(r, pid_fd, exe, sizeof(exe)) == 0;
        if (!has_exe && isempty(cmdline))
                return 0; /* kernel thread or zombie */
        bool has_comm = tt_proc_read_comm(r, pid_fd, comm, sizeof(comm)) == 0;
        struct proc_status st = {};
        if (tt_read_file_beneath(r, pid_fd, "status", STATUS_MAX, &status_text, NULL) == 0)
                parse_status(status_text, &st);

        snprintf(subject, sizeof(subject), "pid:%u", pid);
        struct tt_observation o;
        tt_obs_init(&o, "process", subject);
        tt_obs_add_int(&o, "pid", pid);
        if (st.has_ppid)
                tt_obs_add_int(&o, "ppid", st.ppid);
        if (st.has_uid)
                tt_obs_add_int(&o, "uid", st.uid);
        if (has_comm)
                tt_obs_add_str(&o, "comm", comm);
        if (st.name[0])
                tt_obs_add_str(&o, "name", st.name);
        if (has_exe)
                tt_obs_add_str(&o, "exe", exe);
        if (cmdline[0])
                tt_obs_add_str(&o, "cmdline", cmdline);
        return tt_emit(ctx, &o);
}

static int process_scan(struct tt_probe_ctx *ctx) {
        int e = tt_proc_for_each(ctx->root, scan_pid, ctx);
        /* An offline image has no processes to look at. */
        return e == -ENOENT ? 0 : e;
}

const struct tt_probe tt_probe_process = {
        .name = "process",
        .default_enabled = true,
        .scan = process_scan,
};
