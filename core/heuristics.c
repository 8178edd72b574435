/* SPDX-License-Identifier: MIT */
#include "heuristics.h"

#include "util.h"

static const struct tt_heuristic *const heuristics[] = {
        NULL,
};

const struct tt_heuristic *tt_heuristic_find(const char *name) {
        for (size_t i = 0; heuristics[i]; i++)
                if (streq(heuristics[i]->name, name))
                        return heuristics[i];
        return NULL;
}
