/* The plugin conformance checker: the bundled plugins conform; each deliberately broken model is caught with the
 * right message; a library built for another ABI is refused at load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conformance.h"
#include "test_support.h"

/* Runs the checker into a file and returns what it printed; *failures receives its count. */
static char *check(const char *library, int *failures) {
  char path[1024];
  snprintf(path, sizeof path, "%s", library);
  const char *report = ts_test_path("conformance", "txt");
  FILE *out = fopen(report, "w");
  assert_non_null(out);
  *failures = ts_plugin_check(path, out);
  fclose(out);
  char *text = ts_test_read_file(report, NULL);
  assert_non_null(text);
  return text;
}

static void test_bundled_plugins_conform(void **state) {
  (void)state;
  static const char *const plugins[] = {"pk", "tumor", "immune", "toxicity", "resistance"};
  for (size_t i = 0; i < sizeof plugins / sizeof *plugins; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.so", TS_TEST_PLUGIN_DIR, plugins[i]);
    int failures;
    char *text = check(path, &failures);
    if (failures != 0) {
      for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, "FAIL", 4) == 0)
          print_message("%s\n", line);
      fail_msg("%s: %d failures", plugins[i], failures);
    }
    assert_non_null(strstr(text, "PASS"));
    assert_null(strstr(text, "FAIL"));
    free(text);
  }
}

static void test_broken_models_are_caught(void **state) {
  (void)state;
  int failures;
  char *text = check(TS_TEST_FIXTURE_DIR "/broken.so", &failures);
  static const char *const expected[] = {
      "FAIL broken/global_state: repeatable",
      "FAIL broken/nan_rhs: finite at the defaults",
      "FAIL broken/liar: declared dependencies: outputs move with inputs they do not list in direct_inputs: sum "
      "reads b",
      "FAIL broken/bad_jacobian: analytic Jacobian: worst relative difference",
      "during 'right-hand side at the defaults'", /* the segfault: a signal, or a sanitizer's exit */
      "PASS broken/liar: repeatable",
      "FAIL broken/skipper: outputs on demand: asked for only half; no output, the model gives another value or "
      "other derivatives than when asked for all",
      "FAIL broken/lone_skipper: outputs on demand: asked for no output, the model gives",
      "PASS broken/liar: outputs on demand",
  };
  for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
    if (!strstr(text, expected[i]))
      fail_msg("the report lacks '%s'", expected[i]);
  assert_int_equal(failures, 8); /* global_state fails twice: not repeatable, and not alone on two threads */
  free(text);
}

static void test_other_abi_is_refused(void **state) {
  (void)state;
  int failures;
  char *text = check(TS_TEST_FIXTURE_DIR "/abi2.so", &failures);
  assert_int_equal(failures, 1);
  assert_non_null(strstr(text, "FAIL"));
  assert_non_null(strstr(text, "built for twinsim plugin ABI 2"));
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bundled_plugins_conform),
      cmocka_unit_test(test_broken_models_are_caught),
      cmocka_unit_test(test_other_abi_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
