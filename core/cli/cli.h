/* The `twinsim` command line: one function per command. Each returns the process exit status:
 * 0 success, 1 a simulation failed, 2 bad input (scenario, plugin, wiring, arguments, files). */
#ifndef TWINSIM_CLI_H
#define TWINSIM_CLI_H

#include "error.h"

int ts_cmd_run(int argc, char **argv);
int ts_cmd_validate(int argc, char **argv);
int ts_cmd_plugins(int argc, char **argv);
int ts_cmd_merge(int argc, char **argv);
int ts_cmd_plugin(int argc, char **argv);
int ts_cmd_summary(int argc, char **argv);
int ts_cmd_export(int argc, char **argv);
int ts_cmd_report(int argc, char **argv);

/* Prints "twinsim: <code name>: <message>" to stderr and returns the exit status for err's code. */
int ts_cli_report(const ts_error *err);

/* Prints a usage error and returns 2. */
int ts_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
