/* SPDX-License-Identifier: MIT */
#include "heuristics.h"

#include "util.h"

/* core/heuristics-route.c */
extern const struct tt_heuristic tt_heuristic_tunnel_interface, tt_heuristic_default_route_takeover,
        tt_heuristic_policy_routing, tt_heuristic_resolver_via_tunnel, tt_heuristic_remote_session,
        tt_heuristic_remote_session_graphical, tt_heuristic_session_foreign_country, tt_heuristic_session_rtt_relayed;
/* core/correlate.c */
extern const struct tt_heuristic tt_heuristic_laptop_farm;
/* core/heuristics-kvm.c */
extern const struct tt_heuristic tt_heuristic_usb_linux_gadget_vid, tt_heuristic_usb_gadget_kernel_bcd,
        tt_heuristic_usb_gadget_function_strings, tt_heuristic_usb_keyboard_absolute_pointer,
        tt_heuristic_usb_kvm_composite, tt_heuristic_usb_keyboard_high_speed, tt_heuristic_usb_known_id_mismatch,
        tt_heuristic_usb_gadget_hid_template, tt_heuristic_usb_gadget_default_power, tt_heuristic_edid_capture_chip,
        tt_heuristic_edid_invalid_external, tt_heuristic_input_virtual_device, tt_heuristic_input_usb_gadget;

static const struct tt_heuristic *const heuristics[] = {
        &tt_heuristic_tunnel_interface, &tt_heuristic_default_route_takeover, &tt_heuristic_policy_routing,
        &tt_heuristic_resolver_via_tunnel, &tt_heuristic_remote_session, &tt_heuristic_remote_session_graphical,
        &tt_heuristic_session_foreign_country, &tt_heuristic_session_rtt_relayed, &tt_heuristic_laptop_farm,
        &tt_heuristic_usb_linux_gadget_vid, &tt_heuristic_usb_gadget_kernel_bcd,
        &tt_heuristic_usb_gadget_function_strings, &tt_heuristic_usb_keyboard_absolute_pointer,
        &tt_heuristic_usb_kvm_composite, &tt_heuristic_usb_keyboard_high_speed, &tt_heuristic_usb_known_id_mismatch,
        &tt_heuristic_usb_gadget_hid_template, &tt_heuristic_usb_gadget_default_power, &tt_heuristic_edid_capture_chip,
        &tt_heuristic_edid_invalid_external, &tt_heuristic_input_virtual_device, &tt_heuristic_input_usb_gadget,
        NULL,
};

const struct tt_heuristic *tt_heuristic_find(const char *name) {
        for (size_t i = 0; heuristics[i]; i++)
                if (streq(heuristics[i]->name, name))
                        return heuristics[i];
        return NULL;
}

int tt_heuristic_eval(const struct tt_heuristic *h, const struct tt_config *cfg, const struct tt_observation *o,
                      unsigned *ret_confidence, char *reason, size_t size) {
        if (h->eval_config)
                return h->eval_config(cfg, o, ret_confidence, reason, size);
        if (h->eval)
                return h->eval(o, ret_confidence, reason, size);
        return 0;
}
