/* SPDX-License-Identifier: MIT */
#include "sandbox.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#  define TT_LEAK_SANITIZER 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#    define TT_LEAK_SANITIZER 1
#  endif
#endif
#ifdef TT_LEAK_SANITIZER
#  include <sys/ptrace.h>
#endif

/* Names, not numbers: a name this architecture lacks (open, stat on arm64)
 * is skipped, its *at() twin is in the list too. */
static const char *const allowed_syscalls[] = {
        /* memory, threads of the C library, time, identity */
        "brk", "munmap", "mremap", "madvise", "futex", "set_robust_list", "rseq", "set_tid_address",
        "sched_yield", "sched_getaffinity", "getrandom", "prlimit64", "getrlimit", "sysinfo", "uname",
        "gettid", "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
        "getgroups", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
        /* signals (tgkill below) */
        "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall", "exit", "exit_group",
        /* sd-event: epoll, timers, signals; sd-login: inotify */
        "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll",
        "ppoll", "select", "pselect6", "timerfd_create", "timerfd_settime", "timerfd_gettime", "signalfd",
        "signalfd4", "eventfd2", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
        /* reading the system (always through descriptors of the root) */
        "read", "readv", "pread64", "preadv", "preadv2", "lseek", "close", "dup", "dup2", "dup3", "fcntl",
        "fstat", "newfstatat", "stat", "lstat", "statx", "fstatfs", "statfs", "open", "openat", "openat2",
        "getdents64", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "getcwd",
        /* output, state and spool files; sd-journal's memfd for large entries */
        "write", "writev", "pwrite64", "pwritev", "mkdir", "mkdirat", "unlink", "unlinkat", "rename",
        "renameat", "renameat2", "fsync", "fdatasync", "ftruncate", "memfd_create",
        /* sockets: outputs, sd-notify, netlink, sock_diag, capture, DNS */
        "connect", "bind", "getsockname", "getpeername", "getsockopt", "setsockopt", "sendto", "sendmsg",
        "sendmmsg", "recvfrom", "recvmsg", "recvmmsg", "shutdown",
};

/* Sockets (within the unit's RestrictAddressFamilies=): unix and netlink of
 * any type; IPv4 and IPv6 streams and datagrams for the outputs and DNS;
 * packet sockets for capture only. Never raw IP: without capture,
 * CAP_NET_RAW, should an outer unit still grant it, is good for nothing. */
static const int any_type_families[] = { AF_UNIX, AF_NETLINK };
static const int ip_families[] = { AF_INET, AF_INET6 };
static const int ip_types[] = { SOCK_STREAM, SOCK_DGRAM };
#define SOCK_TYPE_MASK 0xfUL

/* ioctl requests, exact (the kernel takes the low 32 bits): isatty(),
 * non-blocking and close-on-exec, bytes queued for the remote outputs.
 * TIOCSTI and the rest of the terminal ones stay forbidden. */
static const unsigned long allowed_ioctls[] = { TCGETS, TIOCGWINSZ, TIOCOUTQ, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX };
/* Plus the socket and interface class 0x89xx (SIOCGIFINDEX, SIOCETHTOOL,
 * SIOCGSTAMP for capture); its setters need CAP_NET_ADMIN, never kept. */
#define SOCKIOS_CLASS 0x8900UL

static const cap_value_t capture_caps[] = { CAP_NET_RAW };
static const cap_value_t other_users_caps[] = { CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE };

static bool cap_wanted(const struct tt_sandbox_opts *o, cap_value_t c) {
        for (size_t i = 0; o->capture && i < ELEMENTSOF(capture_caps); i++)
                if (capture_caps[i] == c)
                        return true;
        for (size_t i = 0; o->other_users && i < ELEMENTSOF(other_users_caps); i++)
                if (other_users_caps[i] == c)
                        return true;
        return false;
}

static void cap_freep(cap_t *c) {
        if (*c)
                cap_free(*c);
}

static int caps_restrict(const struct tt_sandbox_opts *o) {
        _cleanup_(cap_freep) cap_t cur = cap_get_proc();
        _cleanup_(cap_freep) cap_t keep = cap_init();
        if (!cur || !keep)
                return -errno;
        cap_flag_value_t may_bound = CAP_CLEAR;
        if (cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &may_bound) < 0)
                return -errno;
        for (cap_value_t c = 0; c < (cap_value_t) cap_max_bits(); c++) {
                cap_flag_value_t has = CAP_CLEAR;
                if (cap_get_flag(cur, c, CAP_PERMITTED, &has) < 0)
                        return -errno;
                if (cap_wanted(o, c)) {
                        if (has == CAP_SET && (cap_set_flag(keep, CAP_PERMITTED, 1, &c, CAP_SET) < 0 ||
                                               cap_set_flag(keep, CAP_EFFECTIVE, 1, &c, CAP_SET) < 0))
                                return -errno;
                        continue;
                }
                /* Without CAP_SETPCAP the bounding set stays: with
                 * no_new_privs and no execve it could not grant anything. */
                if (may_bound == CAP_SET && cap_get_bound(c) > 0 && cap_drop_bound(c) < 0)
                        return -errno;
        }
        if (cap_reset_ambient() < 0 && errno != EINVAL)
                return -errno;
        /* The kernel never refuses to lower capabilities: EPERM is an outer
         * filter (the unit's SystemCallFilter=~@privileged), whose service
         * settings then fix the set. The socket rules still decide what the
         * process can do with CAP_NET_RAW. */
        if (cap_set_proc(keep) < 0 && errno != EPERM)
                return -errno;
        return 0;
}

static void seccomp_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

/* A name this architecture lacks is skipped (see allowed_syscalls). */
static int allow_by_name(scmp_filter_ctx ctx, const char *const *names, size_t n) {
        for (size_t i = 0; i < n; i++) {
                int nr = seccomp_syscall_resolve_name(names[i]);
                int r = nr == __NR_SCMP_ERROR ? 0 : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* mmap() never writable and executable at once; mprotect() never adds
 * execution (the loader maps code executable from the start), as systemd's
 * MemoryDenyWriteExecute= does. */
static int memory_rules(scmp_filter_ctx ctx) {
        const scmp_datum_t wx = PROT_WRITE | PROT_EXEC;
        int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, wx, 0));
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                                     SCMP_A2(SCMP_CMP_MASKED_EQ, wx, PROT_WRITE));
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                                     SCMP_A2(SCMP_CMP_MASKED_EQ, wx, PROT_EXEC));
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                                     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
        return r;
}

/* socket() by family and type, ioctl() by request. */
static int socket_ioctl_rules(scmp_filter_ctx ctx, bool capture) {
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(any_type_families); i++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) any_type_families[i], 0));
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(ip_families); i++)
                for (size_t j = 0; r >= 0 && j < ELEMENTSOF(ip_types); j++)
                        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
                                             SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) ip_families[i], 0),
                                             SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, (scmp_datum_t) ip_types[j]));
        if (r >= 0 && capture)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) AF_PACKET, 0));
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(allowed_ioctls); i++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, allowed_ioctls[i]));
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffff00UL, SOCKIOS_CLASS));
        return r;
}

/* Threads, never processes: glibc's getaddrinfo_a() looks up a collector's
 * name on a helper thread. A thread shares this process and its filter.
 * clone3() keeps its flags in memory the filter cannot read: it answers
 * ENOSYS, and glibc falls back to clone(). */
static int thread_rules(scmp_filter_ctx ctx) {
        const scmp_datum_t thread = CLONE_THREAD | CLONE_VM;
        int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, thread, thread));
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        return r;
}

#ifdef TT_LEAK_SANITIZER
/* Sanitizer builds (CI) only: LeakSanitizer checks at exit from a task it
 * clones to stop this process's threads with ptrace. Those calls, in the
 * shapes it makes them, and no others: clone() with any other flags, ptrace()
 * with any other request (PTRACE_TRACEME) still kill. (clang's runtime
 * symbolizes a leak report in a child process: run it with
 * ASAN_OPTIONS=symbolize=0, or the report ends in SIGSYS.) */
static int leak_sanitizer_rules(scmp_filter_ctx ctx) {
        static const int prctl_options[] = { PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_SET_PTRACER, PR_SET_PDEATHSIG };
        static const int ptrace_requests[] = { PTRACE_ATTACH,   PTRACE_DETACH,    PTRACE_CONT,     PTRACE_KILL,
                                               PTRACE_GETREGS,  PTRACE_GETFPREGS, PTRACE_GETREGSET };
        int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                 SCMP_A0(SCMP_CMP_EQ, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED, 0));
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(wait4), 0);
        /* Its thread list (the old getdents where there is one); clang's
         * runtime probes memory through a pipe. */
        static const char *const calls[] = { "getdents", "pipe", "pipe2" };
        if (r >= 0)
                r = allow_by_name(ctx, calls, ELEMENTSOF(calls));
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(prctl_options); i++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) prctl_options[i], 0));
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(ptrace_requests); i++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ptrace), 1,
                                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) ptrace_requests[i], 0));
        return r;
}
#else
static int leak_sanitizer_rules(scmp_filter_ctx ctx) {
        return 0;
}
#endif

static int seccomp_install(bool capture) {
        /* Killing the process needs the seccomp() system call. A unit whose
         * SystemCallFilter= leaves it out makes libseccomp load through
         * prctl(), which kills the thread: all there is of this process. */
        const uint32_t kill = seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_KILL;
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(kill);
        if (!ctx)
                return -ENOMEM;
        /* Other ABIs (i386 int 0x80, x32) are not in the filter: kill them too. */
        int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, kill);
        if (r >= 0)
                r = allow_by_name(ctx, allowed_syscalls, ELEMENTSOF(allowed_syscalls));
        /* abort() and raise() signal this process only: it cannot fork, so its pid stays. */
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) getpid(), 0));
        if (r >= 0)
                r = memory_rules(ctx);
        if (r >= 0)
                r = socket_ioctl_rules(ctx, capture);
        if (r >= 0)
                r = thread_rules(ctx);
        if (r >= 0)
                r = leak_sanitizer_rules(ctx);
        if (r >= 0)
                r = seccomp_load(ctx);
        return r < 0 ? r : 0;
}

int tt_sandbox_enter(const struct tt_sandbox_opts *o) {
        int r = caps_restrict(o);
        if (r < 0)
                return r;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return seccomp_install(o->capture);
}
