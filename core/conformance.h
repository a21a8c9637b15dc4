/* Plugin conformance: does a library honour include/twinsim/plugin.h? What `twinsim plugin check LIB` runs.
 *
 * One line per check, "PASS name: detail" or "FAIL name: detail":
 *   - the library loads: entry symbol, ABI version, struct and element sizes, every model's static description
 *     (model_check.c: names, units, bounds, flags, callbacks);
 * and for each model, in a child process so that a crash is a failed check, not a dead checker:
 *   - init and the right-hand side at the default parameters and inputs are finite;
 *   - they are repeatable: the same call twice gives bitwise the same numbers;
 *   - asked for one output only (ts_eval.outputs_wanted), a model gives it and the derivatives unchanged;
 *   - every output's declared direct inputs are complete: perturbing an input moves only outputs that list it;
 *   - an analytic Jacobian agrees with central finite differences;
 *   - two instances advanced on two threads at once give bitwise the same results as one alone (no hidden global
 *     state);
 *   - step() and bolus(), where given, return a status and leave finite states; a failure comes with a message. */
#ifndef TWINSIM_CORE_CONFORMANCE_H
#define TWINSIM_CORE_CONFORMANCE_H

#include <stdio.h>

/* Checks the library at path, printing one line per check to out. Returns the number of failed checks (0: the
 * library conforms). */
int ts_plugin_check(const char *path, FILE *out);

#endif
