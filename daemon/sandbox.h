/* SPDX-License-Identifier: MIT */
#pragma once

/* Least privilege after start-up: telltale opens what it needs first (root
 * directory, config, catalog, outputs), then calls tt_sandbox_enter() once.
 *
 * - Capabilities: only those asked for below are kept, and only when the
 *   process has them (run by an unprivileged user it has none, which is
 *   fine: it then sees what that user may see). Permitted and effective hold
 *   the kept ones, inheritable and ambient are cleared, and the bounding set
 *   is cut to the kept ones when the process may do so (CAP_SETPCAP). Under
 *   the systemd unit, whose SystemCallFilter= refuses capset(), the unit's
 *   CapabilityBoundingSet= and AmbientCapabilities= decide instead.
 * - no_new_privs.
 * - A seccomp allowlist of the system calls telltale makes, measured with
 *   strace over scans and the daemon with every kind of output (glibc with
 *   NSS, OpenSSL, librelp, libyaml, libsystemd's sd-event, sd-device,
 *   sd-login, sd-journal, sd-notify), and libpcap opening and reading a live
 *   capture inside it. Anything else kills the process with SIGSYS: no process
 *   creation (threads only, for getaddrinfo_a's helper; clone3() answers
 *   ENOSYS), no execve, no ptrace, no mount, no module loading, no memory
 *   both writable and executable, no signals to other processes, no socket
 *   outside unix, netlink, TCP and UDP (packet sockets only with capture),
 *   no ioctl outside the few it uses. Call it once: the filter has no
 *   capget(), so a second call is killed. */

#include <stdbool.h>

struct tt_sandbox_opts {
        bool capture;     /* keep CAP_NET_RAW and packet sockets: live capture */
        bool other_users; /* keep CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE: other users' /proc entries */
};

/* Irreversible. Returns 0, or a negative errno when a step failed (the
 * process is then in an unknown state between the two and should exit). */
int tt_sandbox_enter(const struct tt_sandbox_opts *o);
