/* Error reporting for the core: one code per failure class and a message, carried in a caller-owned ts_error.
 * Nothing in the core keeps error state in globals. */
#ifndef TWINSIM_CORE_ERROR_H
#define TWINSIM_CORE_ERROR_H

#include <stddef.h>

typedef enum ts_code {
  TS_E_OK = 0,
  TS_E_INPUT,      /* the user's input is wrong: scenario, plugin, wiring, units (CLI exit 2) */
  TS_E_SIMULATION, /* a patient's integration failed (CLI exit 1) */
  TS_E_IO,         /* a file or database could not be read or written */
  TS_E_NOMEM,      /* an allocation failed */
  TS_E_INTERNAL    /* a bug in twinsim */
} ts_code;

#define TS_ERROR_MESSAGE_MAX 2048

typedef struct ts_error {
  ts_code code;
  char message[TS_ERROR_MESSAGE_MAX]; /* one or more lines, no trailing newline */
} ts_error;

/* Clears *err (code TS_E_OK, empty message). err may be NULL. */
void ts_error_clear(ts_error *err);

/* Sets err's code and message (printf-style) and returns -1, so that `return ts_fail(err, ...);` ends a failing
 * function. err may be NULL (the message is then dropped). */
int ts_fail(ts_error *err, ts_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends a line to err's message (keeping its code); for a list of problems found in one pass. */
void ts_error_append(ts_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "bad input", "simulation failure", ... */
const char *ts_code_name(ts_code code);

/* The CLI exit code for a failure class: 0 ok, 1 simulation failure, 2 bad input (and I/O), 3 internal/NOMEM. */
int ts_code_exit_status(ts_code code);

#endif
