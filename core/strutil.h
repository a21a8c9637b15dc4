/* Small string helpers shared by the core. */
#ifndef TWINSIM_CORE_STRUTIL_H
#define TWINSIM_CORE_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* strdup that returns NULL for NULL. */
char *ts_strdup(const char *s);

/* True for [A-Za-z_][A-Za-z0-9_]*. */
bool ts_is_identifier(const char *s);

/* Formats into a newly allocated string, or NULL when out of memory. */
char *ts_strprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
