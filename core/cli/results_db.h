/* Small read-only queries on a results database, shared by the commands that read one (summary, export). */
#ifndef TWINSIM_CLI_RESULTS_DB_H
#define TWINSIM_CLI_RESULTS_DB_H

#include <sqlite3.h>

/* 1 when the database has a table of that name, else 0 (also when it cannot be read). */
int ts_results_table_exists(sqlite3 *db, const char *name);

/* The run table's value under key, newly allocated (free it), or NULL when absent, unreadable or out of memory. */
char *ts_results_run_value(sqlite3 *db, const char *key);

#endif
