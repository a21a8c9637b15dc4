/* A YAML document as a tree of positioned nodes, built from libyaml's event stream: see yaml_tree.h.
 *
 * The tree is always complete enough to be freed: a node is attached to its parent as soon as its event arrives (a
 * mapping's key is attached with an empty value slot that its value fills), so every failure frees the document
 * from its root and nothing else. */
#include "yaml_tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Deeper nesting than this is refused, so that freeing (recursive) cannot exhaust the stack. */
#define TS_YAML_MAX_DEPTH 256

/* ---- Nodes ------------------------------------------------------------------------------------------------- */

static void node_free(ts_yaml_node *node) {
  if (!node)
    return;
  for (size_t i = 0; i < node->n; i++) {
    node_free(node->items[i]);
    if (node->keys)
      node_free(node->keys[i]);
  }
  free(node->items);
  free(node->keys);
  free(node->scalar);
  free(node);
}

void ts_yaml_free(ts_yaml_doc *doc) {
  if (!doc)
    return;
  node_free(doc->root);
  free(doc->file);
  free(doc->text);
  free(doc);
}

static const char *kind_text(const ts_yaml_node *node) {
  switch (node->kind) {
  case TS_YAML_SCALAR: return "a scalar";
  case TS_YAML_SEQUENCE: return "a sequence";
  case TS_YAML_MAPPING: return "a mapping";
  }
  return "a node";
}

/* ---- Errors ------------------------------------------------------------------------------------------------ */

static int vfail_at(ts_error *err, const char *file, int line, int column, const char *fmt, va_list ap) {
  if (!err)
    return -1;
  err->code = TS_E_INPUT;
  int used = snprintf(err->message, sizeof err->message, "%s:%d:%d: ", file ? file : "<input>", line, column);
  if (used >= 0 && (size_t)used < sizeof err->message)
    vsnprintf(err->message + used, sizeof err->message - (size_t)used, fmt, ap);
  return -1;
}

int ts_yaml_fail(ts_error *err, ts_yaml_pos pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail_at(err, pos.file, pos.line, pos.column, fmt, ap);
  va_end(ap);
  return -1;
}

/* ---- Building the tree from events --------------------------------------------------------------------------- */

typedef struct frame {
  ts_yaml_node *node; /* an open sequence or mapping */
  size_t cap;         /* allocated slots of items (and keys) */
  bool want_key;      /* MAPPING: the next node is a key */
} frame;

typedef struct builder {
  ts_yaml_doc *doc;
  ts_error *err;
  frame stack[TS_YAML_MAX_DEPTH];
  size_t depth;
  int documents; /* DOCUMENT-START events seen */
} builder;

static ts_yaml_pos pos_of(const builder *b, yaml_mark_t mark) {
  return (ts_yaml_pos){.file = b->doc->file, .line = (int)mark.line + 1, .column = (int)mark.column + 1};
}

static int nomem(ts_error *err) {
  return ts_fail(err, TS_E_NOMEM, "out of memory while reading YAML");
}

/* Grows a container's arrays so that one more slot fits. */
static int reserve(frame *f, ts_error *err) {
  if (f->node->n < f->cap)
    return 0;
  size_t cap = f->cap ? f->cap * 2 : 4;
  ts_yaml_node **items = realloc(f->node->items, cap * sizeof *items);
  if (!items)
    return nomem(err);
  f->node->items = items;
  if (f->node->kind == TS_YAML_MAPPING) {
    ts_yaml_node **keys = realloc(f->node->keys, cap * sizeof *keys);
    if (!keys)
      return nomem(err);
    f->node->keys = keys;
  }
  f->cap = cap;
  return 0;
}

/* Attaches a new node to the open container (or makes it the root). On failure the node is freed. */
static int attach(builder *b, ts_yaml_node *node) {
  if (b->depth == 0) {
    b->doc->root = node;
    return 0;
  }
  frame *f = &b->stack[b->depth - 1];
  ts_yaml_node *parent = f->node;
  if (parent->kind == TS_YAML_SEQUENCE) {
    if (reserve(f, b->err) != 0) {
      node_free(node);
      return -1;
    }
    parent->items[parent->n++] = node;
    return 0;
  }
  if (!f->want_key) {
    parent->items[parent->n - 1] = node;
    f->want_key = true;
    return 0;
  }
  if (node->kind != TS_YAML_SCALAR) {
    ts_yaml_fail(b->err, node->pos, "a mapping key must be a plain value, found %s; write 'key: value'",
                 kind_text(node));
    node_free(node);
    return -1;
  }
  for (size_t i = 0; i < parent->n; i++) {
    const ts_yaml_node *other = parent->keys[i];
    if (strcmp(other->scalar, node->scalar) == 0) {
      ts_yaml_fail(
          b->err, node->pos,
          "duplicate key '%s': it is already given at line %d, column %d; a key may appear only once in a mapping",
          node->scalar, other->pos.line, other->pos.column);
      node_free(node);
      return -1;
    }
  }
  if (reserve(f, b->err) != 0) {
    node_free(node);
    return -1;
  }
  parent->keys[parent->n] = node;
  parent->items[parent->n] = NULL;
  parent->n++;
  f->want_key = false;
  return 0;
}

static ts_yaml_node *new_node(builder *b, ts_yaml_kind kind, yaml_mark_t mark) {
  ts_yaml_node *node = calloc(1, sizeof *node);
  if (!node) {
    nomem(b->err);
    return NULL;
  }
  node->kind = kind;
  node->pos = pos_of(b, mark);
  return node;
}

/* Refuses anchors and explicit tags on a node. */
static int check_properties(builder *b, yaml_mark_t mark, const yaml_char_t *anchor, const yaml_char_t *tag) {
  if (anchor)
    return ts_yaml_fail(b->err, pos_of(b, mark),
                        "anchor '&%s': anchors and aliases are not supported; write the value out in full",
                        (const char *)anchor);
  if (tag)
    return ts_yaml_fail(b->err, pos_of(b, mark), "explicit tag '%s': tags are not supported; write the plain value",
                        (const char *)tag);
  return 0;
}

static int on_scalar(builder *b, const yaml_event_t *ev) {
  if (check_properties(b, ev->start_mark, ev->data.scalar.anchor, ev->data.scalar.tag) != 0)
    return -1;
  ts_yaml_node *node = new_node(b, TS_YAML_SCALAR, ev->start_mark);
  if (!node)
    return -1;
  size_t len = ev->data.scalar.length;
  node->scalar = malloc(len + 1);
  if (!node->scalar) {
    free(node);
    return nomem(b->err);
  }
  memcpy(node->scalar, ev->data.scalar.value, len);
  node->scalar[len] = '\0';
  yaml_scalar_style_t style = ev->data.scalar.style;
  node->quoted = style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
  return attach(b, node);
}

static int on_container_start(builder *b, const yaml_event_t *ev, ts_yaml_kind kind) {
  const yaml_char_t *anchor = kind == TS_YAML_MAPPING ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
  const yaml_char_t *tag = kind == TS_YAML_MAPPING ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
  if (check_properties(b, ev->start_mark, anchor, tag) != 0)
    return -1;
  if (b->depth == TS_YAML_MAX_DEPTH)
    return ts_yaml_fail(b->err, pos_of(b, ev->start_mark), "nesting deeper than %d levels is not supported",
                        TS_YAML_MAX_DEPTH);
  ts_yaml_node *node = new_node(b, kind, ev->start_mark);
  if (!node)
    return -1;
  if (attach(b, node) != 0)
    return -1;
  b->stack[b->depth++] = (frame){.node = node, .cap = 0, .want_key = true};
  return 0;
}

static int on_event(builder *b, const yaml_event_t *ev) {
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    if (++b->documents > 1)
      return ts_yaml_fail(b->err, pos_of(b, ev->start_mark),
                          "a second YAML document starts here; the file must hold exactly one document");
    return 0;
  case YAML_ALIAS_EVENT:
    return ts_yaml_fail(b->err, pos_of(b, ev->start_mark),
                        "alias '*%s': anchors and aliases are not supported; write the value out in full",
                        (const char *)ev->data.alias.anchor);
  case YAML_SCALAR_EVENT: return on_scalar(b, ev);
  case YAML_SEQUENCE_START_EVENT: return on_container_start(b, ev, TS_YAML_SEQUENCE);
  case YAML_MAPPING_START_EVENT: return on_container_start(b, ev, TS_YAML_MAPPING);
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT: b->depth--; return 0;
  default: return 0;
  }
}

/* Line and column (1-based) of a byte offset, for reader errors, which carry only an offset. */
static void offset_position(const char *text, size_t len, size_t offset, int *line, int *column) {
  *line = 1;
  *column = 1;
  for (size_t i = 0; i < offset && i < len; i++) {
    if (text[i] == '\n')
      ++*line, *column = 1;
    else if (((unsigned char)text[i] & 0xC0) != 0x80)
      ++*column;
  }
}

/* The byte at a 1-based line and column (columns count characters), or '\0' past the text. */
static char char_at(const char *text, size_t len, int line, int column) {
  size_t i = 0;
  for (int l = 1; l < line && i < len; i++)
    if (text[i] == '\n')
      l++;
  for (int c = 1; i < len && text[i] != '\n'; i++)
    if (((unsigned char)text[i] & 0xC0) != 0x80 && c++ == column)
      return text[i];
  return '\0';
}

static int parser_error(builder *b, const yaml_parser_t *parser) {
  const ts_yaml_doc *doc = b->doc;
  const char *problem = parser->problem ? parser->problem : "unknown problem";
  if (parser->error == YAML_MEMORY_ERROR)
    return nomem(b->err);
  if (parser->error == YAML_READER_ERROR) {
    int line, column;
    offset_position(doc->text, doc->text_len, parser->problem_offset, &line, &column);
    return ts_yaml_fail(b->err, (ts_yaml_pos){doc->file, line, column},
                        "the file is not valid UTF-8 text (%s); save it as UTF-8", problem);
  }
  ts_yaml_pos at = pos_of(b, parser->problem_mark);
  if (char_at(doc->text, doc->text_len, at.line, at.column) == '\t')
    return ts_yaml_fail(b->err, at, "YAML syntax error: a tab character here; YAML indentation must use spaces");
  if (parser->context)
    return ts_yaml_fail(b->err, at,
                        "YAML syntax error: %s (%s that starts at line %d, column %d); check the indentation, colons, "
                        "brackets and quotes",
                        problem, parser->context, (int)parser->context_mark.line + 1,
                        (int)parser->context_mark.column + 1);
  return ts_yaml_fail(b->err, at, "YAML syntax error: %s; check the indentation, colons, brackets and quotes", problem);
}

static int parse_doc(ts_yaml_doc *doc, ts_error *err) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return nomem(err);
  yaml_parser_set_input_string(&parser, (const unsigned char *)doc->text, doc->text_len);
  builder *b = calloc(1, sizeof *b);
  if (!b) {
    yaml_parser_delete(&parser);
    return nomem(err);
  }
  b->doc = doc;
  b->err = err;
  int rc = 0;
  for (bool done = false; !done && rc == 0;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      rc = parser_error(b, &parser);
      break;
    }
    rc = on_event(b, &ev);
    done = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
  }
  free(b);
  yaml_parser_delete(&parser);
  return rc;
}

/* ---- Loading ----------------------------------------------------------------------------------------------- */

int ts_yaml_load_string(const char *file, const char *text, size_t len, ts_yaml_doc **out, ts_error *err) {
  *out = NULL;
  ts_yaml_doc *doc = calloc(1, sizeof *doc);
  if (!doc)
    return nomem(err);
  doc->file = strdup(file ? file : "<input>");
  doc->text = malloc(len + 1);
  if (!doc->file || !doc->text) {
    ts_yaml_free(doc);
    return nomem(err);
  }
  if (len)
    memcpy(doc->text, text, len);
  doc->text[len] = '\0';
  doc->text_len = len;
  if (parse_doc(doc, err) != 0) {
    ts_yaml_free(doc);
    return -1;
  }
  *out = doc;
  return 0;
}

int ts_yaml_load_file(const char *path, ts_yaml_doc **out, ts_error *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return ts_fail(err, TS_E_IO, "%s: cannot open: %s", path, strerror(errno));
  char *text = NULL;
  size_t len = 0, cap = 0;
  int rc = 0;
  for (;;) {
    if (cap - len < 4096) {
      cap = cap ? cap * 2 : 16384;
      char *grown = realloc(text, cap);
      if (!grown) {
        rc = nomem(err);
        break;
      }
      text = grown;
    }
    size_t got = fread(text + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f))
        rc = ts_fail(err, TS_E_IO, "%s: cannot read: %s", path, strerror(errno));
      break;
    }
  }
  fclose(f);
  if (rc == 0)
    rc = ts_yaml_load_string(path, text, len, out, err);
  free(text);
  return rc;
}

/* ---- Queries ----------------------------------------------------------------------------------------------- */

const ts_yaml_node *ts_yaml_get(const ts_yaml_node *map, const char *key) {
  if (!map || map->kind != TS_YAML_MAPPING)
    return NULL;
  for (size_t i = 0; i < map->n; i++)
    if (strcmp(map->keys[i]->scalar, key) == 0)
      return map->items[i];
  return NULL;
}

/* Levenshtein distance, stopping early: returns any value > limit once the distance is known to exceed it. */
static size_t edit_distance(const char *a, const char *b, size_t limit) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64)
    return limit + 1;
  if ((la > lb ? la - lb : lb - la) > limit)
    return limit + 1;
  size_t row[65];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

int ts_yaml_check_keys(const ts_yaml_node *map, const char *const *allowed, const char *what, ts_error *err) {
  for (size_t i = 0; i < map->n; i++) {
    const ts_yaml_node *key = map->keys[i];
    const char *best = NULL;
    size_t best_distance = 3; /* suggest only keys at most two edits away */
    bool known = false;
    for (size_t k = 0; allowed[k] && !known; k++) {
      known = strcmp(allowed[k], key->scalar) == 0;
      size_t d = edit_distance(key->scalar, allowed[k], 2);
      if (d < best_distance && d < strlen(allowed[k])) {
        best = allowed[k];
        best_distance = d;
      }
    }
    if (known)
      continue;
    char list[1024];
    size_t used = 0;
    list[0] = '\0';
    for (size_t k = 0; allowed[k] && used < sizeof list; k++)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", allowed[k]);
    if (best)
      return ts_yaml_fail(err, key->pos, "unknown key '%s' in %s; did you mean '%s'? expected one of: %s", key->scalar,
                          what, best, list);
    return ts_yaml_fail(err, key->pos, "unknown key '%s' in %s; expected one of: %s", key->scalar, what, list);
  }
  return 0;
}

int ts_yaml_expect(const ts_yaml_node *node, ts_yaml_kind kind, const char *what, ts_error *err) {
  if (node->kind == kind)
    return 0;
  if (node->kind == TS_YAML_SCALAR) {
    if (!node->quoted && node->scalar[0] == '\0')
      return ts_yaml_fail(err, node->pos, "expected %s, found nothing", what);
    return ts_yaml_fail(err, node->pos, "expected %s, found the value '%.60s%s'", what, node->scalar,
                        strlen(node->scalar) > 60 ? "..." : "");
  }
  return ts_yaml_fail(err, node->pos, "expected %s, found %s", what, kind_text(node));
}
