/* twinsim run SCENARIO [-o FILE.db] [-j N] [--shard k/N] [--resume | --force] [--quiet] [--verbose]
 *
 * Ctrl-C (SIGINT) or SIGTERM stops a run without losing a simulated patient: the patients being simulated are
 * finished and stored with everything queued, the database is closed as 'interrupted', and the exit status is 130
 * (143 for SIGTERM); `--resume` completes it. A signal before the first patient leaves any existing database
 * untouched. A second signal ends the process at once (the default action). */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run.h"

/* "scenarios/demo.yaml" -> "demo.db" */
static void default_output(const char *scenario, char *out, size_t cap) {
  const char *base = strrchr(scenario, '/');
  base = base ? base + 1 : scenario;
  const char *dot = strrchr(base, '.');
  int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
  snprintf(out, cap, "%.*s.db", len, base);
}

/* The signal that asked the run to stop, 0 while none did. A lock-free atomic: the handler may run on any thread
 * and the workers read it (a volatile sig_atomic_t is only safe within the handler's own thread). */
static atomic_int interrupted_by;

static void set_stop_handler(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = SA_RESTART; /* a write to the database or the terminal is not cut short */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* The first SIGINT or SIGTERM asks the run to stop; both signals then get their default action back (sigaction is
 * async-signal-safe), so any second one ends the process. */
static void on_stop_signal(int sig) {
  atomic_store_explicit(&interrupted_by, sig, memory_order_relaxed);
  set_stop_handler(SIG_DFL);
}

int ts_cmd_run(int argc, char **argv) {
  const char *scenario = NULL;
  char output[4096] = "";
  ts_run_options opt = {.verbosity = TS_LOG_WARNING};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (++i >= argc)
        return ts_cli_usage_error("%s needs a file name", a);
      snprintf(output, sizeof output, "%s", argv[i]);
    } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
      char *end;
      long n = ++i < argc ? strtol(argv[i], &end, 10) : 0;
      if (i >= argc || *end || n < 1 || n > 1024)
        return ts_cli_usage_error("%s needs a number of workers from 1 to 1024", a);
      opt.jobs = (size_t)n;
    } else if (strcmp(a, "--shard") == 0) {
      unsigned k, n;
      char tail;
      if (++i >= argc || sscanf(argv[i], "%u/%u%c", &k, &n, &tail) != 2 || n < 1 || k < 1 || k > n)
        return ts_cli_usage_error("--shard needs k/N with 1 <= k <= N, e.g. --shard 2/4%s%s%s",
                                  i < argc ? " (found '" : "", i < argc ? argv[i] : "", i < argc ? "')" : "");
      opt.shard = k, opt.shards = n;
    } else if (strcmp(a, "--resume") == 0) {
      opt.resume = 1;
    } else if (strcmp(a, "--force") == 0) {
      opt.replace = 1;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      opt.quiet = 1;
    } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
      opt.verbosity = TS_LOG_DEBUG;
    } else if (a[0] == '-') {
      return ts_cli_usage_error("run: unknown option '%s'", a);
    } else if (!scenario) {
      scenario = a;
    } else {
      return ts_cli_usage_error("run: one scenario at a time ('%s' and '%s')", scenario, a);
    }
  }
  if (!scenario)
    return ts_cli_usage_error("run: which scenario? usage: twinsim run SCENARIO [-o FILE.db]");
  if (opt.resume && opt.replace)
    return ts_cli_usage_error("run: --resume completes a database and --force replaces it; give one");
  if (!output[0])
    default_output(scenario, output, sizeof output);
  opt.output_path = output;
  opt.interrupt = &interrupted_by;

  set_stop_handler(on_stop_signal); /* from here: a signal while loading stops the run before its first patient */
  ts_error err;
  ts_error_clear(&err);
  ts_loaded loaded;
  if (ts_load(scenario, &loaded, &err) != 0)
    return ts_cli_report(&err);
  ts_run_summary summary;
  int rc = ts_run(&loaded, &opt, &summary, &err);
  ts_loaded_free(&loaded);
  if (rc != 0)
    return ts_cli_report(&err);
  if (summary.interrupted) {
    int sig = atomic_load_explicit(&interrupted_by, memory_order_relaxed);
    const char *name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
    if (!summary.opened)
      fprintf(stderr, "twinsim: interrupted by %s before the run started: %s was not touched\n", name, output);
    else
      fprintf(stderr,
              "twinsim: interrupted by %s: %zu of %zu simulations are stored in %s (every one simulated); "
              "`twinsim run %s -o %s --resume` completes the run\n",
              name, summary.n_stored, summary.n_planned, output, scenario, output);
    return 128 + sig;
  }
  if (!opt.quiet) {
    printf("twinsim: %zu patient%s simulated, %zu failed, in %.3f s; results in %s\n", summary.n_patients,
           summary.n_patients == 1 ? "" : "s", summary.n_failed, summary.seconds, output);
    if (summary.n_resumed)
      printf("twinsim: %zu simulations were already in %s (resumed)\n", summary.n_resumed, output);
    if (summary.n_redraws)
      printf("twinsim: %zu cohort draws were rejected by truncation or inclusion criteria and redrawn\n",
             summary.n_redraws);
  }
  return summary.n_failed > 0 ? 1 : 0;
}
