/* Tests of core/units.c: the unit grammar of docs/units.md, conversion factors, dimension texts, error messages and
 * the splitting of quantities.
 *
 * Expected factors are written from the definitions of the units (1 L = 1e-3 m^3, 1 d = 24 h = 86400 s,
 * 1 yr = 365.25 d, 1 Gy = 1 m^2/s^2), never taken from the code's own output. Where the decimal result is exactly
 * the nearest double of a short literal (24, 1e-3, 1/24 computed as one division), the factor must equal that
 * double exactly: units.c rounds each factor once, so there is no tolerance to hide behind. The few factors that
 * need more than one rounding are compared with a relative tolerance of 4 ulp (REL_TOL). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"
#include "units.h"

#define REL_TOL (4 * 2.220446049250313e-16)

/* ---------------------------------------------------------------------------------------------------------------
 * Helpers: each reports the unit texts and both values when it fails.
 * --------------------------------------------------------------------------------------------------------------- */

static double factor_of(const char *from, const char *to) {
  double f = -1;
  char why[256] = "(not set)";
  if (ts_unit_factor(from, to, &f, why, sizeof why) != 0)
    fail_msg("'%s' -> '%s' failed: %s", from, to, why);
  return f;
}

static void check_factor_exact(const char *from, const char *to, double expected) {
  double f = factor_of(from, to);
  if (f != expected)
    fail_msg("'%s' -> '%s': factor %.17g, expected exactly %.17g", from, to, f, expected);
}

static void check_factor_near(const char *from, const char *to, double expected) {
  double f = factor_of(from, to);
  if (!(ts_test_relerr(f, expected, 1e-300) <= REL_TOL))
    fail_msg("'%s' -> '%s': factor %.17g, expected %.17g (relative tolerance %g)", from, to, f, expected, REL_TOL);
}

static ts_unit parsed(const char *text) {
  ts_unit u;
  char why[256] = "(not set)";
  if (ts_unit_parse(text, &u, why, sizeof why) != 0)
    fail_msg("'%s' did not parse: %s", text, why);
  return u;
}

/* The unit parses to the given factor (exactly) and dimension vector {mass, length, time, amount, cells}. */
static void check_parse(const char *text, double factor, int mass, int length, int time, int amount, int cells) {
  ts_unit u = parsed(text);
  int want[TS_DIM_COUNT] = {mass, length, time, amount, cells};
  if (u.factor != factor)
    fail_msg("'%s': factor %.17g, expected exactly %.17g", text, u.factor, factor);
  for (int i = 0; i < TS_DIM_COUNT; i++)
    if (u.dim[i] != want[i])
      fail_msg("'%s': exponent of dimension %d is %d, expected %d", text, i, u.dim[i], want[i]);
}

static void check_contains(const char *what, const char *text, const char *message, const char *part) {
  if (!strstr(message, part))
    fail_msg("%s '%s': message \"%s\" does not contain \"%s\"", what, text, message, part);
}

/* Parsing fails, leaves *out untouched, and the reason contains every one of the given parts (NULL-terminated). */
static void check_parse_fails(const char *text, ...) {
  ts_unit u = {-7.0, {9, 9, 9, 9, 9}};
  char why[256] = "";
  if (ts_unit_parse(text, &u, why, sizeof why) == 0)
    fail_msg("'%s' parsed (factor %.17g) but should have failed", text ? text : "(null)", u.factor);
  if (u.factor != -7.0 || u.dim[0] != 9 || u.dim[4] != 9)
    fail_msg("'%s': the failed parse wrote to its output", text ? text : "(null)");
  va_list ap;
  va_start(ap, text);
  for (const char *part; (part = va_arg(ap, const char *)) != NULL;)
    check_contains("unit", text ? text : "(null)", why, part);
  va_end(ap);
}

/* "((...(m)...))" with n pairs of parentheses, in a static buffer (n < 40). */
static const char *nested_m(int n) {
  static char buf[100];
  assert_true(n < 40);
  memset(buf, '(', (size_t)n);
  buf[n] = 'm';
  memset(buf + n + 1, ')', (size_t)n);
  buf[2 * n + 1] = '\0';
  return buf;
}

static void check_dimension_text(const char *unit, const char *expected) {
  ts_unit u = parsed(unit);
  char buf[128];
  ts_unit_dimension_text(&u, buf, sizeof buf);
  if (strcmp(buf, expected) != 0)
    fail_msg("'%s': dimension text \"%s\", expected \"%s\"", unit, buf, expected);
}

static void check_split(const char *text, double value, const char *unit) {
  double v = -12345;
  char u[32] = "(not set)", why[256] = "(not set)";
  if (ts_quantity_split(text, &v, u, sizeof u, why, sizeof why) != 0)
    fail_msg("quantity '%s' did not split: %s", text, why);
  if (v != value)
    fail_msg("quantity '%s': value %.17g, expected exactly %.17g", text, v, value);
  if (strcmp(u, unit) != 0)
    fail_msg("quantity '%s': unit \"%s\", expected \"%s\"", text, u, unit);
}

static void check_split_fails(const char *text, const char *part) {
  double v = -12345;
  char u[32] = "untouched", why[256] = "";
  if (ts_quantity_split(text, &v, u, sizeof u, why, sizeof why) == 0)
    fail_msg("quantity '%s' split into %.17g and \"%s\" but should have failed", text ? text : "(null)", v, u);
  if (v != -12345)
    fail_msg("quantity '%s': the failed split wrote the value %.17g", text ? text : "(null)", v);
  check_contains("quantity", text ? text : "(null)", why, part);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Conversions
 * --------------------------------------------------------------------------------------------------------------- */

static void test_concentration_conversions(void **state) {
  (void)state;
  check_factor_exact("mg/L", "ug/mL", 1);
  check_factor_exact("ug/mL", "mg/L", 1);
  check_factor_exact("µg/mL", "mg/L", 1);        /* U+00B5 MICRO SIGN */
  check_factor_exact("\xCE\xBCg/mL", "mg/L", 1); /* U+03BC GREEK SMALL LETTER MU */
  check_factor_exact("ng/mL", "mg/L", 1e-3);
  check_factor_exact("mg/L", "ng/mL", 1e3);
  check_factor_exact("pg/mL", "ng/mL", 1e-3);
  check_factor_exact("mg/dL", "mg/L", 10);
  check_factor_exact("mmol/L", "umol/mL", 1);
  check_factor_exact("nmol/L", "mol/L", 1e-9);
  check_factor_exact("mg/l", "mg/L", 1);
}

static void test_mass_volume_length_conversions(void **state) {
  (void)state;
  check_factor_exact("kg", "g", 1000);
  check_factor_exact("g", "mg", 1000);
  check_factor_exact("mm^3", "L", 1e-6);
  check_factor_exact("L", "mm^3", 1e6);
  check_factor_exact("mL", "cm^3", 1);
  check_factor_exact("L", "m^3", 1e-3);
  check_factor_exact("dL", "L", 0.1);
  check_factor_exact("cL", "mL", 10);
  check_factor_exact("km", "m", 1000);
  check_factor_exact("cm", "m", 0.01);
  check_factor_exact("nm", "um", 1e-3);
}

static void test_time_conversions(void **state) {
  (void)state;
  check_factor_exact("h", "d", 1.0 / 24);
  check_factor_exact("d", "h", 24);
  check_factor_exact("min", "h", 1.0 / 60);
  check_factor_exact("s", "d", 1.0 / 86400);
  check_factor_exact("ms", "s", 1e-3);
  check_factor_exact("wk", "d", 7);
  check_factor_exact("weeks", "days", 7);
  check_factor_exact("yr", "d", 365.25);
  check_factor_exact("years", "week", 365.25 / 7);
  check_factor_exact("L/h", "L/d", 24);
  check_factor_exact("1/h", "1/d", 24);
  check_factor_exact("mg*h/L", "mg*d/L", 1.0 / 24);
  check_factor_exact("mg/L/h", "mg/L/d", 24);
  check_factor_exact("mL/min", "L/d", 1.44);
  check_factor_exact("us", "min", 1.0 / 60e6);
}

static void test_counts_and_dimensionless(void **state) {
  (void)state;
  check_factor_exact("1e9 cells", "cells", 1e9);
  check_factor_exact("cells", "1e9 cells", 1e-9);
  check_factor_exact("1e9cells", "cell", 1e9);
  /* Beyond 10^22 the factor takes more than one rounding. */
  check_factor_near("1e30 cells", "cells", 1e30);
  check_factor_near("cells", "1e30 cells", 1e-30);
  check_factor_exact("1e9 cells/L", "cells/mL", 1e6);
  check_factor_exact("10^9/L", "1/L", 1e9);
  check_factor_exact("%", "1", 0.01);
  check_factor_exact("1", "%", 100);
  check_factor_exact("1/d", "d^-1", 1);
}

static void test_dose_conversions(void **state) {
  (void)state;
  check_factor_exact("Gy", "m^2/s^2", 1);
  check_factor_exact("cGy", "Gy", 0.01);
  check_factor_exact("mGy", "cGy", 0.1);
  check_factor_exact("Gy", "m^2/d^2", 86400.0 * 86400.0);
  check_factor_exact("Gy", "(m/s)^2", 1);
}

static void test_left_associative_division(void **state) {
  (void)state;
  check_factor_exact("mg/L/h", "mg/(L*h)", 1);
  check_factor_exact("mg / ( L * h )", "mg/L/h", 1);
  ts_unit a = parsed("mg/L/h"), b = parsed("mg/L*h");
  assert_false(ts_unit_compatible(&a, &b));
  ts_unit c = parsed("mg/(L*h)");
  assert_true(ts_unit_compatible(&a, &c));
}

static void test_dimension_mismatch(void **state) {
  (void)state;
  double f = -3;
  char why[256] = "";
  assert_int_equal(ts_unit_factor("mg", "mg/L", &f, why, sizeof why), -1);
  assert_true(f == -3);
  check_contains("conversion", "mg -> mg/L", why, "'mg' (mass)");
  check_contains("conversion", "mg -> mg/L", why, "'mg/L' (mass/length^3)");

  assert_int_equal(ts_unit_factor("1/d", "d", &f, why, sizeof why), -1);
  check_contains("conversion", "1/d -> d", why, "'1/d' (1/time)");
  check_contains("conversion", "1/d -> d", why, "'d' (time)");

  assert_int_equal(ts_unit_factor("cells", "%", &f, why, sizeof why), -1);
  check_contains("conversion", "cells -> %", why, "'cells' (cells)");
  check_contains("conversion", "cells -> %", why, "'%' (dimensionless)");

  /* A unit that does not parse is reported as such, whichever side it is on. */
  assert_int_equal(ts_unit_factor("mg", "mgg", &f, why, sizeof why), -1);
  check_contains("conversion", "mg -> mgg", why, "unknown unit symbol 'mgg'");
  assert_int_equal(ts_unit_factor("foo/L", "mg/L", &f, why, sizeof why), -1);
  check_contains("conversion", "foo/L -> mg/L", why, "unknown unit symbol 'foo'");
  assert_true(f == -3);

  /* A NULL why is allowed. */
  assert_int_equal(ts_unit_factor("mg", "L", &f, NULL, 0), -1);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Parsing
 * --------------------------------------------------------------------------------------------------------------- */

static void test_parse_symbols(void **state) {
  (void)state;
  check_parse("1", 1, 0, 0, 0, 0, 0);
  check_parse("%", 0.01, 0, 0, 0, 0, 0);
  check_parse("m", 1, 0, 1, 0, 0, 0);     /* metre, not milli- */
  check_parse("mm", 1e-3, 0, 1, 0, 0, 0); /* millimetre */
  check_parse("mg", 1e-3, 1, 0, 0, 0, 0); /* milligram, not metre*gram */
  check_parse("min", 1.0 / 1440, 0, 0, 1, 0, 0);
  check_parse("ms", 1.0 / 86400000, 0, 0, 1, 0, 0); /* millisecond: 1 d = 86 400 000 ms */
  check_parse("dL", 1e-4, 0, 3, 0, 0, 0);
  check_parse("d", 1, 0, 0, 1, 0, 0);
  check_parse("day", 1, 0, 0, 1, 0, 0);
  check_parse("h", 1.0 / 24, 0, 0, 1, 0, 0);
  check_parse("mol", 1, 0, 0, 0, 1, 0);
  check_parse("pmol", 1e-12, 0, 0, 0, 1, 0);
  check_parse("cell", 1, 0, 0, 0, 0, 1);
  check_parse("ug", 1e-6, 1, 0, 0, 0, 0);
  check_parse("µL", 1e-9, 0, 3, 0, 0, 0);
  check_parse("Gy", 86400.0 * 86400.0, 0, 2, -2, 0, 0);
}

static void test_parse_forms(void **state) {
  (void)state;
  check_parse("1/d", 1, 0, 0, -1, 0, 0);
  check_parse("d^-1", 1, 0, 0, -1, 0, 0);
  check_parse("d^+1", 1, 0, 0, 1, 0, 0);
  check_parse("m^0", 1, 0, 0, 0, 0, 0);
  check_parse("mg/(L*h)", 24, 1, -3, -1, 0, 0);
  check_parse("  mg / L  ", 1, 1, -3, 0, 0, 0);
  check_parse("m ^ 2", 1, 0, 2, 0, 0, 0);
  check_parse("mm^3", 1e-9, 0, 3, 0, 0, 0);
  check_parse("1e9 cells", 1e9, 0, 0, 0, 0, 1);
  check_parse("1e9 cells/L", 1e12, 0, -3, 0, 0, 1);
  check_parse("10^9/L", 1e12, 0, -3, 0, 0, 0);
  check_parse("10^-3", 1e-3, 0, 0, 0, 0, 0);
  check_parse("10^9 cells", 1e9, 0, 0, 0, 0, 1);
  check_parse("( m )", 1, 0, 1, 0, 0, 0);
  check_parse("1/d^2", 1, 0, 0, -2, 0, 0);
  check_parse("0.5 mg", 5e-4, 1, 0, 0, 0, 0);
  check_parse("2 (mg/L)", 2, 1, -3, 0, 0, 0);
  check_parse("(1e9 cells)/L", 1e12, 0, -3, 0, 0, 1);
  check_parse("L/1000", 1e-6, 0, 3, 0, 0, 0);
  check_parse("ug*h/mL", 1.0 / 24, 1, -3, 1, 0, 0);
  check_parse("(m/s)^2", 86400.0 * 86400.0, 0, 2, -2, 0, 0);
  check_parse("1/(1/d)", 1, 0, 0, 1, 0, 0);
}

static void test_parse_errors(void **state) {
  (void)state;
  check_parse_fails("", "empty unit", NULL);
  check_parse_fails("   ", "empty unit", NULL);
  check_parse_fails(NULL, "no unit", NULL);
  check_parse_fails("/d", "found '/' at character 1 of '/d'", NULL);
  check_parse_fails("mg/", "at the end of 'mg/'", NULL);
  check_parse_fails("mg*", "at the end of 'mg*'", NULL);
  check_parse_fails("mg//L", "found '/' at character 4", NULL);
  check_parse_fails("mgg", "unknown unit symbol 'mgg' at character 1 of 'mgg'", NULL);
  check_parse_fails("mg/Lx", "unknown unit symbol 'Lx' at character 4", NULL);
  /* Positions count characters, not bytes: µ is one character (two bytes). */
  check_parse_fails("µg/Lx", "unknown unit symbol 'Lx' at character 4", NULL);
  check_parse_fails("cd", "unknown unit symbol 'cd'", "prefix 'c' is not used with 'd'", NULL);
  check_parse_fails("kL", "unknown unit symbol 'kL'", "prefix 'k' is not used with 'L'", NULL);
  check_parse_fails("dm", "unknown unit symbol 'dm'", NULL);
  check_parse_fails("MG", "unknown unit symbol 'MG'", NULL);
  check_parse_fails("µ", "unknown unit symbol 'µ'", NULL);
  check_parse_fails("m g", "expected '*' or '/' before 'g' at character 3", NULL);
  check_parse_fails("m2", "write a power as '^2'", "at character 2", NULL);
  check_parse_fails("mg 1", "expected '*' or '/' before '1'", NULL);
  check_parse_fails("mg/10 L", "expected '*' or '/' before 'L' at character 7", NULL);
  check_parse_fails("mg/(L*h", "no ')' closes the '(' at character 4", NULL);
  check_parse_fails("mg/(L h)", "expected '*' or '/' before 'h' at character 7", NULL);
  check_parse_fails("mg/L)", "unmatched ')' at character 5", NULL);
  check_parse_fails("()", "found ')' at character 2", NULL);
  check_parse_fails("m^", "expected an integer power after '^' at the end", NULL);
  check_parse_fails("m^x", "expected an integer power after '^' at character 3", NULL);
  check_parse_fails("m^0.5", "powers must be whole numbers", NULL);
  check_parse_fails("m^100", "power too large (at most 99)", NULL);
  check_parse_fails("-1 mg", "found '-' at character 1", NULL);
  check_parse_fails("0 mg", "factor of unit '0 mg' is zero", NULL);
  check_parse_fails("1e400 cells", "out of range", NULL);
  check_parse_fails("1e-400", "out of range", NULL);
  check_parse_fails("mg#", "unexpected character '#' at character 3", NULL);
  check_parse_fails("mg\x01", "unexpected character '\\x01' at character 3", NULL);
  check_parse_fails("m²", "unexpected character '²' at character 2", NULL);
  check_parse_fails("nan", "unknown unit symbol 'nan'", NULL);
  check_parse_fails(nested_m(17), "nested more than 16 deep", NULL);
  check_parse_fails("((m^99)^99)", "out of range", NULL);
}

static void test_parse_limits_and_null_why(void **state) {
  (void)state;
  ts_unit u = {0, {0}};
  /* Sixteen levels of parentheses are allowed, seventeen are not (above). */
  assert_int_equal(ts_unit_parse(nested_m(16), &u, NULL, 0), 0);
  assert_int_equal(u.dim[TS_DIM_LENGTH], 1);
  assert_int_equal(ts_unit_parse("m^99", &u, NULL, 0), 0);
  assert_int_equal(u.dim[TS_DIM_LENGTH], 99);
  assert_int_equal(ts_unit_parse("mgg", &u, NULL, 0), -1);
  /* A short why is truncated, not overrun. */
  char why[8];
  memset(why, 'x', sizeof why);
  assert_int_equal(ts_unit_parse("mgg", &u, why, sizeof why), -1);
  assert_string_equal(why, "unknown");
  /* On success why is cleared. */
  char ok[16] = "stale";
  assert_int_equal(ts_unit_parse("mg", &u, ok, sizeof ok), 0);
  assert_string_equal(ok, "");
}

/* ---------------------------------------------------------------------------------------------------------------
 * Dimension text
 * --------------------------------------------------------------------------------------------------------------- */

static void test_dimension_text(void **state) {
  (void)state;
  check_dimension_text("mg/L", "mass/length^3");
  check_dimension_text("1/d", "1/time");
  check_dimension_text("1", "dimensionless");
  check_dimension_text("%", "dimensionless");
  check_dimension_text("cells", "cells");
  check_dimension_text("1e9 cells/L", "cells/length^3");
  check_dimension_text("mg/(L*h)", "mass/(length^3*time)");
  check_dimension_text("mg*h/L", "mass*time/length^3");
  check_dimension_text("nmol/L", "amount/length^3");
  check_dimension_text("Gy", "length^2/time^2");
  check_dimension_text("1/(mol*cells)", "1/(amount*cells)");

  ts_unit u = parsed("mg/L");
  char small[6];
  memset(small, 'x', sizeof small);
  ts_unit_dimension_text(&u, small, sizeof small);
  assert_string_equal(small, "mass/");
}

/* ---------------------------------------------------------------------------------------------------------------
 * Quantities
 * --------------------------------------------------------------------------------------------------------------- */

static void test_quantity_split(void **state) {
  (void)state;
  check_split("100 mg", 100, "mg");
  check_split("0.3", 0.3, "");
  check_split("1e-6 mg", 1e-6, "mg");
  check_split("100mg", 100, "mg");
  check_split("  1.5e-3   L/h  ", 1.5e-3, "L/h");
  check_split("21 d", 21, "d");
  check_split("-2.5 mg", -2.5, "mg");
  check_split("+4 h", 4, "h");
  check_split(".5 d", 0.5, "d");
  check_split("5. d", 5, "d");
  check_split("1E3 cells", 1000, "cells");
  check_split("1e9 cells/L", 1e9, "cells/L");
  check_split("0.1", 0.1, "");
  check_split("123456.789e-3 mg", 123.456789, "mg");
  check_split("0.0000000001 g", 1e-10, "g");
  check_split("2e mg", 2, "e mg"); /* 'e' without an exponent ends the number; the unit is checked later */
  check_split("0 mg", 0, "mg");
}

static void test_quantity_split_errors(void **state) {
  (void)state;
  check_split_fails("mg", "expected a number at character 1 of 'mg'");
  check_split_fails("", "empty quantity");
  check_split_fails("   ", "empty quantity");
  check_split_fails(NULL, "no quantity");
  check_split_fails("nan", "expected a number");
  check_split_fails("inf mg", "expected a number");
  check_split_fails("-inf", "expected a number");
  check_split_fails("- 5 mg", "expected a number");
  check_split_fails("1e400 mg", "out of range");
  check_split_fails("1e-400 mg", "out of range");
  check_split_fails("1.2.3 mg", "malformed number '1.2.'");
  check_split_fails("1,5 mg", "malformed number '1,' at character 1 of '1,5 mg' (the decimal separator is '.')");
  check_split_fails("  x1", "expected a number at character 3");

  double v = 0;
  char unit[4], why[128] = "";
  assert_int_equal(ts_quantity_split("100 mg/L", &v, unit, sizeof unit, why, sizeof why), -1);
  check_contains("quantity", "100 mg/L", why, "too long (at most 3 bytes)");
  assert_int_equal(ts_quantity_split("100 mg", &v, unit, sizeof unit, NULL, 0), 0);
  assert_string_equal(unit, "mg");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_concentration_conversions),
      cmocka_unit_test(test_mass_volume_length_conversions),
      cmocka_unit_test(test_time_conversions),
      cmocka_unit_test(test_counts_and_dimensionless),
      cmocka_unit_test(test_dose_conversions),
      cmocka_unit_test(test_left_associative_division),
      cmocka_unit_test(test_dimension_mismatch),
      cmocka_unit_test(test_parse_symbols),
      cmocka_unit_test(test_parse_forms),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_parse_limits_and_null_why),
      cmocka_unit_test(test_dimension_text),
      cmocka_unit_test(test_quantity_split),
      cmocka_unit_test(test_quantity_split_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
