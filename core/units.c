/* Units of measure: a recursive-descent parser for the grammar of docs/units.md, the conversion factor between two
 * units, and the splitting of a quantity ("100 mg") into its number and its unit text. See units.h.
 *
 * While a unit is parsed its factor is kept as num / den * 10^exp10. SI prefixes, litres and written numbers only
 * move the decimal exponent; time units (1/24 d, 1/86400 d) go into num and den as whole numbers. Everything stays
 * exact until the factor is rounded once at the end, so mg/L -> ug/mL gives exactly 1, L/h -> L/d exactly 24 and
 * ng/mL -> mg/L the double nearest 1e-3, not a neighbour of it.
 *
 * Numbers are scanned here, digit by digit, and never handed to strtod: the result does not depend on the C locale,
 * and "nan", "inf" or hexadecimal are not numbers. A number of at most 15 significant digits with a decimal exponent
 * within +-22 (so, in practice, every number a person writes) is rounded correctly; longer ones may be a few units in
 * the last place off.
 *
 * No allocation and no mutable static state: every function is reentrant and safe to call from any thread. */
#include "units.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum {
  MAX_NESTING = 16,    /* levels of parentheses */
  MAX_POWER = 99,      /* |n| in "^n" */
  MAX_DIM_EXP = 999,   /* |exponent| of a base dimension anywhere in a parse */
  MAX_EXP10 = 10000,   /* |decimal exponent| of a factor anywhere in a parse */
  MAX_MANT_DIGITS = 19 /* significant digits kept of a number (fits uint64_t) */
};

/* A unit while it is parsed: factor = num / den * 10^exp10, with num, den > 0 (num == 0 only for a written 0). */
typedef struct exact_unit {
  double num, den;
  int exp10;
  int dim[TS_DIM_COUNT];
} exact_unit;

/* ---------------------------------------------------------------------------------------------------------------
 * Symbols and prefixes
 * --------------------------------------------------------------------------------------------------------------- */

typedef struct unit_symbol {
  const char *name;
  double num, den; /* factor to base units (g, m, d, mol, cell) = num / den * 10^exp10 */
  int exp10;
  int dim[TS_DIM_COUNT]; /* mass, length, time, amount, cells */
  const char *prefixes;  /* letters of the SI prefixes it takes; 'u' also stands for µ and μ */
} unit_symbol;

/* A whole token is first looked up as it is, then as prefix + symbol; no name here is also some prefix + another
 * name ("min" is not m-in, "mol" is not m-ol), so the two lookups never compete. "m" alone is the metre; "mm", "ms",
 * "mg" are milli-metre, -second, -gram; "d" takes no prefix, so "cd" is unknown and "dL" is the decilitre. */
// clang-format off
static const unit_symbol unit_symbols[] = {
    /* name   num                 den     exp10  {mass, length, time, amount, cells}  prefixes */
    {"g",     1,                  1,      0,     { 1,  0,  0,  0,  0},  "kmunp"},
    {"m",     1,                  1,      0,     { 0,  1,  0,  0,  0},  "kcmun"},
    {"L",     1,                  1,      -3,    { 0,  3,  0,  0,  0},  "dcmun"},
    {"l",     1,                  1,      -3,    { 0,  3,  0,  0,  0},  "dcmun"},
    {"s",     1,                  86400,  0,     { 0,  0,  1,  0,  0},  "mun"},
    {"min",   1,                  1440,   0,     { 0,  0,  1,  0,  0},  ""},
    {"h",     1,                  24,     0,     { 0,  0,  1,  0,  0},  ""},
    {"d",     1,                  1,      0,     { 0,  0,  1,  0,  0},  ""},
    {"day",   1,                  1,      0,     { 0,  0,  1,  0,  0},  ""},
    {"days",  1,                  1,      0,     { 0,  0,  1,  0,  0},  ""},
    {"wk",    7,                  1,      0,     { 0,  0,  1,  0,  0},  ""},
    {"week",  7,                  1,      0,     { 0,  0,  1,  0,  0},  ""},
    {"weeks", 7,                  1,      0,     { 0,  0,  1,  0,  0},  ""},
    {"yr",    365.25,             1,      0,     { 0,  0,  1,  0,  0},  ""},
    {"year",  365.25,             1,      0,     { 0,  0,  1,  0,  0},  ""},
    {"years", 365.25,             1,      0,     { 0,  0,  1,  0,  0},  ""},
    {"mol",   1,                  1,      0,     { 0,  0,  0,  1,  0},  "munp"},
    {"cell",  1,                  1,      0,     { 0,  0,  0,  0,  1},  ""},
    {"cells", 1,                  1,      0,     { 0,  0,  0,  0,  1},  ""},
    {"Gy",    86400.0 * 86400.0,  1,      0,     { 0,  2, -2,  0,  0},  "cm"}, /* J/kg = m^2/s^2 */
    {"%",     1,                  1,      -2,    { 0,  0,  0,  0,  0},  ""},
};
// clang-format on

typedef struct si_prefix {
  const char *text;
  char letter; /* the key used in unit_symbol.prefixes */
  int exp10;
} si_prefix;

// clang-format off
static const si_prefix si_prefixes[] = {
    {"k", 'k', 3},
    {"d", 'd', -1},
    {"c", 'c', -2},
    {"m", 'm', -3},
    {"u", 'u', -6},
    {"\xC2\xB5", 'u', -6}, /* U+00B5 MICRO SIGN */
    {"\xCE\xBC", 'u', -6}, /* U+03BC GREEK SMALL LETTER MU */
    {"n", 'n', -9},
    {"p", 'p', -12},
};
// clang-format on

static const char *const dimension_names[TS_DIM_COUNT] = {"mass", "length", "time", "amount", "cells"};

/* ---------------------------------------------------------------------------------------------------------------
 * Characters
 * --------------------------------------------------------------------------------------------------------------- */

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static const char *skip_space(const char *p) {
  while (is_space(*p))
    p++;
  return p;
}

/* Bytes of the letter at p that may be part of a symbol (ASCII letter, µ or μ), or 0. */
static size_t letter_length(const char *p) {
  unsigned char c = (unsigned char)p[0];
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
    return 1;
  if ((c == 0xC2 && (unsigned char)p[1] == 0xB5) || (c == 0xCE && (unsigned char)p[1] == 0xBC))
    return 2;
  return 0;
}

static bool starts_symbol(const char *p) {
  return *p == '%' || letter_length(p) > 0;
}

static bool starts_number(const char *p) {
  return is_digit(p[0]) || (p[0] == '.' && is_digit(p[1]));
}

/* 1-based position of `at` in text, counted in UTF-8 characters (so "µg" is two characters, not three). */
static size_t char_position(const char *text, const char *at) {
  size_t n = 1;
  for (const char *p = text; p < at; p++)
    if (((unsigned char)*p & 0xC0) != 0x80)
      n++;
  return n;
}

/* The character at p as printable text: itself (a whole UTF-8 sequence) or "\xNN" for a control or stray byte. */
static const char *char_text(const char *p, char buf[8]) {
  unsigned char c = (unsigned char)p[0];
  size_t n = c >= 0x20 && c < 0x7F   ? 1
             : c >= 0xC2 && c < 0xE0 ? 2
             : c >= 0xE0 && c < 0xF0 ? 3
             : c >= 0xF0 && c < 0xF5 ? 4
                                     : 0;
  for (size_t i = 1; i < n; i++)
    if (((unsigned char)p[i] & 0xC0) != 0x80)
      n = 0;
  if (n == 0) {
    snprintf(buf, 8, "\\x%02X", c);
  } else {
    memcpy(buf, p, n);
    buf[n] = '\0';
  }
  return buf;
}

/* Writes a printf-style reason into why (if any) and returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t why_cap, const char *fmt, ...) {
  if (why && why_cap > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_cap, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Numbers
 * --------------------------------------------------------------------------------------------------------------- */

/* An unsigned decimal as written: value = mant * 10^exp10 (exactly, unless more than 19 digits were written). */
typedef struct decimal {
  uint64_t mant;
  long exp10;
  size_t len; /* bytes it takes in the text; 0 when there is no number there */
} decimal;

static void add_digit(decimal *d, int digit, bool fraction, int *kept) {
  if (d->mant == 0 && digit == 0) { /* a leading zero: only its place counts */
    d->exp10 -= fraction;
    return;
  }
  if (*kept < MAX_MANT_DIGITS) {
    d->mant = d->mant * 10 + (uint64_t)digit;
    d->exp10 -= fraction;
    ++*kept;
  } else {
    d->exp10 += !fraction; /* a digit beyond what we keep: dropped, but an integer digit still shifts the rest */
  }
}

/* Scans digits [ '.' digits ] [ (e|E) [+|-] digits ] at s, where either side of the '.' may be empty but not both.
 * An 'e' not followed by an exponent ends the number before the 'e'. No sign, no "inf", "nan" or "0x". */
static decimal scan_decimal(const char *s) {
  decimal d = {0, 0, 0};
  const char *p = s;
  int kept = 0;
  bool any = false;
  for (; is_digit(*p); p++, any = true)
    add_digit(&d, *p - '0', false, &kept);
  if (*p == '.' && (any || is_digit(p[1])))
    for (p++; is_digit(*p); p++, any = true)
      add_digit(&d, *p - '0', true, &kept);
  if (!any)
    return d;
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    bool negative = *q == '-';
    if (*q == '+' || *q == '-')
      q++;
    if (is_digit(*q)) {
      long e = 0;
      for (; is_digit(*q); q++)
        if (e < 1000000) /* saturate; far beyond any double anyway */
          e = e * 10 + (*q - '0');
      d.exp10 += negative ? -e : e;
      p = q;
    }
  }
  d.len = (size_t)(p - s);
  return d;
}

/* num / den * 10^e with as few roundings as possible: one when num and den are exact integers, num * 10^e (e > 0) or
 * den * 10^-e (e < 0) is below 2^53 and |e| <= 22 (10^22 is the largest power of ten a double holds exactly). */
static double scaled(double num, double den, long e) {
  static const double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (num == 0)
    return 0;
  if (e >= 0 && e <= 22)
    return num * powers_of_ten[e] / den;
  if (e < 0 && e >= -22)
    return num / (den * powers_of_ten[-e]);
  return num / den * pow(10.0, (double)e);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Unit arithmetic
 * --------------------------------------------------------------------------------------------------------------- */

/* a *= b^sign (sign +1 or -1). */
static void unit_combine(exact_unit *a, const exact_unit *b, int sign) {
  a->num *= sign > 0 ? b->num : b->den;
  a->den *= sign > 0 ? b->den : b->num;
  a->exp10 += sign * b->exp10;
  for (int i = 0; i < TS_DIM_COUNT; i++)
    a->dim[i] += sign * b->dim[i];
}

static void unit_power(exact_unit *u, int n) {
  double num = n < 0 ? u->den : u->num, den = n < 0 ? u->num : u->den;
  double rn = 1, rd = 1;
  for (int i = 0; i < (n < 0 ? -n : n); i++) {
    rn *= num;
    rd *= den;
  }
  u->num = rn;
  u->den = rd;
  u->exp10 *= n;
  for (int i = 0; i < TS_DIM_COUNT; i++)
    u->dim[i] *= n;
}

static bool unit_in_range(const exact_unit *u) {
  if (u->exp10 > MAX_EXP10 || u->exp10 < -MAX_EXP10)
    return false;
  for (int i = 0; i < TS_DIM_COUNT; i++)
    if (u->dim[i] > MAX_DIM_EXP || u->dim[i] < -MAX_DIM_EXP)
      return false;
  return true;
}

static void unit_to_public(const exact_unit *e, ts_unit *out) {
  out->factor = scaled(e->num, e->den, e->exp10);
  memcpy(out->dim, e->dim, sizeof out->dim);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Parser. Each function leaves ps->p just after what it read; on failure it has written the reason.
 *
 *   unit    = product
 *   product = factor [ factor ]          (the second factor only when the first is a number: "1e9 cells")
 *             { ( "*" | "/" ) factor }
 *   factor  = primary [ "^" integer ]
 *   primary = number | symbol | "(" product ")"
 * --------------------------------------------------------------------------------------------------------------- */

typedef struct parser {
  const char *text; /* the whole unit, quoted in messages */
  const char *p;    /* the next byte to read */
  int depth;        /* parentheses open at p */
  char *why;
  size_t why_cap;
} parser;

/* Writes "<message> at character N of '<text>'" (or "at the end of '<text>'") and returns -1. */
__attribute__((format(printf, 3, 4))) static int parse_fail(const parser *ps, const char *at, const char *fmt, ...) {
  if (!ps->why || ps->why_cap == 0)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(ps->why, ps->why_cap, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= ps->why_cap)
    return -1;
  if (*at)
    snprintf(ps->why + n, ps->why_cap - (size_t)n, " at character %zu of '%s'", char_position(ps->text, at), ps->text);
  else
    snprintf(ps->why + n, ps->why_cap - (size_t)n, " at the end of '%s'", ps->text);
  return -1;
}

/* Looks up the symbol token [tok, tok + len): as a whole, then as prefix + symbol. On failure, writes into hint why a
 * prefixed reading was refused, if one nearly matched. */
static bool lookup_symbol(const char *tok, size_t len, exact_unit *out, char *hint, size_t hint_cap) {
  const unit_symbol *found = NULL;
  int prefix_exp10 = 0;
  for (size_t i = 0; i < sizeof unit_symbols / sizeof unit_symbols[0] && !found; i++)
    if (strlen(unit_symbols[i].name) == len && memcmp(unit_symbols[i].name, tok, len) == 0)
      found = &unit_symbols[i];
  for (size_t j = 0; j < sizeof si_prefixes / sizeof si_prefixes[0] && !found; j++) {
    const si_prefix *pre = &si_prefixes[j];
    size_t plen = strlen(pre->text);
    if (plen >= len || memcmp(pre->text, tok, plen) != 0)
      continue;
    for (size_t i = 0; i < sizeof unit_symbols / sizeof unit_symbols[0]; i++) {
      const unit_symbol *sym = &unit_symbols[i];
      if (strlen(sym->name) != len - plen || memcmp(sym->name, tok + plen, len - plen) != 0)
        continue;
      if (strchr(sym->prefixes, pre->letter)) {
        found = sym;
        prefix_exp10 = pre->exp10;
      } else if (hint[0] == '\0') {
        snprintf(hint, hint_cap, " (the prefix '%s' is not used with '%s')", pre->text, sym->name);
      }
      break;
    }
  }
  if (!found)
    return false;
  out->num = found->num;
  out->den = found->den;
  out->exp10 = found->exp10 + prefix_exp10;
  memcpy(out->dim, found->dim, sizeof out->dim);
  return true;
}

/* Explains why the text goes on at ps->p where a product has ended (no '*', '/' or, inside parentheses, ')'). */
static int reject_after_product(const parser *ps) {
  const char *at = ps->p;
  char c[8];
  if (*at == ')')
    return parse_fail(ps, at, "unmatched ')'");
  if (is_digit(*at) && at > ps->text && letter_length(at - 1) == 1)
    return parse_fail(ps, at, "expected '*' or '/' before '%s' (write a power as '^%s')", char_text(at, c), c);
  if (starts_symbol(at) || starts_number(at) || *at == '(')
    return parse_fail(ps, at, "expected '*' or '/' before '%s'", char_text(at, c));
  return parse_fail(ps, at, "unexpected character '%s'", char_text(at, c));
}

static int parse_product(parser *ps, exact_unit *out);

static int parse_primary(parser *ps, exact_unit *out) {
  const char *at = ps->p;
  char c[8];
  if (starts_number(at)) {
    decimal d = scan_decimal(at);
    if (d.exp10 > MAX_EXP10 || d.exp10 < -MAX_EXP10)
      return parse_fail(ps, at, "number out of range");
    *out = (exact_unit){(double)d.mant, 1, (int)d.exp10, {0}};
    ps->p += d.len;
    return 0;
  }
  if (*at == '(') {
    if (ps->depth >= MAX_NESTING)
      return parse_fail(ps, at, "parentheses nested more than %d deep", MAX_NESTING);
    ps->depth++;
    ps->p = skip_space(at + 1);
    if (parse_product(ps, out))
      return -1;
    ps->p = skip_space(ps->p);
    if (*ps->p == '\0')
      return parse_fail(ps, at, "no ')' closes the '('");
    if (*ps->p != ')')
      return reject_after_product(ps);
    ps->p++;
    ps->depth--;
    return 0;
  }
  if (starts_symbol(at)) { /* a symbol is '%' or a run of letters, looked up as a whole */
    const char *end = at;
    if (*end == '%')
      end++;
    else
      while (letter_length(end) > 0)
        end += letter_length(end);
    char hint[96] = "";
    if (!lookup_symbol(at, (size_t)(end - at), out, hint, sizeof hint))
      return parse_fail(ps, at, "unknown unit symbol '%.*s'%s", (int)(end - at), at, hint);
    ps->p = end;
    return 0;
  }
  if (*at == '\0')
    return parse_fail(ps, at, "expected a unit symbol, a number or '('");
  return parse_fail(ps, at, "expected a unit symbol, a number or '(' but found '%s'", char_text(at, c));
}

static int parse_factor(parser *ps, exact_unit *out) {
  if (parse_primary(ps, out))
    return -1;
  const char *q = skip_space(ps->p);
  if (*q != '^')
    return 0;
  q = skip_space(q + 1);
  const char *at = q;
  bool negative = *q == '-';
  if (*q == '+' || *q == '-')
    q++;
  if (!is_digit(*q))
    return parse_fail(ps, at, "expected an integer power after '^'");
  long n = 0;
  for (; is_digit(*q); q++)
    if (n <= MAX_POWER)
      n = n * 10 + (*q - '0');
  if (n > MAX_POWER)
    return parse_fail(ps, at, "power too large (at most %d)", MAX_POWER);
  if (*q == '.' && is_digit(q[1]))
    return parse_fail(ps, at, "powers must be whole numbers");
  unit_power(out, negative ? -(int)n : (int)n);
  ps->p = q;
  if (!unit_in_range(out))
    return parse_fail(ps, at, "power makes the unit out of range");
  return 0;
}

static int parse_product(parser *ps, exact_unit *out) {
  bool leading_number = starts_number(ps->p);
  if (parse_factor(ps, out))
    return -1;
  for (bool first = true;; first = false) {
    const char *q = skip_space(ps->p);
    int sign;
    if (*q == '*' || *q == '/') {
      sign = *q == '*' ? 1 : -1;
      q = skip_space(q + 1);
    } else if (first && leading_number && (starts_symbol(q) || *q == '(')) {
      sign = 1; /* "1e9 cells", "10^9 cells/L": a number written first multiplies what follows it */
    } else {
      return 0;
    }
    ps->p = q;
    exact_unit next;
    if (parse_factor(ps, &next))
      return -1;
    unit_combine(out, &next, sign);
    if (!unit_in_range(out))
      return parse_fail(ps, q, "unit out of range");
  }
}

/* Parses text into *ex (its exact form) and *out. Leaves both alone on failure. */
static int parse_unit(const char *text, exact_unit *ex, ts_unit *out, char *why, size_t why_cap) {
  if (!text)
    return fail(why, why_cap, "no unit given");
  parser ps = {text, skip_space(text), 0, why, why_cap};
  if (*ps.p == '\0')
    return fail(why, why_cap, "empty unit (write '1' for a dimensionless quantity)");
  exact_unit u;
  if (parse_product(&ps, &u))
    return -1;
  ps.p = skip_space(ps.p);
  if (*ps.p != '\0')
    return reject_after_product(&ps);
  ts_unit pub;
  unit_to_public(&u, &pub);
  if (u.num == 0)
    return fail(why, why_cap, "the factor of unit '%s' is zero", text);
  if (!(pub.factor >= DBL_MIN && pub.factor <= DBL_MAX))
    return fail(why, why_cap, "the factor of unit '%s' is out of range", text);
  if (ex)
    *ex = u;
  if (out)
    *out = pub;
  return 0;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Public functions
 * --------------------------------------------------------------------------------------------------------------- */

int ts_unit_parse(const char *text, ts_unit *out, char *why, size_t why_cap) {
  assert(out);
  if (why && why_cap > 0)
    why[0] = '\0';
  return parse_unit(text, NULL, out, why, why_cap);
}

bool ts_unit_compatible(const ts_unit *a, const ts_unit *b) {
  assert(a && b);
  return memcmp(a->dim, b->dim, sizeof a->dim) == 0;
}

int ts_unit_factor(const char *from, const char *to, double *factor, char *why, size_t why_cap) {
  assert(factor);
  if (why && why_cap > 0)
    why[0] = '\0';
  exact_unit a, b;
  ts_unit pa, pb;
  if (parse_unit(from, &a, &pa, why, why_cap) || parse_unit(to, &b, &pb, why, why_cap))
    return -1;
  if (!ts_unit_compatible(&pa, &pb)) {
    char da[128], db[128];
    ts_unit_dimension_text(&pa, da, sizeof da);
    ts_unit_dimension_text(&pb, db, sizeof db);
    return fail(why, why_cap, "'%s' (%s) cannot be converted to '%s' (%s)", from, da, to, db);
  }
  double f = scaled(a.num * b.den, a.den * b.num, (long)a.exp10 - b.exp10);
  if (!(f >= DBL_MIN && f <= DBL_MAX))
    return fail(why, why_cap, "the factor from '%s' to '%s' is out of range", from, to);
  *factor = f;
  return 0;
}

/* Appends to a fixed buffer, truncating (always NUL-terminated). */
typedef struct text_buf {
  char *buf;
  size_t cap, len;
} text_buf;

__attribute__((format(printf, 2, 3))) static void text_add(text_buf *t, const char *fmt, ...) {
  if (t->len + 1 >= t->cap)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
  va_end(ap);
  if (n > 0)
    t->len = t->len + (size_t)n < t->cap ? t->len + (size_t)n : t->cap - 1;
}

/* Appends the dimensions whose exponent has the given sign, e.g. "length^3*time". */
static void add_dimensions(text_buf *t, const ts_unit *u, int sign) {
  bool first = true;
  for (int i = 0; i < TS_DIM_COUNT; i++) {
    int e = sign * u->dim[i];
    if (e <= 0)
      continue;
    text_add(t, "%s%s", first ? "" : "*", dimension_names[i]);
    if (e != 1)
      text_add(t, "^%d", e);
    first = false;
  }
}

void ts_unit_dimension_text(const ts_unit *u, char *buf, size_t cap) {
  assert(u);
  if (!buf || cap == 0)
    return;
  text_buf t = {buf, cap, 0};
  buf[0] = '\0';
  int above = 0, below = 0;
  for (int i = 0; i < TS_DIM_COUNT; i++) {
    above += u->dim[i] > 0;
    below += u->dim[i] < 0;
  }
  if (above == 0 && below == 0) {
    text_add(&t, "dimensionless");
    return;
  }
  if (above == 0)
    text_add(&t, "1");
  add_dimensions(&t, u, 1);
  if (below > 0) {
    text_add(&t, below > 1 ? "/(" : "/");
    add_dimensions(&t, u, -1);
    if (below > 1)
      text_add(&t, ")");
  }
}

int ts_quantity_split(const char *text, double *value, char *unit, size_t unit_cap, char *why, size_t why_cap) {
  assert(value);
  if (why && why_cap > 0)
    why[0] = '\0';
  if (!text)
    return fail(why, why_cap, "no quantity given");
  const char *start = skip_space(text);
  if (*start == '\0')
    return fail(why, why_cap, "empty quantity (expected a number and a unit, e.g. '100 mg')");
  const char *p = start;
  bool negative = *p == '-';
  if (*p == '+' || *p == '-')
    p++;
  decimal d = scan_decimal(p);
  if (d.len == 0)
    return fail(why, why_cap, "expected a number at character %zu of '%s'", char_position(text, start), text);
  p += d.len;
  if (*p == '.' || *p == ',') /* "1.2.3", "1,5": a digit cannot follow, scan_decimal took them all */
    return fail(why, why_cap, "malformed number '%.*s' at character %zu of '%s'%s", (int)(p + 1 - start), start,
                char_position(text, start), text, *p == ',' ? " (the decimal separator is '.')" : "");
  double v = scaled((double)d.mant, 1, d.exp10);
  if (!(v <= DBL_MAX) || (v == 0 && d.mant != 0))
    return fail(why, why_cap, "number '%.*s' is out of range", (int)(p - start), start);
  const char *u = skip_space(p), *end = u + strlen(u);
  while (end > u && is_space(end[-1]))
    end--;
  size_t len = (size_t)(end - u);
  if (!unit || len >= unit_cap)
    return fail(why, why_cap, "the unit of '%s' is too long (at most %zu bytes)", text, unit_cap ? unit_cap - 1 : 0);
  memcpy(unit, u, len);
  unit[len] = '\0';
  *value = negative ? -v : v;
  return 0;
}
