/* twinsim plugin check LIB...: does a plugin library honour the plugin ABI? (conformance.h)
 * twinsim plugin new NAME [DIR]: writes the out-of-tree plugin template (plugins/template/) into DIR/NAME. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "conformance.h"
#include "strutil.h"

/* One file of plugins/template/, embedded at build time (cmake/TwinsimEmbedTemplate.cmake). */
struct ts_template_file {
  const char *path; /* relative to the project folder */
  const unsigned char *data;
  size_t size;
};
#include "template_files.inc"

#define TS_TEMPLATE_PLACEHOLDER "@NAME@"
#define TS_PLUGIN_NAME_MAX      64 /* a generous limit; names end up in file names, symbols and signal names */

/* Writes data to f with every TS_TEMPLATE_PLACEHOLDER replaced by name. Returns 0, or -1 on a write error. */
static int write_substituted(FILE *f, const unsigned char *data, size_t size, const char *name) {
  const size_t plen = strlen(TS_TEMPLATE_PLACEHOLDER);
  size_t start = 0;
  for (size_t i = 0; i + plen <= size;) {
    if (memcmp(data + i, TS_TEMPLATE_PLACEHOLDER, plen) == 0) {
      if (fwrite(data + start, 1, i - start, f) != i - start || fputs(name, f) < 0)
        return -1;
      i += plen;
      start = i;
    } else {
      i++;
    }
  }
  return fwrite(data + start, 1, size - start, f) == size - start ? 0 : -1;
}

static int write_template_file(const char *dir, const struct ts_template_file *tf, const char *name) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, tf->path) >= (int)sizeof path) {
    fprintf(stderr, "twinsim: plugin new: path too long: %s/%s\n", dir, tf->path);
    return -1;
  }
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "twinsim: plugin new: cannot create %s: %s\n", path, strerror(errno));
    return -1;
  }
  int rc = write_substituted(f, tf->data, tf->size, name);
  if (fclose(f) != 0)
    rc = -1;
  if (rc != 0)
    fprintf(stderr, "twinsim: plugin new: cannot write %s: %s\n", path, strerror(errno));
  return rc;
}

static int cmd_new(int argc, char **argv) {
  if (argc < 1 || argc > 2)
    return ts_cli_usage_error("plugin new: usage: twinsim plugin new NAME [DIR]");
  const char *name = argv[0];
  const char *parent = argc == 2 ? argv[1] : ".";
  if (!ts_is_identifier(name) || strlen(name) > TS_PLUGIN_NAME_MAX)
    return ts_cli_usage_error("plugin new: '%s' is not a plugin name: scenarios write it before the slash "
                              "(NAME/model), so it must match [A-Za-z_][A-Za-z0-9_]* (at most %d characters)",
                              name, TS_PLUGIN_NAME_MAX);
  if (mkdir(parent, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "twinsim: plugin new: cannot create folder %s: %s\n", parent, strerror(errno));
    return 2;
  }
  char dir[4096];
  if (snprintf(dir, sizeof dir, "%s/%s", parent, name) >= (int)sizeof dir)
    return ts_cli_usage_error("plugin new: folder name too long");
  if (mkdir(dir, 0777) != 0) {
    if (errno == EEXIST)
      fprintf(stderr, "twinsim: plugin new: %s already exists; refusing to write into it\n", dir);
    else
      fprintf(stderr, "twinsim: plugin new: cannot create folder %s: %s\n", dir, strerror(errno));
    return 2;
  }
  for (size_t i = 0; i < sizeof ts_template_files / sizeof ts_template_files[0]; i++)
    if (write_template_file(dir, &ts_template_files[i], name) != 0)
      return 2;
  printf("wrote the plugin project %s (plugin '%s', model %s/elimination). Next:\n"
         "  cmake -S %s -B %s/build -DCMAKE_PREFIX_PATH=<twinsim install prefix>\n"
         "  cmake --build %s/build\n"
         "  ctest --test-dir %s/build        # twinsim plugin check + a run of %s/scenario.yaml\n",
         dir, name, name, dir, dir, dir, dir, dir);
  return 0;
}

int ts_cmd_plugin(int argc, char **argv) {
  if (argc >= 1 && strcmp(argv[0], "new") == 0)
    return cmd_new(argc - 1, argv + 1);
  if (argc < 2 || strcmp(argv[0], "check") != 0)
    return ts_cli_usage_error("plugin: usage: twinsim plugin check LIBRARY.so... | twinsim plugin new NAME [DIR]");
  int failures = 0;
  for (int i = 1; i < argc; i++)
    failures += ts_plugin_check(argv[i], stdout);
  return failures ? 1 : 0;
}
