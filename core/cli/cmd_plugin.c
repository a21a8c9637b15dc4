/* twinsim plugin check LIB...: does a plugin library honour the plugin ABI? (conformance.h) */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conformance.h"

int ts_cmd_plugin(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[0], "check") != 0)
    return ts_cli_usage_error("plugin: usage: twinsim plugin check LIBRARY.so...");
  int failures = 0;
  for (int i = 1; i < argc; i++)
    failures += ts_plugin_check(argv[i], stdout);
  return failures ? 1 : 0;
}
