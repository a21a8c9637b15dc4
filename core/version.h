/* Version strings of twinsim and of what it was built with. */
#ifndef TWINSIM_CORE_VERSION_H
#define TWINSIM_CORE_VERSION_H

const char *ts_version(void);          /* "0.1.0" */
const char *ts_sundials_version(void); /* e.g. "SUNDIALS 6.4.1 (static, /path/.deps/sundials)" */

#endif
