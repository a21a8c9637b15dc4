/* twinsim merge OUT.db SHARD.db... [--force]: one database from the shards of a run. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "store.h"

int ts_cmd_merge(int argc, char **argv) {
  const char *out = NULL;
  const char *inputs[1024];
  size_t n = 0;
  int replace = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--force") == 0)
      replace = 1;
    else if (argv[i][0] == '-')
      return ts_cli_usage_error("merge: unknown option '%s'", argv[i]);
    else if (!out)
      out = argv[i];
    else if (n < sizeof inputs / sizeof *inputs)
      inputs[n++] = argv[i];
    else
      return ts_cli_usage_error("merge: at most %zu shards", sizeof inputs / sizeof *inputs);
  }
  if (!out || n == 0)
    return ts_cli_usage_error("merge: usage: twinsim merge OUT.db SHARD1.db SHARD2.db ... [--force]");
  ts_error err;
  ts_error_clear(&err);
  if (ts_store_merge(out, inputs, n, replace, &err) != 0)
    return ts_cli_report(&err);
  printf("twinsim: merged %zu shards into %s\n", n, out);
  return 0;
}
