/* Checks of a model's static description (plugin.h): what the loader refuses before a model is ever used. */
#ifndef TWINSIM_CORE_MODEL_CHECK_H
#define TWINSIM_CORE_MODEL_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include <twinsim/plugin.h>

/* True when v is finite and within the parameter's bounds (open or closed as its flags say). */
bool ts_param_in_range(const ts_param *p, double v);

/* The bounds as "[0, inf)" style text. */
void ts_param_range_text(const ts_param *p, char *buf, size_t cap);

/* Fails (TS_E_INPUT, message starting with `where`) on the first problem: names that are not identifiers or not
 * unique, units that do not parse, defaults outside bounds, lower > upper, non-positive or non-finite nominal
 * magnitudes, unknown flag bits or signal types, missing required callbacks, direct_inputs naming no input,
 * dose targets naming no state or parameter or with a unit that does not convert to the state's. */
int ts_model_check(const ts_model *m, const char *where, ts_error *err);

#endif
