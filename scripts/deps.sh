# shellcheck shell=bash
# Build and test dependencies (Debian 12 package names), installed when missing.
# Sourced by scripts/run and scripts/test.

TT_BUILD_PACKAGES=(
        meson ninja-build pkg-config gcc clang libclang-rt-14-dev
        libyaml-dev libsystemd-dev libpcap-dev libssl-dev libcmocka-dev
        libseccomp-dev libcap-dev libudev-dev libmaxminddb-dev librelp-dev
        scdoc
)
TT_TEST_PACKAGES=(
        python3 python3-scapy python3-yaml tshark tcpdump tcpreplay umockdev libumockdev-dev iproute2
        openssl postgresql rsyslog rsyslog-pgsql
        python3-cryptography x11vnc xvfb xrdp freerdp2-x11 vncsnapshot avahi-daemon avahi-utils
        libmaxmind-db-writer-perl time
        strace gdb usbutils time rpm lintian debhelper fakeroot dpkg-dev
        rsyslog-gnutls rsyslog-relp python3-gi gir1.2-umockdev-1.0 util-linux
)

tt_install_missing() {
        local missing=() p
        for p in "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        if [ "$(id -u)" -ne 0 ]; then
                echo "telltale: missing packages: ${missing[*]} (run as root, or install them)" >&2
                return 1
        fi
        echo "telltale: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        # tshark asks whether non-root users may capture; answer no.
        echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
        # rsyslog-pgsql must not try to set up a database of its own.
        echo "rsyslog-pgsql rsyslog-pgsql/dbconfig-install boolean false" | debconf-set-selections 2>/dev/null || true
        apt-get update -q >/dev/null
        apt-get install -y -q "${missing[@]}" >/dev/null
}
