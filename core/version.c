/* Version strings: see version.h. */
#include "version.h"

#ifndef TWINSIM_VERSION
#define TWINSIM_VERSION "unknown"
#endif
#ifndef TWINSIM_SUNDIALS_DESCRIPTION
#define TWINSIM_SUNDIALS_DESCRIPTION "SUNDIALS (unknown build)"
#endif

const char *ts_version(void) {
  return TWINSIM_VERSION;
}

const char *ts_sundials_version(void) {
  return TWINSIM_SUNDIALS_DESCRIPTION;
}
