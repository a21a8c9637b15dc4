/* Finding, loading and checking plugin libraries (include/twinsim/plugin.h).
 *
 * A library is looked up by name ("pk" -> "pk.so") in the search path: the scenario's plugin_path, then each
 * folder of $TWINSIM_PLUGIN_PATH (colon-separated), then the folder the build puts the bundled plugins in, then the
 * folder `cmake --install` puts them in.
 * Loading checks the entry symbol and ABI version, copies every model descriptor into host memory (zero-filled
 * past what the plugin's struct_size covers, so later minor versions can append fields) and checks each model's
 * static description; any problem refuses the whole library with a message naming the file. */
#ifndef TWINSIM_CORE_PLUGIN_LOADER_H
#define TWINSIM_CORE_PLUGIN_LOADER_H

#include <stddef.h>

#include "error.h"
#include <twinsim/plugin.h>

typedef struct ts_library {
  char *name;       /* "pk" */
  char *path;       /* the file it was loaded from */
  void *handle;     /* dlopen handle */
  ts_plugin desc;   /* host copy of the library descriptor */
  ts_model *models; /* desc.n_models host copies */
} ts_library;

typedef struct ts_plugin_set ts_plugin_set;

/* A set of loaded libraries with its search path: extra_dirs first (may be NULL when n_extra is 0). */
ts_plugin_set *ts_plugins_create(const char *const *extra_dirs, size_t n_extra);

/* Releases every library (dlclose). NULL is harmless. No model of the set may be in use. */
void ts_plugins_free(ts_plugin_set *set);

/* The library called `name`, loading it on first use. TS_E_INPUT when it is not found (the message lists the
 * folders searched), or cannot be loaded or fails a check. */
int ts_plugins_get(ts_plugin_set *set, const char *name, const ts_library **out, ts_error *err);

/* Loads every *.so of the search path (the first of each name wins), for `twinsim plugins`. Libraries that fail
 * are reported in err (one line each, code TS_E_INPUT) but do not stop the others; returns -1 if any failed. */
int ts_plugins_load_all(ts_plugin_set *set, ts_error *err);

size_t ts_plugins_count(const ts_plugin_set *set);
const ts_library *ts_plugins_at(const ts_plugin_set *set, size_t i);

/* The folders searched, in order, for messages. */
size_t ts_plugins_search_path(const ts_plugin_set *set, const char *const **dirs);

/* The model called `name` in lib, or NULL. */
const ts_model *ts_library_model(const ts_library *lib, const char *name);

/* Opens one library file and checks it (used by the above and by tests). *out is filled on success only. */
int ts_library_open(const char *path, const char *name, ts_library *out, ts_error *err);
void ts_library_close(ts_library *lib);

/* Index of the named parameter/state/input/output/dose target of a model, or -1. */
int ts_model_param_index(const ts_model *m, const char *name);
int ts_model_state_index(const ts_model *m, const char *name);
int ts_model_input_index(const ts_model *m, const char *name);
int ts_model_output_index(const ts_model *m, const char *name);
int ts_model_dose_target_index(const ts_model *m, const char *name);

#endif
