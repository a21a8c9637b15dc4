/* `twins`: a scenario's patients read from twin files, one virtual patient per file (docs/twins.md).
 *
 * Each file named in the list is read here with its own YAML tree, which the scenario keeps, so that every message
 * about a twin, now or when the system is built, points into the twin file ("TWINFILE:LINE:COL: ..."). Like the
 * rest of the parser this checks the file against its schema only: parameter names and the units of quantities
 * are resolved against the plugins later (trial.c). Errors about the list itself (a file that cannot be read, a
 * file listed twice, twins beside a cohort) point at the scenario. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario_internal.h"

#define TS_TWIN_FORMAT 1  /* `twin: 1` */
#define TS_TWIN_ID_MAX 63 /* bytes: a patient's label holds 64 (trial.h) */

static const char *const twin_keys[] = {"twin",       "id", "description", "covariates", "sex", "body_surface_area",
                                        "parameters", NULL};
static const char *const bsa_formulas[] = {"mosteller", "dubois", "haycock", "gehan_george", NULL};
static const char *const sexes[] = {"female", "male", NULL}; /* their index is the covariate SEX */

/* ---- one twin file ---------------------------------------------------------------------------------------------- */

static int check_format(const ts_sc_twin *t, const ts_yaml_node *root, ts_error *err) {
  if (!root)
    return ts_yaml_fail(err, (ts_yaml_pos){t->doc->file, 1, 1},
                        "the twin file is empty; expected a twin starting with 'twin: %d' (docs/twins.md)",
                        TS_TWIN_FORMAT);
  if (sc_expect(root, TS_YAML_MAPPING, "twin file", "a mapping of keys such as 'twin: 1'", err) != 0)
    return -1;
  const ts_yaml_node *n = ts_yaml_get(root, "twin");
  if (!n && ts_yaml_get(root, "twinsim"))
    return ts_yaml_fail(err, root->pos,
                        "this is a scenario ('twinsim: ...'), not a twin file; a twin file starts with 'twin: %d' "
                        "and describes one patient (docs/twins.md)",
                        TS_TWIN_FORMAT);
  if (!n)
    return ts_yaml_fail(err, root->pos, "missing required key 'twin' (the twin file format version); add 'twin: %d'",
                        TS_TWIN_FORMAT);
  if (n->kind != TS_YAML_SCALAR)
    return sc_expect(n, TS_YAML_SCALAR, "twin", "the format version 1", err);
  if (!n->quoted && strcmp(n->scalar, "1") == 0)
    return 0;
  if (n->quoted)
    return ts_yaml_fail(err, n->pos, "twin: the format version is a number; write 'twin: %d' without quotes",
                        TS_TWIN_FORMAT);
  return ts_yaml_fail(err, n->pos,
                      "twin: format version '%s' is not supported; this twinsim reads twin files of version %d "
                      "('twin: %d')",
                      n->scalar, TS_TWIN_FORMAT, TS_TWIN_FORMAT);
}

static int parse_covariates(ts_sc_twin *t, const ts_yaml_node *map, ts_error *err) {
  t->covariates_pos = map->pos;
  if (sc_expect(map, TS_YAML_MAPPING, "covariates", "a mapping of name to quantity, e.g. 'WT: 70 kg'", err) != 0)
    return -1;
  if (map->n && !(t->covariates = calloc(map->n, sizeof *t->covariates)))
    return sc_nomem(err);
  for (size_t i = 0; i < map->n; i++) {
    const ts_yaml_node *key = map->keys[i];
    ts_sc_covariate *c = &t->covariates[t->n_covariates++];
    path_buf p;
    sc_sub(p, "covariates", key->scalar);
    if (sc_check_identifier(key, "covariates", "covariate", err) != 0 || sc_dup_into(key->scalar, &c->name, err) != 0)
      return -1;
    if (strcmp(c->name, "SEX") == 0)
      return ts_yaml_fail(err, key->pos,
                          "covariates.SEX: give the sex with the key 'sex: female' or 'sex: male' (stored as the "
                          "covariate SEX, 0 or 1)");
    if (sc_get_quantity(map->items[i], p, "70 kg", false, &c->value, err) != 0)
      return -1;
  }
  return 0;
}

static const ts_sc_covariate *find_covariate(const ts_sc_twin *t, const char *name) {
  for (size_t i = 0; i < t->n_covariates; i++)
    if (strcmp(t->covariates[i].name, name) == 0)
      return &t->covariates[i];
  return NULL;
}

static int parse_parameters(ts_sc_twin *t, const ts_yaml_node *map, ts_error *err) {
  if (sc_expect(map, TS_YAML_MAPPING, "parameters", "a mapping such as 'pk.CL: 110 L/d'", err) != 0)
    return -1;
  if (map->n && !(t->overrides = calloc(map->n, sizeof *t->overrides)))
    return sc_nomem(err);
  for (size_t i = 0; i < map->n; i++) {
    ts_sc_override *o = &t->overrides[t->n_overrides++];
    path_buf p;
    sc_sub(p, "parameters", map->keys[i]->scalar);
    if (sc_split_ref(map->keys[i]->scalar, map->keys[i]->pos, '.', "parameters", "instance.parameter", "pk.CL",
                     &o->instance, &o->param, err) != 0 ||
        sc_get_quantity(map->items[i], p, "110 L/d", false, &o->value, err) != 0)
      return -1;
  }
  return 0;
}

/* The twin's tree (already loaded into t->doc) into t. */
static int parse_twin(ts_sc_twin *t, ts_error *err) {
  const ts_yaml_node *root = t->doc->root, *n;
  if (check_format(t, root, err) != 0 || ts_yaml_check_keys(root, twin_keys, "the twin file", err) != 0)
    return -1;
  t->root_pos = t->covariates_pos = root->pos;
  t->sex = TS_SC_SEX_NONE;
  if (!(n = sc_required(root, "id", "twin file", "id: rp1-typical", err)) ||
      sc_get_string(n, "id", false, &t->id, err) != 0)
    return -1;
  t->id_pos = n->pos;
  if (strlen(t->id) > TS_TWIN_ID_MAX)
    return ts_yaml_fail(err, n->pos, "id: %zu bytes long; a twin's id is at most %d bytes", strlen(t->id),
                        TS_TWIN_ID_MAX);
  n = ts_yaml_get(root, "description");
  if (n ? sc_get_string(n, "description", true, &t->description, err) : sc_dup_into("", &t->description, err))
    return -1;
  if ((n = ts_yaml_get(root, "covariates")) && parse_covariates(t, n, err) != 0)
    return -1;
  int index;
  if ((n = ts_yaml_get(root, "sex"))) {
    if (sc_get_keyword(n, "sex", sexes, &index, err) != 0)
      return -1;
    t->sex = (ts_sc_sex)index;
  }
  if ((n = ts_yaml_get(root, "body_surface_area"))) {
    if (sc_get_keyword(n, "body_surface_area", bsa_formulas, &index, err) != 0 ||
        sc_dup_into(bsa_formulas[index], &t->bsa_formula, err) != 0)
      return -1;
    t->bsa_pos = n->pos;
    const ts_sc_covariate *bsa = find_covariate(t, "BSA");
    if (bsa)
      return ts_yaml_fail(err, n->pos,
                          "body_surface_area: the twin also has the covariate BSA (line %d); give the body-surface "
                          "area either as a covariate or by a formula, not both",
                          bsa->value.pos.line);
    if (!find_covariate(t, "WT") || !find_covariate(t, "HT"))
      return ts_yaml_fail(err, n->pos,
                          "body_surface_area: %s needs the covariates WT and HT, e.g. 'covariates: {WT: 70 kg, HT: "
                          "170 cm}'",
                          t->bsa_formula);
  }
  if ((n = ts_yaml_get(root, "parameters")) && parse_parameters(t, n, err) != 0)
    return -1;
  return 0;
}

/* ---- the list ----------------------------------------------------------------------------------------------- */

/* The position of a top-level key (not of its value). */
static ts_yaml_pos key_pos(const ts_yaml_node *root, const char *key) {
  for (size_t i = 0; i < root->n; i++)
    if (strcmp(root->keys[i]->scalar, key) == 0)
      return root->keys[i]->pos;
  return root->pos;
}

/* path relative to the scenario's folder: base_dir/path, or path itself when it is absolute or there is no
 * folder. */
static char *twin_path(const char *base_dir, const char *path) {
  if (path[0] == '/' || !base_dir || !base_dir[0] || strcmp(base_dir, ".") == 0)
    return strdup(path);
  size_t n = strlen(base_dir) + strlen(path) + 2;
  char *s = malloc(n);
  if (s)
    snprintf(s, n, "%s%s%s", base_dir, base_dir[strlen(base_dir) - 1] == '/' ? "" : "/", path);
  return s;
}

/* Reads twin i (counted from 1 in messages) from the list item; the files (and ids) of the twins before it detect
 * repeats. */
static int read_twin(ts_scenario *sc, const ts_yaml_node *item, size_t i, const char *base_dir, struct stat *files,
                     ts_error *err) {
  ts_sc_twin *t = &sc->twins[i];
  char where[32];
  snprintf(where, sizeof where, "twins[%zu]", i + 1);
  t->pos = item->pos;
  const char *written = sc_scalar(item, where, "the path of a twin file, e.g. ../twins/rp1_typical.yaml", err);
  if (!written)
    return -1;
  if (!written[0])
    return ts_yaml_fail(err, item->pos, "%s: the path of a twin file must not be empty", where);
  if (!(t->path = twin_path(base_dir, written)))
    return sc_nomem(err);
  struct stat *st = &files[i];
  if (stat(t->path, st) != 0)
    return ts_yaml_fail(err, item->pos, "%s: cannot read the twin file '%s' (%s): %s", where, written, t->path,
                        strerror(errno));
  if (S_ISDIR(st->st_mode))
    return ts_yaml_fail(err, item->pos, "%s: '%s' is a folder; list the twin files one by one", where, written);
  for (size_t k = 0; k < i; k++)
    if (files[k].st_dev == st->st_dev && files[k].st_ino == st->st_ino)
      return ts_yaml_fail(err, item->pos,
                          "%s: '%s' is the same file as twins[%zu] (line %d, column %d); list each twin once", where,
                          written, k + 1, sc->twins[k].pos.line, sc->twins[k].pos.column);
  ts_error load_err;
  ts_error_clear(&load_err);
  if (ts_yaml_load_file(t->path, &t->doc, &load_err) != 0) {
    if (load_err.code != TS_E_IO) { /* a YAML error, at its place in the twin file */
      if (err)
        *err = load_err;
      return -1;
    }
    return ts_yaml_fail(err, item->pos, "%s: cannot read the twin file: %s", where, load_err.message);
  }
  if (parse_twin(t, err) != 0)
    return -1;
  for (size_t k = 0; k < i; k++)
    if (strcmp(sc->twins[k].id, t->id) == 0)
      return ts_yaml_fail(err, t->id_pos, "id: '%s' is also the id of %s (twins[%zu]); every twin needs its own id",
                          t->id, sc->twins[k].path, k + 1);
  return 0;
}

int sc_parse_twins(ts_scenario *sc, const ts_yaml_node *root, const char *base_dir, ts_error *err) {
  const ts_yaml_node *list = ts_yaml_get(root, "twins");
  if (!list)
    return 0;
  sc->twins_pos = key_pos(root, "twins");
  static const char *const exclusive[] = {"cohort", "patient"};
  for (size_t i = 0; i < 2; i++)
    if (ts_yaml_get(root, exclusive[i])) {
      ts_yaml_pos other = key_pos(root, exclusive[i]);
      return ts_yaml_fail(err, sc->twins_pos,
                          "twins: the scenario also has '%s' (line %d, column %d); its patients come either from "
                          "twin files or from '%s', not both",
                          exclusive[i], other.line, other.column, exclusive[i]);
    }
  if (sc_expect(list, TS_YAML_SEQUENCE, "twins", "a list of twin files, e.g. [../twins/rp1_typical.yaml]", err) != 0)
    return -1;
  if (list->n == 0)
    return ts_yaml_fail(err, list->pos, "twins: the list is empty; give at least one twin file or remove 'twins'");
  struct stat *files = calloc(list->n, sizeof *files);
  if (!files || !(sc->twins = calloc(list->n, sizeof *sc->twins))) {
    free(files);
    return sc_nomem(err);
  }
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < list->n; i++) {
    sc->n_twins++; /* counted before it is filled, so that sc_free_twins frees a twin read half-way */
    rc = read_twin(sc, list->items[i], i, base_dir, files, err);
  }
  free(files);
  return rc;
}

void sc_free_twins(ts_scenario *sc) {
  for (size_t i = 0; i < sc->n_twins; i++) {
    ts_sc_twin *t = &sc->twins[i];
    free(t->path);
    free(t->id);
    free(t->description);
    for (size_t k = 0; k < t->n_covariates; k++)
      free(t->covariates[k].name), free(t->covariates[k].value.unit);
    free(t->covariates);
    free(t->bsa_formula);
    for (size_t k = 0; k < t->n_overrides; k++)
      free(t->overrides[k].instance), free(t->overrides[k].param), free(t->overrides[k].value.unit);
    free(t->overrides);
    ts_yaml_free(t->doc);
  }
  free(sc->twins);
}
