/* SPDX-License-Identifier: MIT */
/* tt_sandbox_enter() in forked children: what it forbids kills the process
 * with SIGSYS (and works without the sandbox, so the kill is the filter's),
 * what the probes do still works and sees the same, and only the asked-for
 * capabilities survive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "config.h"
#include "fixture.h"
#include "sandbox.h"

/* Runs fn in a child, sandboxed with *opts when opts is set. fn's return
 * value is the child's exit status; out (may be -1) is its output fd. */
static int run_child(const struct tt_sandbox_opts *opts, int (*fn)(int out, void *arg), int out, void *arg) {
        fflush(stdout);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (opts && tt_sandbox_enter(opts) < 0)
                        _exit(100);
                /* _exit: no atexit handlers, no sanitizer leak check (it forks a tracer). */
                _exit(fn(out, arg));
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return status;
}

/* run_child() with the child's output (out) in a fresh memfd, read back whole into *ret. */
static int run_child_output(const struct tt_sandbox_opts *opts, int (*fn)(int out, void *arg), void *arg, char **ret,
                            size_t *ret_len) {
        int fd = memfd_create("child-output", MFD_CLOEXEC);
        assert_true(fd >= 0);
        int status = run_child(opts, fn, fd, arg);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        bool truncated;
        assert_int_equal(tt_read_file_fd(fd, 16 << 20, ret, ret_len, &truncated), 0);
        assert_false(truncated);
        close(fd);
        return status;
}

static const struct tt_sandbox_opts no_caps = {};

static int do_mount(int out, void *arg) {
        return syscall(SYS_mount, "none", "/nonexistent-tt", "tmpfs", 0UL, NULL) < 0 ? 1 : 0;
}

static int do_ptrace(int out, void *arg) {
        return syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL) < 0 ? 1 : 0;
}

static int do_execve(int out, void *arg) {
        char *const argv[] = { (char *) "/nonexistent-tt", NULL };
        return syscall(SYS_execve, argv[0], argv, NULL) < 0 ? 1 : 0;
}

static int do_fork(int out, void *arg) {
        long pid = syscall(SYS_clone, (unsigned long) SIGCHLD, 0UL, NULL, NULL, 0UL);
        if (pid == 0)
                _exit(0);
        return pid > 0 && waitpid((pid_t) pid, NULL, 0) == pid ? 0 : 1;
}

static int do_socket_bluetooth(int out, void *arg) {
        long fd = syscall(SYS_socket, AF_BLUETOOTH, SOCK_STREAM, 0);
        if (fd >= 0)
                close((int) fd);
        return 0;
}

static int do_socket_packet(int out, void *arg) {
        long fd = syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0);
        if (fd >= 0)
                close((int) fd);
        return 0;
}

static int do_socket_raw_ip(int out, void *arg) {
        long fd = syscall(SYS_socket, AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
        if (fd >= 0)
                close((int) fd);
        return 0;
}

static int do_tiocsti(int out, void *arg) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        char c = 'x';
        long r = syscall(SYS_ioctl, fd, (unsigned long) TIOCSTI, &c);
        close(fd);
        return r < 0 ? 1 : 0;
}

static int do_mmap_wx(int out, void *arg) {
        void *p = (void *) syscall(SYS_mmap, NULL, 4096UL, PROT_READ | PROT_WRITE | PROT_EXEC,
                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
        return p == MAP_FAILED ? 1 : munmap(p, 4096);
}

static int do_mprotect_exec(int out, void *arg) {
        void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return 2;
        return syscall(SYS_mprotect, p, 4096UL, PROT_READ | PROT_EXEC) < 0 ? 1 : 0;
}

static int do_kill(int out, void *arg) {
        return syscall(SYS_kill, getpid(), 0) < 0 ? 1 : 0;
}

/* Another process, here the parent: signal 0 only asks whether it exists. */
static int do_tgkill_other(int out, void *arg) {
        return syscall(SYS_tgkill, getppid(), getppid(), 0) < 0 ? 1 : 0;
}

/* abort() still works (SIGABRT, not SIGSYS); without a core file. */
static int do_abort(int out, void *arg) {
        if (setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) < 0)
                return 1;
        abort();
}

static int do_setuid(int out, void *arg) {
        return syscall(SYS_setuid, getuid()) < 0 ? 1 : 0;
}

static int do_capget(int out, void *arg) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2];
        return syscall(SYS_capget, &h, d) < 0 ? 1 : 0;
}

#ifdef __x86_64__
/* The x32 ABI: the same number with bit 30 set, a different architecture
 * to the filter. Without the sandbox it is ENOSYS where x32 is off. */
static int do_x32_getpid(int out, void *arg) {
        return syscall(0x40000000L | SYS_getpid) < 0 ? 1 : 0;
}
#endif

static void test_forbidden_syscalls_kill(void **state) {
        static const struct {
                const char *name;
                int (*fn)(int, void *);
        } calls[] = {
                { "mount", do_mount },
                { "ptrace", do_ptrace },
                { "execve", do_execve },
                { "clone", do_fork },
                { "socket(AF_BLUETOOTH)", do_socket_bluetooth },
                { "socket(AF_PACKET) without capture", do_socket_packet },
                { "socket(AF_INET, SOCK_RAW)", do_socket_raw_ip },
                { "ioctl(TIOCSTI)", do_tiocsti },
                { "mmap(PROT_WRITE|PROT_EXEC)", do_mmap_wx },
                { "mprotect(PROT_EXEC)", do_mprotect_exec },
                { "kill", do_kill },
                { "tgkill(another process)", do_tgkill_other },
                { "setuid", do_setuid },
                { "capget", do_capget },
#ifdef __x86_64__
                { "x32 getpid", do_x32_getpid },
#endif
        };
        for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
                int plain = run_child(NULL, calls[i].fn, -1, NULL);
                int boxed = run_child(&no_caps, calls[i].fn, -1, NULL);
                print_message("%-36s without sandbox: exit %d; with: %s\n", calls[i].name,
                              WIFEXITED(plain) ? WEXITSTATUS(plain) : -1,
                              WIFSIGNALED(boxed) ? strsignal(WTERMSIG(boxed)) : "not killed");
                assert_true(WIFEXITED(plain));
                assert_true(WIFSIGNALED(boxed));
                assert_int_equal(WTERMSIG(boxed), SIGSYS);
        }
}

static void *thread_main(void *arg) {
        return arg;
}

/* What a collector's name lookup needs: a thread, and getaddrinfo_a()'s
 * helper thread resolving a name from /etc/hosts. */
static int do_thread_and_lookup(int out, void *arg) {
        pthread_t t;
        void *ret = NULL;
        if (pthread_create(&t, NULL, thread_main, (void *) 1) != 0 || pthread_join(t, &ret) != 0 || ret != (void *) 1)
                return 1;
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
        struct gaicb req = { .ar_name = "localhost", .ar_service = "514", .ar_request = &hints };
        struct gaicb *list[] = { &req };
        if (getaddrinfo_a(GAI_WAIT, list, 1, NULL) != 0 || gai_error(&req) != 0)
                return 2;
        freeaddrinfo(req.ar_result);
        return 0;
}

/* clone3() cannot be judged by its flags: it fails with ENOSYS (glibc then uses clone()). */
static int do_clone3(int out, void *arg) {
        uint64_t args[11] = {}; /* struct clone_args, flags 0: a process */
        long r = syscall(SYS_clone3, args, sizeof(args));
        return r < 0 && errno == ENOSYS ? 0 : 3;
}

static void test_threads_not_processes(void **state) {
        int s = run_child(&no_caps, do_thread_and_lookup, -1, NULL);
        assert_true(WIFEXITED(s));
        assert_int_equal(WEXITSTATUS(s), 0);
        s = run_child(&no_caps, do_clone3, -1, NULL);
        assert_true(WIFEXITED(s));
        assert_int_equal(WEXITSTATUS(s), 0);
}

static int status_dump(int out, void *arg);
static uint64_t status_hex(const char *status, const char *key);

static void test_abort_still_aborts(void **state) {
        int s = run_child(&no_caps, do_abort, -1, NULL);
        assert_true(WIFSIGNALED(s));
        assert_int_equal(WTERMSIG(s), SIGABRT);
}

/* What the outputs and capture open: TCP with flags, UDP, unix, netlink,
 * and with capture a packet socket (EPERM without CAP_NET_RAW is fine: the
 * filter let the call through). */
static int do_allowed_sockets(int out, void *arg) {
        const bool capture = *(const bool *) arg;
        const int socks[][3] = {
                { AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0 },
                { AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0 },
                { AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0 },
                { AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE },
                { AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(socks) - !capture; i++) {
                int fd = socket(socks[i][0], socks[i][1], socks[i][2]);
                if (fd < 0 && !(socks[i][0] == AF_PACKET && errno == EPERM))
                        return 10 + (int) i;
                if (fd >= 0)
                        close(fd);
        }
        return 0;
}

static void test_allowed_sockets(void **state) {
        const bool no = false, yes = true;
        int s = run_child(&no_caps, do_allowed_sockets, -1, (void *) &no);
        assert_true(WIFEXITED(s));
        assert_int_equal(WEXITSTATUS(s), 0);
        s = run_child(&(struct tt_sandbox_opts){ .capture = true }, do_allowed_sockets, -1, (void *) &yes);
        assert_true(WIFEXITED(s));
        assert_int_equal(WEXITSTATUS(s), 0);
}

/* Under the systemd unit: its SystemCallFilter= (@system-service without
 * @privileged) refuses capset() and seccomp() with EPERM. The sandbox still
 * goes in (through prctl), and a forbidden call still kills. */
static int under_unit_filter(int out, void *arg) {
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 2, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_capset, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        };
        const struct sock_fprog prog = { ELEMENTSOF(f), f };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
                return 5;
        if (tt_sandbox_enter(&(struct tt_sandbox_opts){ .other_users = true }) < 0)
                return 6;
        if (status_dump(out, NULL) != 0)
                return 7;
        return do_mount(out, NULL) + 8;
}

static void test_under_unit_filter(void **state) {
        _cleanup_free_ char *st = NULL;
        size_t len;
        int s = run_child_output(NULL, under_unit_filter, NULL, &st, &len);
        assert_true(WIFSIGNALED(s));
        assert_int_equal(WTERMSIG(s), SIGSYS);
        assert_int_equal(status_hex(st, "Seccomp_filters:"), 2);
}

/* Every probe over a root, each observation as one line to out. */
struct probe_run {
        const char *root;
        const struct tt_config *cfg;
};

static int emit_line(void *userdata, const char *probe, const struct tt_observation *o) {
        int out = *(int *) userdata;
        char line[8192];
        int len = snprintf(line, sizeof(line), "%s %s %s", probe, o->kind, o->subject);
        for (size_t i = 0; i < o->n_attrs && len > 0 && (size_t) len < sizeof(line); i++) {
                char buf[64];
                len += snprintf(line + len, sizeof(line) - (size_t) len, " %s=%s", o->attrs[i].key,
                                tt_attr_to_string(&o->attrs[i], buf, sizeof(buf)));
        }
        if (len < 0 || (size_t) len >= sizeof(line) - 1)
                return -ENOBUFS;
        line[len++] = '\n';
        return write(out, line, (size_t) len) == len ? 0 : -EIO;
}

static int probes_run(int out, void *arg) {
        const struct probe_run *pr = arg;
        struct tt_root root;
        if (tt_root_open(pr->root, &root) < 0)
                return 3;
        for (size_t i = 0; tt_probes[i]; i++) {
                if (!tt_probes[i]->scan)
                        continue; /* event probes: capture in the sandbox is e2e/daemon_sessions.py */
                struct tt_probe_ctx ctx = {
                        .root = &root, .config = pr->cfg, .emit = emit_line, .userdata = &out,
                        .probe_name = tt_probes[i]->name,
                };
                int r = tt_probes[i]->scan(&ctx);
                dprintf(out, "probe %s: %d\n", tt_probes[i]->name, r < 0 ? r : 0);
        }
        tt_root_close(&root);
        return 0;
}

/* Lines other than the "probe NAME: R" results. */
static unsigned observation_lines(const char *out) {
        unsigned n = 0;
        for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
                n += !startswith(l, "probe ");
                if (!strchr(l, '\n'))
                        break;
        }
        return n;
}

static void test_fixture_scans_same_under_sandbox(void **state) {
        struct tt_config cfg;
        struct tt_error err = {};
        assert_int_equal(tt_config_load(NULL, &cfg, &err), 0);
        char dir[PATH_MAX];
        fixture_format(dir, sizeof(dir), "%s/tests/fixtures/sysroots", TT_SOURCE_DIR);
        DIR *d = opendir(dir);
        assert_non_null(d);
        unsigned n_roots = 0;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                char root[PATH_MAX];
                fixture_path(root, sizeof(root), dir, de->d_name);
                struct probe_run pr = { .root = root, .cfg = &cfg };
                _cleanup_free_ char *plain = NULL, *boxed = NULL;
                size_t plain_len, boxed_len;
                int s1 = run_child_output(NULL, probes_run, &pr, &plain, &plain_len);
                int s2 = run_child_output(&no_caps, probes_run, &pr, &boxed, &boxed_len);
                print_message("%-28s %u observations; sandboxed: %s\n", de->d_name, observation_lines(boxed),
                              WIFEXITED(s2) ? "exit" : strsignal(WTERMSIG(s2)));
                assert_true(WIFEXITED(s1) && WEXITSTATUS(s1) == 0);
                assert_true(WIFEXITED(s2) && WEXITSTATUS(s2) == 0);
                assert_int_equal(plain_len, boxed_len);
                assert_memory_equal(plain, boxed, plain_len);
                /* Some probe saw something: the run did real work. */
                assert_true(observation_lines(boxed) > 0);
                n_roots++;
        }
        closedir(d);
        assert_true(n_roots >= 5);
        tt_config_free(&cfg);
}

/* The live system: /proc of every process, netlink, sock_diag, sysfs. */
static void test_live_scan_under_sandbox(void **state) {
        struct tt_config cfg;
        struct tt_error err = {};
        assert_int_equal(tt_config_load(NULL, &cfg, &err), 0);
        struct probe_run pr = { .root = "/", .cfg = &cfg };
        const struct tt_sandbox_opts daemon_caps = { .capture = true, .other_users = true };
        _cleanup_free_ char *out = NULL;
        size_t len;
        int s = run_child_output(&daemon_caps, probes_run, &pr, &out, &len);
        assert_true(WIFEXITED(s));
        assert_int_equal(WEXITSTATUS(s), 0);
        /* It saw processes and at least one socket or route. */
        assert_non_null(strstr(out, "process process "));
        assert_non_null(strstr(out, "probe route: 0\n"));
        assert_non_null(strstr(out, "probe socket: 0\n"));
        tt_config_free(&cfg);
}

/* /proc/self/status lines the test looks at, written to out. */
static int status_dump(int out, void *arg) {
        char *text = NULL;
        size_t len;
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || tt_read_file_fd(fd, 65536, &text, &len, NULL) < 0)
                return 3;
        return write(out, text, len) == (ssize_t) len ? 0 : 4;
}

static uint64_t status_hex(const char *status, const char *key) {
        const char *p = strstr(status, key);
        assert_non_null(p);
        uint64_t v;
        char buf[32];
        p += strlen(key);
        while (*p == '\t' || *p == ' ')
                p++;
        size_t n = strcspn(p, "\n");
        assert_true(n < sizeof(buf));
        memcpy(buf, p, n);
        buf[n] = '\0';
        assert_int_equal(safe_atou64(buf, 16, &v), 0);
        return v;
}

/* Before the sandbox: an ambient and an inheritable capability, as a
 * supervisor might leave them. */
static int status_with_ambient(int out, void *arg) {
        const struct tt_sandbox_opts *opts = arg;
        cap_t c = cap_get_proc();
        cap_value_t raw = CAP_NET_RAW;
        if (!c || cap_set_flag(c, CAP_INHERITABLE, 1, &raw, CAP_SET) < 0 || cap_set_proc(c) < 0 ||
            cap_set_ambient(CAP_NET_RAW, CAP_SET) < 0 || cap_get_ambient(CAP_NET_RAW) != 1)
                return 5;
        cap_free(c);
        if (tt_sandbox_enter(opts) < 0)
                return 6;
        return status_dump(out, NULL);
}

#define BIT(c) (UINT64_C(1) << (c))

static void expect_caps(const struct tt_sandbox_opts *opts, uint64_t want) {
        _cleanup_free_ char *st = NULL;
        size_t len;
        int s = run_child_output(NULL, status_with_ambient, (void *) opts, &st, &len);
        assert_true(WIFEXITED(s));
        assert_int_equal(WEXITSTATUS(s), 0);
        assert_int_equal(status_hex(st, "CapEff:"), want);
        assert_int_equal(status_hex(st, "CapPrm:"), want);
        assert_int_equal(status_hex(st, "CapBnd:"), want);
        assert_int_equal(status_hex(st, "CapInh:"), 0);
        assert_int_equal(status_hex(st, "CapAmb:"), 0);
        assert_int_equal(status_hex(st, "NoNewPrivs:"), 1);
        assert_int_equal(status_hex(st, "Seccomp:"), 2);
}

static void test_capabilities_kept(void **state) {
        if (geteuid() != 0)
                skip(); /* no capabilities to keep or drop; CI runs as root */
        expect_caps(&no_caps, 0);
        expect_caps(&(struct tt_sandbox_opts){ .capture = true }, BIT(CAP_NET_RAW));
        expect_caps(&(struct tt_sandbox_opts){ .other_users = true }, BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYS_PTRACE));
        expect_caps(&(struct tt_sandbox_opts){ .capture = true, .other_users = true },
                    BIT(CAP_NET_RAW) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYS_PTRACE));
}

/* Asked-for capabilities the process does not have are no error: it runs
 * with what it has (an unprivileged `telltale scan`). */
static int enter_without_caps(int out, void *arg) {
        cap_t none = cap_init();
        if (!none || cap_set_proc(none) < 0)
                return 5;
        cap_free(none);
        const struct tt_sandbox_opts all = { .capture = true, .other_users = true };
        return tt_sandbox_enter(&all) < 0 ? 6 : status_dump(out, NULL);
}

static void test_missing_caps_are_no_error(void **state) {
        _cleanup_free_ char *st = NULL;
        size_t len;
        int s = run_child_output(NULL, enter_without_caps, NULL, &st, &len);
        assert_true(WIFEXITED(s));
        assert_int_equal(WEXITSTATUS(s), 0);
        assert_int_equal(status_hex(st, "CapEff:"), 0);
        assert_int_equal(status_hex(st, "Seccomp:"), 2);
}

/* The capabilities really are gone: root without CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH cannot read a mode-0000 file, with the latter it can. */
static int read_unreadable(int out, void *arg) {
        int fd = open(arg, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == EACCES ? 10 : 11;
        close(fd);
        return 0;
}

static void test_dac_dropped(void **state) {
        if (geteuid() != 0)
                skip(); /* DAC bypass is a root-only matter; CI runs as root */
        char dir[PATH_MAX], file[PATH_MAX];
        fixture_mkdtemp(dir, sizeof(dir), "sandbox");
        fixture_write_str(dir, "secret", "x");
        fixture_path(file, sizeof(file), dir, "secret");
        assert_int_equal(chmod(file, 0), 0);
        int plain = run_child(NULL, read_unreadable, -1, file);
        int dropped = run_child(&no_caps, read_unreadable, -1, file);
        int kept = run_child(&(struct tt_sandbox_opts){ .other_users = true }, read_unreadable, -1, file);
        fixture_rm_rf(dir);
        assert_true(WIFEXITED(plain) && WEXITSTATUS(plain) == 0);
        assert_true(WIFEXITED(dropped) && WEXITSTATUS(dropped) == 10);
        assert_true(WIFEXITED(kept) && WEXITSTATUS(kept) == 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_forbidden_syscalls_kill),
                cmocka_unit_test(test_abort_still_aborts),
                cmocka_unit_test(test_threads_not_processes),
                cmocka_unit_test(test_allowed_sockets),
                cmocka_unit_test(test_under_unit_filter),
                cmocka_unit_test(test_fixture_scans_same_under_sandbox),
                cmocka_unit_test(test_live_scan_under_sandbox),
                cmocka_unit_test(test_capabilities_kept),
                cmocka_unit_test(test_missing_caps_are_no_error),
                cmocka_unit_test(test_dac_dropped),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
