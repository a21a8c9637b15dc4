/* Finding, loading and checking plugin libraries: see plugin_loader.h. */
#include "plugin_loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model_check.h"
#include "strutil.h"

#ifndef TWINSIM_PLUGIN_BUILD_DIR
#define TWINSIM_PLUGIN_BUILD_DIR ""
#endif
/* Where `cmake --install` puts the bundled plugins (absolute, under CMAKE_INSTALL_PREFIX). */
#ifndef TWINSIM_PLUGIN_INSTALL_DIR
#define TWINSIM_PLUGIN_INSTALL_DIR ""
#endif

/* The size of each descriptor in ABI 1.0: a plugin's struct_size may not be smaller. */
#define TS_PLUGIN_SIZE_1_0 (offsetof(ts_plugin, n_models) + sizeof(uint32_t))
#define TS_MODEL_SIZE_1_0  (offsetof(ts_model, bolus) + sizeof(void (*)(void)))

struct ts_plugin_set {
  char **dirs;
  size_t n_dirs;
  ts_library **libs; /* each allocated on its own: pointers handed out stay valid as the set grows */
  size_t n_libs;
};

static int add_dir(ts_plugin_set *set, const char *dir) {
  if (!dir || !*dir)
    return 0;
  for (size_t i = 0; i < set->n_dirs; i++)
    if (strcmp(set->dirs[i], dir) == 0)
      return 0;
  char **dirs = realloc(set->dirs, (set->n_dirs + 1) * sizeof *dirs);
  if (!dirs)
    return -1;
  set->dirs = dirs;
  if (!(set->dirs[set->n_dirs] = ts_strdup(dir)))
    return -1;
  set->n_dirs++;
  return 0;
}

ts_plugin_set *ts_plugins_create(const char *const *extra_dirs, size_t n_extra) {
  ts_plugin_set *set = calloc(1, sizeof *set);
  if (!set)
    return NULL;
  int rc = 0;
  for (size_t i = 0; i < n_extra; i++)
    rc |= add_dir(set, extra_dirs[i]);
  const char *env = getenv("TWINSIM_PLUGIN_PATH");
  if (env) {
    char *copy = ts_strdup(env);
    if (!copy)
      rc = -1;
    for (char *save = NULL, *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok; tok = strtok_r(NULL, ":", &save))
      rc |= add_dir(set, tok);
    free(copy);
  }
  rc |= add_dir(set, TWINSIM_PLUGIN_BUILD_DIR);
  rc |= add_dir(set, TWINSIM_PLUGIN_INSTALL_DIR); /* add_dir skips it when it equals a folder already listed */
  if (rc != 0) {
    ts_plugins_free(set);
    return NULL;
  }
  return set;
}

void ts_plugins_free(ts_plugin_set *set) {
  if (!set)
    return;
  for (size_t i = 0; i < set->n_libs; i++) {
    ts_library_close(set->libs[i]);
    free(set->libs[i]);
  }
  for (size_t i = 0; i < set->n_dirs; i++)
    free(set->dirs[i]);
  free(set->libs);
  free(set->dirs);
  free(set);
}

size_t ts_plugins_count(const ts_plugin_set *set) {
  return set->n_libs;
}

const ts_library *ts_plugins_at(const ts_plugin_set *set, size_t i) {
  return i < set->n_libs ? set->libs[i] : NULL;
}

size_t ts_plugins_search_path(const ts_plugin_set *set, const char *const **dirs) {
  *dirs = (const char *const *)set->dirs;
  return set->n_dirs;
}

/* Looks for another major version's entry symbol, to say which version a refused library was built for. */
static int found_other_major(void *handle) {
  for (int major = 0; major < 100; major++) {
    char sym[64];
    snprintf(sym, sizeof sym, "twinsim_plugin_v%d", major);
    if (major != TS_PLUGIN_ABI_MAJOR && dlsym(handle, sym))
      return major;
  }
  return -1;
}

/* Copies `count` descriptor elements of the plugin's stride `size` into host structs of `host_size` bytes, zero-filling
 * what an older plugin does not have. Returns NULL when out of memory. */
static void *copy_array(const void *array, uint32_t count, uint32_t size, size_t host_size) {
  char *copy = calloc(count ? count : 1, host_size);
  if (!copy || !array)
    return copy;
  for (uint32_t i = 0; i < count; i++)
    memcpy(copy + i * host_size, (const char *)array + (size_t)i * size, size < host_size ? size : host_size);
  return copy;
}

/* Host copy of a model descriptor and of its arrays, walked with the plugin's element sizes. */
static int copy_model(ts_model *dst, const ts_model *m, ts_error *err) {
  memset(dst, 0, sizeof *dst);
  memcpy(dst, m, m->struct_size < sizeof(ts_model) ? m->struct_size : sizeof(ts_model));
  if (m->param_size < sizeof(ts_param) || m->state_size < sizeof(ts_state) || m->input_size < sizeof(ts_input) ||
      m->output_size < sizeof(ts_output) || m->dose_target_size < sizeof(ts_dose_target)) {
    dst->params = NULL, dst->states = NULL, dst->inputs = NULL, dst->outputs = NULL, dst->dose_targets = NULL;
    return ts_fail(err, TS_E_INPUT,
                   "descriptor element sizes are missing or smaller than ABI 1.0's; initialise the "
                   "model with TS_MODEL_HEADER");
  }
  if ((m->n_params && !m->params) || (m->n_states && !m->states) || (m->n_inputs && !m->inputs) ||
      (m->n_outputs && !m->outputs) || (m->n_dose_targets && !m->dose_targets)) {
    dst->params = NULL, dst->states = NULL, dst->inputs = NULL, dst->outputs = NULL, dst->dose_targets = NULL;
    return ts_fail(err, TS_E_INPUT, "a descriptor array is NULL while its count is not zero");
  }
  dst->params = copy_array(m->params, m->n_params, m->param_size, sizeof(ts_param));
  dst->states = copy_array(m->states, m->n_states, m->state_size, sizeof(ts_state));
  dst->inputs = copy_array(m->inputs, m->n_inputs, m->input_size, sizeof(ts_input));
  dst->outputs = copy_array(m->outputs, m->n_outputs, m->output_size, sizeof(ts_output));
  dst->dose_targets = copy_array(m->dose_targets, m->n_dose_targets, m->dose_target_size, sizeof(ts_dose_target));
  if (!dst->params || !dst->states || !dst->inputs || !dst->outputs || !dst->dose_targets)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  return 0;
}

/* Frees the arrays copy_model allocated. */
static void free_model_copy(ts_model *m) {
  free((void *)(uintptr_t)m->params);
  free((void *)(uintptr_t)m->states);
  free((void *)(uintptr_t)m->inputs);
  free((void *)(uintptr_t)m->outputs);
  free((void *)(uintptr_t)m->dose_targets);
}

static int check_and_copy(const char *path, void *handle, ts_library *lib, ts_error *err) {
  ts_plugin_entry_fn entry = (ts_plugin_entry_fn)(uintptr_t)dlsym(handle, TS_PLUGIN_ENTRY_NAME);
  if (!entry) {
    int other = found_other_major(handle);
    if (other >= 0)
      return ts_fail(err, TS_E_INPUT,
                     "%s: plugin built for twinsim plugin ABI %d, but this twinsim expects ABI %d "
                     "(entry symbol %s); rebuild the plugin against this twinsim's include/twinsim/plugin.h",
                     path, other, TS_PLUGIN_ABI_MAJOR, TS_PLUGIN_ENTRY_NAME);
    return ts_fail(err, TS_E_INPUT, "%s: not a twinsim plugin: no entry symbol %s (expected plugin ABI %d)", path,
                   TS_PLUGIN_ENTRY_NAME, TS_PLUGIN_ABI_MAJOR);
  }
  const ts_plugin *p = entry();
  if (!p)
    return ts_fail(err, TS_E_INPUT, "%s: the entry %s returned NULL", path, TS_PLUGIN_ENTRY_NAME);
  if (p->abi_major != TS_PLUGIN_ABI_MAJOR)
    return ts_fail(err, TS_E_INPUT, "%s: plugin declares ABI %u.%u, but this twinsim expects ABI %d.x", path,
                   p->abi_major, p->abi_minor, TS_PLUGIN_ABI_MAJOR);
  if (p->abi_minor > TS_PLUGIN_ABI_MINOR)
    return ts_fail(err, TS_E_INPUT,
                   "%s: plugin built for ABI %u.%u, newer than this twinsim's %d.%d; update twinsim or build the "
                   "plugin against an older header",
                   path, p->abi_major, p->abi_minor, TS_PLUGIN_ABI_MAJOR, TS_PLUGIN_ABI_MINOR);
  if (p->struct_size < TS_PLUGIN_SIZE_1_0)
    return ts_fail(err, TS_E_INPUT, "%s: ts_plugin.struct_size is %u, smaller than ABI 1.0's %zu", path, p->struct_size,
                   (size_t)TS_PLUGIN_SIZE_1_0);
  memset(&lib->desc, 0, sizeof lib->desc);
  memcpy(&lib->desc, p, p->struct_size < sizeof lib->desc ? p->struct_size : sizeof lib->desc);
  if (!ts_is_identifier(lib->desc.name))
    return ts_fail(err, TS_E_INPUT, "%s: the plugin's name must be an identifier, found '%s'", path,
                   lib->desc.name ? lib->desc.name : "(null)");
  if (lib->desc.n_models == 0 || !lib->desc.models)
    return ts_fail(err, TS_E_INPUT, "%s: plugin '%s' exports no model", path, lib->desc.name);
  lib->models = calloc(lib->desc.n_models, sizeof *lib->models);
  if (!lib->models)
    return ts_fail(err, TS_E_NOMEM, "out of memory loading %s", path);
  for (uint32_t i = 0; i < lib->desc.n_models; i++) {
    const ts_model *m = lib->desc.models[i];
    if (!m)
      return ts_fail(err, TS_E_INPUT, "%s: model %u of plugin '%s' is NULL", path, i, lib->desc.name);
    if (m->struct_size < TS_MODEL_SIZE_1_0)
      return ts_fail(err, TS_E_INPUT, "%s: model %u: ts_model.struct_size is %u, smaller than ABI 1.0's %zu", path, i,
                     m->struct_size, (size_t)TS_MODEL_SIZE_1_0);
    ts_error copy_err;
    if (copy_model(&lib->models[i], m, &copy_err) != 0)
      return ts_fail(err, copy_err.code, "%s: model %u of plugin '%s': %s", path, i, lib->desc.name, copy_err.message);
    for (uint32_t j = 0; j < i; j++)
      if (lib->models[j].name && lib->models[i].name && strcmp(lib->models[j].name, lib->models[i].name) == 0)
        return ts_fail(err, TS_E_INPUT, "%s: plugin '%s' exports two models named '%s'", path, lib->desc.name,
                       lib->models[i].name);
    char where[1024];
    snprintf(where, sizeof where, "%s: model %s/%s", path, lib->desc.name,
             lib->models[i].name ? lib->models[i].name : "(unnamed)");
    if (ts_model_check(&lib->models[i], where, err) != 0)
      return -1;
  }
  return 0;
}

int ts_library_open(const char *path, const char *name, ts_library *out, ts_error *err) {
  ts_library lib = {0};
  /* dlopen searches the system's library folders for a bare file name: a file here is "./name.so" */
  char local[4096];
  const char *file = path;
  if (!strchr(path, '/')) {
    snprintf(local, sizeof local, "./%s", path);
    file = local;
  }
  void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return ts_fail(err, TS_E_INPUT, "%s: cannot load plugin: %s", path, why ? why : "unknown dlopen error");
  }
  lib.handle = handle;
  if (check_and_copy(path, handle, &lib, err) != 0)
    goto fail;
  if (name && strcmp(name, lib.desc.name) != 0) {
    ts_fail(err, TS_E_INPUT, "%s: file is named '%s' but the plugin calls itself '%s'", path, name, lib.desc.name);
    goto fail;
  }
  if (!(lib.path = ts_strdup(path)) || !(lib.name = ts_strdup(lib.desc.name))) {
    ts_fail(err, TS_E_NOMEM, "out of memory loading %s", path);
    goto fail;
  }
  *out = lib;
  return 0;
fail:
  ts_library_close(&lib);
  return -1;
}

void ts_library_close(ts_library *lib) {
  if (!lib)
    return;
  for (uint32_t i = 0; lib->models && i < lib->desc.n_models; i++)
    free_model_copy(&lib->models[i]);
  free(lib->models);
  free(lib->path);
  free(lib->name);
  if (lib->handle)
    dlclose(lib->handle);
  memset(lib, 0, sizeof *lib);
}

static const ts_library *find_loaded(const ts_plugin_set *set, const char *name) {
  for (size_t i = 0; i < set->n_libs; i++)
    if (strcmp(set->libs[i]->name, name) == 0)
      return set->libs[i];
  return NULL;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int append_library(ts_plugin_set *set, const char *path, const char *name, const ts_library **out,
                          ts_error *err) {
  ts_library **libs = realloc(set->libs, (set->n_libs + 1) * sizeof *libs);
  if (!libs)
    return ts_fail(err, TS_E_NOMEM, "out of memory loading %s", path);
  set->libs = libs;
  ts_library *lib = calloc(1, sizeof *lib);
  if (!lib)
    return ts_fail(err, TS_E_NOMEM, "out of memory loading %s", path);
  if (ts_library_open(path, name, lib, err) != 0) {
    free(lib);
    return -1;
  }
  set->libs[set->n_libs++] = lib;
  if (out)
    *out = lib;
  return 0;
}

int ts_plugins_get(ts_plugin_set *set, const char *name, const ts_library **out, ts_error *err) {
  const ts_library *lib = find_loaded(set, name);
  if (lib) {
    *out = lib;
    return 0;
  }
  if (!ts_is_identifier(name))
    return ts_fail(err, TS_E_INPUT, "'%s' is not a valid plugin name", name);
  char path[4096];
  for (size_t i = 0; i < set->n_dirs; i++) {
    snprintf(path, sizeof path, "%s/%s.so", set->dirs[i], name);
    if (file_exists(path))
      return append_library(set, path, name, out, err);
  }
  ts_fail(err, TS_E_INPUT, "plugin '%s' not found: no %s.so in", name, name);
  for (size_t i = 0; i < set->n_dirs; i++)
    ts_error_append(err, "  %s", set->dirs[i]);
  ts_error_append(err, "(set TWINSIM_PLUGIN_PATH or the scenario's plugin_path to add folders)");
  return -1;
}

int ts_plugins_load_all(ts_plugin_set *set, ts_error *err) {
  int failed = 0;
  ts_error_clear(err);
  for (size_t d = 0; d < set->n_dirs; d++) {
    DIR *dir = opendir(set->dirs[d]);
    if (!dir)
      continue;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
      size_t len = strlen(e->d_name);
      if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0)
        continue;
      char name[256];
      snprintf(name, sizeof name, "%.*s", (int)(len - 3), e->d_name);
      if (find_loaded(set, name))
        continue;
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", set->dirs[d], e->d_name);
      ts_error one;
      ts_error_clear(&one);
      if (append_library(set, path, name, NULL, &one) != 0) {
        if (!failed)
          ts_fail(err, TS_E_INPUT, "%s", one.message);
        else
          ts_error_append(err, "%s", one.message);
        failed = 1;
      }
    }
    closedir(dir);
  }
  return failed ? -1 : 0;
}

const ts_model *ts_library_model(const ts_library *lib, const char *name) {
  for (uint32_t i = 0; i < lib->desc.n_models; i++)
    if (strcmp(lib->models[i].name, name) == 0)
      return &lib->models[i];
  return NULL;
}

#define TS_FIND_BY_NAME(array, count)                                                                                  \
  do {                                                                                                                 \
    for (uint32_t i = 0; i < (count); i++)                                                                             \
      if (strcmp((array)[i].name, name) == 0)                                                                          \
        return (int)i;                                                                                                 \
    return -1;                                                                                                         \
  } while (0)

int ts_model_param_index(const ts_model *m, const char *name) {
  TS_FIND_BY_NAME(m->params, m->n_params);
}
int ts_model_state_index(const ts_model *m, const char *name) {
  TS_FIND_BY_NAME(m->states, m->n_states);
}
int ts_model_input_index(const ts_model *m, const char *name) {
  TS_FIND_BY_NAME(m->inputs, m->n_inputs);
}
int ts_model_output_index(const ts_model *m, const char *name) {
  TS_FIND_BY_NAME(m->outputs, m->n_outputs);
}
int ts_model_dose_target_index(const ts_model *m, const char *name) {
  TS_FIND_BY_NAME(m->dose_targets, m->n_dose_targets);
}
