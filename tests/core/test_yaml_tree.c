/* Tests of core/yaml_tree.c: the node tree, positions, quoting, and every refused construct with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"
#include "yaml_tree.h"

static ts_yaml_doc *load_ok(const char *text) {
  ts_yaml_doc *doc = NULL;
  ts_error err;
  ts_error_clear(&err);
  int rc = ts_yaml_load_string("t.yaml", text, strlen(text), &doc, &err);
  if (rc != 0)
    fail_msg("unexpected error: %s", err.message);
  assert_non_null(doc);
  return doc;
}

/* Loads text that must fail, and checks the code and that the message contains each fragment. */
static void load_fails(const char *text, const char *prefix, const char *fragment) {
  ts_yaml_doc *doc = (ts_yaml_doc *)1;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_yaml_load_string("t.yaml", text, strlen(text), &doc, &err), -1);
  assert_null(doc);
  assert_int_equal(err.code, TS_E_INPUT);
  if (strncmp(err.message, prefix, strlen(prefix)) != 0 || !strstr(err.message, fragment))
    fail_msg("message '%s' lacks prefix '%s' or '%s'", err.message, prefix, fragment);
}

static void assert_pos(ts_yaml_pos pos, int line, int column) {
  assert_string_equal(pos.file, "t.yaml");
  assert_int_equal(pos.line, line);
  assert_int_equal(pos.column, column);
}

static void test_tree_and_positions(void **state) {
  (void)state;
  const char *text = "a: 1\n"
                     "b:\n"
                     "  - x\n"
                     "  - 'y'\n"
                     "  - \"z\"\n"
                     "c: {d: e, f: [1, 2]}\n"
                     "empty:\n";
  ts_yaml_doc *doc = load_ok(text);
  assert_string_equal(doc->file, "t.yaml");
  assert_int_equal(doc->text_len, strlen(text));
  assert_string_equal(doc->text, text);
  const ts_yaml_node *root = doc->root;
  assert_int_equal(root->kind, TS_YAML_MAPPING);
  assert_int_equal(root->n, 4);
  assert_pos(root->pos, 1, 1);
  const char *keys[] = {"a", "b", "c", "empty"};
  for (size_t i = 0; i < 4; i++) {
    assert_string_equal(root->keys[i]->scalar, keys[i]);
    assert_int_equal(root->keys[i]->kind, TS_YAML_SCALAR);
  }
  assert_pos(root->keys[1]->pos, 2, 1);

  const ts_yaml_node *a = ts_yaml_get(root, "a");
  assert_int_equal(a->kind, TS_YAML_SCALAR);
  assert_string_equal(a->scalar, "1");
  assert_false(a->quoted);
  assert_pos(a->pos, 1, 4);

  const ts_yaml_node *b = ts_yaml_get(root, "b");
  assert_int_equal(b->kind, TS_YAML_SEQUENCE);
  assert_int_equal(b->n, 3);
  assert_pos(b->pos, 3, 3);
  assert_string_equal(b->items[0]->scalar, "x");
  assert_false(b->items[0]->quoted);
  assert_pos(b->items[0]->pos, 3, 5);
  assert_string_equal(b->items[1]->scalar, "y");
  assert_true(b->items[1]->quoted);
  assert_string_equal(b->items[2]->scalar, "z");
  assert_true(b->items[2]->quoted);
  assert_pos(b->items[2]->pos, 5, 5);

  const ts_yaml_node *c = ts_yaml_get(root, "c");
  assert_int_equal(c->kind, TS_YAML_MAPPING);
  assert_pos(c->pos, 6, 4);
  assert_string_equal(ts_yaml_get(c, "d")->scalar, "e");
  const ts_yaml_node *f = ts_yaml_get(c, "f");
  assert_int_equal(f->kind, TS_YAML_SEQUENCE);
  assert_int_equal(f->n, 2);
  assert_pos(f->items[1]->pos, 6, 18);

  /* A key without a value holds an empty, unquoted scalar. */
  const ts_yaml_node *empty = ts_yaml_get(root, "empty");
  assert_int_equal(empty->kind, TS_YAML_SCALAR);
  assert_string_equal(empty->scalar, "");
  assert_false(empty->quoted);

  assert_null(ts_yaml_get(root, "missing"));
  assert_null(ts_yaml_get(b, "x"));
  assert_null(ts_yaml_get(NULL, "x"));
  ts_yaml_free(doc);
}

static void test_multiline_and_unicode_scalars(void **state) {
  (void)state;
  ts_yaml_doc *doc = load_ok("text: |\n  line one\n  line two\nname: \"caf\\u00e9\"\nplain: 12 mg/L\n");
  assert_string_equal(ts_yaml_get(doc->root, "text")->scalar, "line one\nline two\n");
  assert_string_equal(ts_yaml_get(doc->root, "name")->scalar, "caf\xC3\xA9");
  assert_string_equal(ts_yaml_get(doc->root, "plain")->scalar, "12 mg/L");
  ts_yaml_free(doc);
}

static void test_empty_documents(void **state) {
  (void)state;
  ts_yaml_doc *doc = load_ok("");
  assert_null(doc->root);
  ts_yaml_free(doc);
  doc = load_ok("# only a comment\n\n");
  assert_null(doc->root);
  ts_yaml_free(doc);
  doc = load_ok("--- 42\n...\n");
  assert_string_equal(doc->root->scalar, "42");
  ts_yaml_free(doc);
}

static void test_syntax_errors(void **state) {
  (void)state;
  load_fails("a: [1, 2\nb: 3\n", "t.yaml:", "YAML syntax error");
  load_fails("a: 1\n b: 2\n", "t.yaml:2:", "YAML syntax error");
  load_fails("a:\n\tb: 1\n", "t.yaml:2:1: ", "a tab character here; YAML indentation must use spaces");
  load_fails("a:\n  b: 1\n  c:\t[x\n", "t.yaml:", "YAML syntax error");
  load_fails("a: 'open\n", "t.yaml:", "quoted scalar");
  /* The context (the construct being read) is named with its own position. */
  load_fails("key: {a: 1\n", "t.yaml:", "line 1, column 6");
}

static void test_invalid_utf8(void **state) {
  (void)state;
  load_fails("a: 1\nb: x\xff\n", "t.yaml:2:5: ", "not valid UTF-8");
}

static void test_duplicate_keys(void **state) {
  (void)state;
  load_fails("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: ", "duplicate key 'a': it is already given at line 1, column 1");
  load_fails("m:\n  x: 1\n  y: 2\n  x: 3\n", "t.yaml:4:3: ", "line 2, column 3");
  load_fails("m: {x: 1, x: 2}\n", "t.yaml:1:11: ", "duplicate key 'x'");
  /* The same key in different mappings is fine. */
  ts_yaml_doc *doc = load_ok("a: {x: 1}\nb: {x: 2}\n");
  ts_yaml_free(doc);
}

static void test_non_scalar_keys(void **state) {
  (void)state;
  load_fails("? [a, b]\n: 1\n", "t.yaml:1:3: ", "a mapping key must be a plain value, found a sequence");
  load_fails("{a: 1}: 2\n", "t.yaml:1:1: ", "found a mapping");
}

static void test_anchors_aliases_tags(void **state) {
  (void)state;
  load_fails("a: &x 1\nb: *x\n", "t.yaml:1:4: ", "anchors and aliases are not supported");
  load_fails("b: *x\n", "t.yaml:1:4: ", "anchors and aliases are not supported");
  load_fails("a: &m {x: 1}\n", "t.yaml:1:4: ", "anchor '&m'");
  load_fails("a: !!str 1\n", "t.yaml:1:4: ", "tags are not supported");
  load_fails("a: !custom [1]\n", "t.yaml:1:4: ", "explicit tag '!custom'");
  load_fails("--- !!map\na: 1\n", "t.yaml:1:5: ", "tags are not supported");
}

static void test_one_document(void **state) {
  (void)state;
  load_fails("a: 1\n---\nb: 2\n", "t.yaml:2:1: ", "second YAML document");
  load_fails("--- 1\n--- 2\n", "t.yaml:2:1: ", "exactly one document");
}

static void test_depth_limit(void **state) {
  (void)state;
  char text[1000];
  memset(text, '[', 300);
  memset(text + 300, ']', 300);
  text[600] = '\0';
  load_fails(text, "t.yaml:1:257: ", "nesting deeper than 256");
  text[0] = '\0';
  for (int i = 0; i < 100; i++)
    strcat(text, "[");
  for (int i = 0; i < 100; i++)
    strcat(text, "]");
  ts_yaml_doc *doc = load_ok(text);
  ts_yaml_free(doc);
}

static void test_check_keys(void **state) {
  (void)state;
  ts_yaml_doc *doc = load_ok("target: pk.central\namout: 100 mg\n");
  static const char *const allowed[] = {"target", "amount", "start", NULL};
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_yaml_check_keys(doc->root, allowed, "a dose", &err), -1);
  assert_int_equal(err.code, TS_E_INPUT);
  assert_string_equal(err.message, "t.yaml:2:1: unknown key 'amout' in a dose; did you mean 'amount'? expected one "
                                   "of: target, amount, start");
  ts_yaml_free(doc);

  /* Two edits away still gets a suggestion; a far key does not. */
  doc = load_ok("traget: x\n");
  assert_int_equal(ts_yaml_check_keys(doc->root, allowed, "a dose", &err), -1);
  assert_non_null(strstr(err.message, "did you mean 'target'?"));
  ts_yaml_free(doc);
  doc = load_ok("colour: red\n");
  assert_int_equal(ts_yaml_check_keys(doc->root, allowed, "a dose", &err), -1);
  assert_string_equal(err.message,
                      "t.yaml:1:1: unknown key 'colour' in a dose; expected one of: target, amount, start");
  ts_yaml_free(doc);

  doc = load_ok("start: 1\ntarget: 2\n");
  ts_error_clear(&err);
  assert_int_equal(ts_yaml_check_keys(doc->root, allowed, "a dose", &err), 0);
  assert_int_equal(err.code, TS_E_OK);
  ts_yaml_free(doc);
}

static void test_expect(void **state) {
  (void)state;
  ts_yaml_doc *doc = load_ok("a: [1]\nb: {x: 1}\nc: word\nd:\n");
  ts_error err;
  ts_error_clear(&err);
  const ts_yaml_node *a = ts_yaml_get(doc->root, "a");
  assert_int_equal(ts_yaml_expect(a, TS_YAML_SEQUENCE, "a list", &err), 0);
  assert_int_equal(ts_yaml_expect(a, TS_YAML_MAPPING, "a mapping of doses", &err), -1);
  assert_string_equal(err.message, "t.yaml:1:4: expected a mapping of doses, found a sequence");
  assert_int_equal(ts_yaml_expect(ts_yaml_get(doc->root, "b"), TS_YAML_SCALAR, "a name", &err), -1);
  assert_string_equal(err.message, "t.yaml:2:4: expected a name, found a mapping");
  assert_int_equal(ts_yaml_expect(ts_yaml_get(doc->root, "c"), TS_YAML_SEQUENCE, "a list", &err), -1);
  assert_string_equal(err.message, "t.yaml:3:4: expected a list, found the value 'word'");
  assert_int_equal(ts_yaml_expect(ts_yaml_get(doc->root, "d"), TS_YAML_MAPPING, "a mapping", &err), -1);
  assert_non_null(strstr(err.message, "expected a mapping, found nothing"));
  ts_yaml_free(doc);
}

static void test_fail_format(void **state) {
  (void)state;
  ts_error err;
  ts_error_clear(&err);
  ts_yaml_pos pos = {.file = "dir/s.yaml", .line = 12, .column = 7};
  assert_int_equal(ts_yaml_fail(&err, pos, "bad %s %d", "value", 3), -1);
  assert_int_equal(err.code, TS_E_INPUT);
  assert_string_equal(err.message, "dir/s.yaml:12:7: bad value 3");
  assert_int_equal(ts_yaml_fail(NULL, pos, "dropped"), -1);
}

static void test_load_file(void **state) {
  (void)state;
  const char *path = ts_test_path("yaml_tree", "yaml");
  assert_int_equal(ts_test_write_file(path, "x: 1\ny:\n  - a\n"), 0);
  ts_yaml_doc *doc = NULL;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_yaml_load_file(path, &doc, &err), 0);
  assert_string_equal(doc->file, path);
  assert_string_equal(doc->text, "x: 1\ny:\n  - a\n");
  assert_string_equal(ts_yaml_get(doc->root, "y")->items[0]->pos.file, path);
  ts_yaml_free(doc);

  assert_int_equal(ts_test_write_file(path, "x: 1\nx: 2\n"), 0);
  assert_int_equal(ts_yaml_load_file(path, &doc, &err), -1);
  assert_null(doc);
  char expected[1100];
  snprintf(expected, sizeof expected, "%s:2:1: duplicate key 'x'", path);
  assert_non_null(strstr(err.message, expected));
  remove(path);

  assert_int_equal(ts_yaml_load_file(path, &doc, &err), -1);
  assert_int_equal(err.code, TS_E_IO);
  assert_non_null(strstr(err.message, path));
  assert_int_equal(ts_yaml_load_file(TS_TEST_DATA_DIR, &doc, &err), -1);
  assert_int_equal(err.code, TS_E_IO);
  ts_yaml_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tree_and_positions), cmocka_unit_test(test_multiline_and_unicode_scalars),
      cmocka_unit_test(test_empty_documents),    cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_invalid_utf8),       cmocka_unit_test(test_duplicate_keys),
      cmocka_unit_test(test_non_scalar_keys),    cmocka_unit_test(test_anchors_aliases_tags),
      cmocka_unit_test(test_one_document),       cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_check_keys),         cmocka_unit_test(test_expect),
      cmocka_unit_test(test_fail_format),        cmocka_unit_test(test_load_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
