/* twinsim: the command line entry point. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"
#include "version.h"
#include <twinsim/plugin.h>

static const char usage[] =
    "usage: twinsim <command> [options]\n"
    "\n"
    "Oncology digital twins and virtual clinical trials.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO [-o FILE.db] [-j N] [--shard k/N] [--resume | --force] [--quiet] [--verbose]\n"
    "                      simulate the scenario and store the results in FILE.db\n"
    "                      (default: the scenario's file name with .db, in the current folder);\n"
    "                      -j N: N threads that simulate and store (default: one per core); results do not\n"
    "                      depend on N\n"
    "                      --shard k/N: only the k-th of N equal slices of the patients, into its own database;\n"
    "                      --resume: complete an interrupted run (the same scenario) in FILE.db\n"
    "  merge OUT.db SHARD.db...  [--force]\n"
    "                      one database from the shards 1..N of a run, equal to an unsharded run's\n"
    "  summary DB [--reference ARM] [--ties breslow|efron]\n"
    "                      trial statistics per arm (ORR, PFS and OS medians, hazard ratios, toxicity\n"
    "                      grades, paired effects) against the first arm; printed and stored in DB\n"
    "  export DB --csv DIR [--force]\n"
    "                      every results table as CSV files in DIR (trajectory in long format)\n"
    "  report DB -o DIR [--reference ARM] [--ties breslow|efron] [--force]\n"
    "                      an HTML report in DIR/index.html: survival curves, waterfall and spider plots,\n"
    "                      concentration and neutrophil profiles (or a what-if comparison of one twin's\n"
    "                      plans), the summary's statistics, versions and solver settings (docs/report.md)\n"
    "  plugin check LIBRARY.so...\n"
    "                      does a plugin honour the plugin ABI? one PASS/FAIL line per check\n"
    "  plugin new NAME [DIR]\n"
    "                      write a plugin project to build out of tree into DIR/NAME (default ./NAME):\n"
    "                      a model, CMake (find_package(twinsim)), a scenario, tests (docs/plugin-guide.md)\n"
    "  validate SCENARIO   parse the scenario, load its plugins and wire them; simulate nothing\n"
    "  plugins [--describe PLUGIN/MODEL]\n"
    "                      list the plugins found, or describe one model: parameters, states,\n"
    "                      inputs, outputs and dose targets with their units\n"
    "\n"
    "options:\n"
    "  -h, --help          this help\n"
    "  --version           versions of twinsim, its plugin ABI and SUNDIALS\n"
    "\n"
    "exit status: 0 success, 1 a simulation failed, 2 bad input; 130 (143) a run stopped by Ctrl-C (SIGTERM),\n"
    "             every patient it simulated stored: --resume completes it\n"
    "plugins are searched in the scenario's plugin_path, $TWINSIM_PLUGIN_PATH (colon-separated) and the\n"
    "bundled plugin folder. Documentation: docs/scenario.md, docs/storage.md, include/twinsim/plugin.h\n";

int ts_cli_report(const ts_error *err) {
  fprintf(stderr, "twinsim: %s: %s\n", ts_code_name(err->code), err->message);
  return ts_code_exit_status(err->code);
}

int ts_cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("twinsim: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\n(see 'twinsim --help')\n", stderr);
  va_end(ap);
  return 2;
}

int main(int argc, char **argv) {
  /* SQLite's memory statistics take a global mutex at every allocation; twinsim reads none of them. Process-wide,
   * so set here, before any SQLite call, and not in the library. */
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  if (argc < 2)
    return fputs(usage, stderr), 2;
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0)
    return fputs(usage, stdout), 0;
  if (strcmp(cmd, "--version") == 0) {
    printf("twinsim %s\nplugin ABI %d.%d\n%s\n", ts_version(), TS_PLUGIN_ABI_MAJOR, TS_PLUGIN_ABI_MINOR,
           ts_sundials_version());
    return 0;
  }
  if (strcmp(cmd, "run") == 0)
    return ts_cmd_run(argc - 2, argv + 2);
  if (strcmp(cmd, "validate") == 0)
    return ts_cmd_validate(argc - 2, argv + 2);
  if (strcmp(cmd, "plugins") == 0)
    return ts_cmd_plugins(argc - 2, argv + 2);
  if (strcmp(cmd, "merge") == 0)
    return ts_cmd_merge(argc - 2, argv + 2);
  if (strcmp(cmd, "plugin") == 0)
    return ts_cmd_plugin(argc - 2, argv + 2);
  if (strcmp(cmd, "summary") == 0)
    return ts_cmd_summary(argc - 2, argv + 2);
  if (strcmp(cmd, "export") == 0)
    return ts_cmd_export(argc - 2, argv + 2);
  if (strcmp(cmd, "report") == 0)
    return ts_cmd_report(argc - 2, argv + 2);
  return ts_cli_usage_error("unknown command '%s'", cmd);
}
