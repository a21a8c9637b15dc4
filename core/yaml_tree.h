/* A YAML document as a tree of nodes that remember where they were written (file, line, column), built with
 * libyaml, so that every later error can point at the exact place in the user's file. */
#ifndef TWINSIM_CORE_YAML_TREE_H
#define TWINSIM_CORE_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef enum ts_yaml_kind { TS_YAML_SCALAR, TS_YAML_SEQUENCE, TS_YAML_MAPPING } ts_yaml_kind;

typedef struct ts_yaml_pos {
  const char *file; /* owned by the document */
  int line;         /* 1-based */
  int column;       /* 1-based */
} ts_yaml_pos;

typedef struct ts_yaml_node ts_yaml_node;
struct ts_yaml_node {
  ts_yaml_kind kind;
  ts_yaml_pos pos;
  char *scalar;         /* TS_YAML_SCALAR: the text (never NULL) */
  bool quoted;          /* TS_YAML_SCALAR: written in quotes (so "1" is a string, 1 a number) */
  size_t n;             /* SEQUENCE: items; MAPPING: pairs */
  ts_yaml_node **items; /* SEQUENCE: n items; MAPPING: n values */
  ts_yaml_node **keys;  /* MAPPING: n scalar keys, in the order written */
};

typedef struct ts_yaml_doc {
  char *file; /* path as given */
  char *text; /* the whole file, NUL-terminated */
  size_t text_len;
  ts_yaml_node *root; /* NULL for an empty document */
} ts_yaml_doc;

/* Reads and parses a file holding one YAML document. Syntax errors, duplicate keys, non-scalar keys, anchors and
 * aliases, tags and several documents in one file are errors (TS_E_INPUT) that start with "FILE:LINE:COL: ". */
int ts_yaml_load_file(const char *path, ts_yaml_doc **out, ts_error *err);

/* The same from a string (file is the name used in messages). */
int ts_yaml_load_string(const char *file, const char *text, size_t len, ts_yaml_doc **out, ts_error *err);

void ts_yaml_free(ts_yaml_doc *doc); /* NULL is harmless */

/* The value under `key` in a mapping, or NULL. */
const ts_yaml_node *ts_yaml_get(const ts_yaml_node *map, const char *key);

/* Fails with "FILE:LINE:COL: unknown key 'x' in <what>; expected one of: a, b, c" (and "did you mean 'y'?" when a
 * known key is one edit away) for the first key not in the NULL-terminated `allowed` list. */
int ts_yaml_check_keys(const ts_yaml_node *map, const char *const *allowed, const char *what, ts_error *err);

/* Fails with "FILE:LINE:COL: expected <what>, found a sequence" etc. unless node has the given kind. */
int ts_yaml_expect(const ts_yaml_node *node, ts_yaml_kind kind, const char *what, ts_error *err);

/* Formats "FILE:LINE:COL: " + message into err (code TS_E_INPUT) and returns -1. */
int ts_yaml_fail(ts_error *err, ts_yaml_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
