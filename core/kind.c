/* SPDX-License-Identifier: MIT */
#include "kind.h"

#include "util.h"

#define KIND(n, per, ...) \
        static const struct tt_kind kind_##n = { #n, (const char *const[]){ __VA_ARGS__, NULL }, per }

/* Host probes */
KIND(process, false, "exe", "pid", "cmdline", "comm", "name", "ppid", "uid");
KIND(listener, false, "proto", "addr", "port", "exe", "pid", "bind", "comm", "uid");
KIND(connection, false, "remote_addr", "remote_port", "exe", "pid", "proto", "local_addr", "local_port",
     "remote_scope", "comm", "uid");
KIND(package, false, "name", "version", "status", "source");
KIND(unit, false, "name", "path", "exec", "enabled");
KIND(path, false, "path", "type", "owner_uid");
KIND(input_device, true, "name", "bus", "sysfs", "vendor", "product", "version", "phys", "uniq", "handlers",
     "virtual");
/* KVM hardware */
KIND(usb_device, true, "vendor_id", "product_id", "manufacturer", "product", "serial", "bcd_device", "bcd_usb",
     "speed", "device_class", "device_subclass", "device_protocol", "num_interfaces", "bm_attributes",
     "max_power", "configuration", "interface_class", "interface_name", "hid_kind", "hid_descriptor_length",
     "abs_max", "driver", "devpath");
KIND(edid, true, "vendor", "product", "name", "connector", "serial", "serial_string", "width_cm", "height_cm",
     "year", "week", "checksum_ok", "extensions");
/* Network: live or pcap */
KIND(dns, false, "name", "qtype", "answer", "client", "server", "rcode");
KIND(mdns, true, "service", "instance", "host", "txt", "port", "src", "mac");
KIND(dhcp, true, "hostname", "vendor_class", "client_id", "mac", "oui", "requested_ip", "domain");
KIND(arp, true, "mac", "oui", "ip");
KIND(ssdp, true, "server", "usn", "st", "location", "src");
KIND(tls, false, "sni", "alpn", "ja3", "version", "cert_subject", "cert_issuer", "src", "dst", "sport", "dport",
     "direction");
KIND(rfb, true, "version", "src", "dst", "sport", "dport", "direction", "rtt_ms");
KIND(rdp, true, "cookie", "requested_protocols", "src", "dst", "sport", "dport", "direction", "rtt_ms");
KIND(ssh, true, "banner", "software", "src", "dst", "sport", "dport", "direction", "rtt_ms");
KIND(teamviewer, true, "command", "src", "dst", "sport", "dport", "direction", "rtt_ms");
KIND(nomachine, true, "banner", "src", "dst", "sport", "dport", "direction", "rtt_ms");
KIND(flow, true, "proto", "src", "dst", "sport", "dport", "direction", "name", "rtt_ms", "country");
/* Routing and sessions */
KIND(netif, true, "name", "type", "link_kind", "flags", "operstate", "driver", "tun_type", "addr", "master", "devtype");
KIND(route, true, "dst", "prefix_len", "gateway", "dev", "table", "metric", "family", "takeover", "dev_kind");
KIND(resolver, true, "server", "source", "dev", "dev_kind");
KIND(policy_rule, true, "priority", "table", "fwmark", "dev", "dev_kind", "fwmask", "family", "invert", "iif", "oif");
KIND(session, true, "user", "service", "remote_host", "id", "uid", "remote", "tty", "type", "class", "leader",
     "start", "country", "rtt_ms");
KIND(context, true, "gateway_mac_hash", "bssid_hash", "ssid_hash", "dhcp_domain_hash", "dns_hash");

const struct tt_kind *const tt_kinds[] = {
        &kind_process, &kind_listener, &kind_connection, &kind_package, &kind_unit, &kind_path,
        &kind_input_device, &kind_usb_device, &kind_edid, &kind_dns, &kind_mdns, &kind_dhcp,
        &kind_arp, &kind_ssdp, &kind_tls, &kind_rfb, &kind_rdp, &kind_ssh, &kind_teamviewer,
        &kind_nomachine, &kind_flow, &kind_netif, &kind_route, &kind_resolver, &kind_policy_rule, &kind_session,
        &kind_context, NULL,
};

/* The design's examples write "usb:" for usb_device; both spellings work. */
static const struct {
        const char *alias, *name;
} kind_aliases[] = {
        { "usb", "usb_device" },
        { "input", "input_device" },
};

const struct tt_kind *tt_kind_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(kind_aliases); i++)
                if (streq(kind_aliases[i].alias, name))
                        name = kind_aliases[i].name;
        for (size_t i = 0; tt_kinds[i]; i++)
                if (streq(tt_kinds[i]->name, name))
                        return tt_kinds[i];
        return NULL;
}

bool tt_kind_has_attr(const struct tt_kind *k, const char *attr) {
        for (size_t i = 0; k->attrs[i]; i++)
                if (streq(k->attrs[i], attr))
                        return true;
        return false;
}
