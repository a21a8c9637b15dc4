/* Error reporting: see error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ts_error_clear(ts_error *err) {
  if (err) {
    err->code = TS_E_OK;
    err->message[0] = '\0';
  }
}

int ts_fail(ts_error *err, ts_code code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return -1;
}

void ts_error_append(ts_error *err, const char *fmt, ...) {
  if (!err)
    return;
  size_t used = strlen(err->message);
  if (used > 0 && used + 1 < sizeof err->message)
    err->message[used++] = '\n', err->message[used] = '\0';
  if (used + 1 >= sizeof err->message)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message + used, sizeof err->message - used, fmt, ap);
  va_end(ap);
}

const char *ts_code_name(ts_code code) {
  switch (code) {
  case TS_E_OK: return "ok";
  case TS_E_INPUT: return "bad input";
  case TS_E_SIMULATION: return "simulation failure";
  case TS_E_IO: return "input/output error";
  case TS_E_NOMEM: return "out of memory";
  case TS_E_INTERNAL: return "internal error";
  }
  return "unknown error";
}

int ts_code_exit_status(ts_code code) {
  switch (code) {
  case TS_E_OK: return 0;
  case TS_E_SIMULATION: return 1;
  case TS_E_INPUT:
  case TS_E_IO: return 2;
  case TS_E_NOMEM:
  case TS_E_INTERNAL: return 3;
  }
  return 3;
}
