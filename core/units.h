/* Units of measure: the grammar of docs/units.md, parsed into a scale factor and a dimension vector.
 *
 * A unit is a product of powers of five base dimensions (mass, length, time, amount of substance, cells) times a
 * positive factor relating it to the base unit of each (g, m, d, mol, cell). Two units convert into each other
 * when their dimension vectors are equal; the conversion is one multiplication.
 *
 * Every function here is reentrant: no allocation, no global or static mutable state, any thread. Numbers are read
 * without the C library's locale. Every `why` is a caller-owned buffer of why_cap bytes: it may be NULL (or why_cap
 * 0) to drop the reason; when given, it is always NUL-terminated (truncated if short) and left empty on success. */
#ifndef TWINSIM_CORE_UNITS_H
#define TWINSIM_CORE_UNITS_H

#include <stdbool.h>
#include <stddef.h>

enum { TS_DIM_MASS, TS_DIM_LENGTH, TS_DIM_TIME, TS_DIM_AMOUNT, TS_DIM_CELLS, TS_DIM_COUNT };

typedef struct ts_unit {
  double factor;         /* value in base units = value * factor (g, m, d, mol, cell) */
  int dim[TS_DIM_COUNT]; /* exponent of each base dimension */
} ts_unit;

/* Parses a unit string ("mg/L", "1e9 cells", "L/h", "mm^3", "1", "%", "ug*h/mL"). Returns 0, or -1 with a one-line
 * reason in why naming the text and the character (counted in UTF-8 characters from 1), e.g. "unknown unit symbol
 * 'mgg' at character 1 of 'mgg'"; *out is written only on success and must not be NULL. The empty string is not a
 * unit (write "1"); a NULL text fails. The factor of a parsed unit is always a normal, finite, positive double. */
int ts_unit_parse(const char *text, ts_unit *out, char *why, size_t why_cap);

/* True when the two units have the same dimension (so one converts into the other). Neither may be NULL. */
bool ts_unit_compatible(const ts_unit *a, const ts_unit *b);

/* Factor f such that a value in `from` times f is the same quantity in `to`. Returns 0, or -1 with a reason
 * naming both units and their dimensions (e.g. "'mg' (mass) cannot be converted to 'mg/L' (mass/length^3)"), or
 * the reason ts_unit_parse gives for the first of the two that does not parse. *factor (not NULL) is written only on
 * success. The factor is computed from both texts at once and rounded once where it can be, so that conversions
 * that are exact in decimal give exact results (mg/L -> ug/mL is 1, L/h -> L/d is 24, ng/mL -> mg/L is 1e-3). */
int ts_unit_factor(const char *from, const char *to, double *factor, char *why, size_t why_cap);

/* Writes the dimension in words into buf (cap bytes, truncated, NUL-terminated; nothing when buf is NULL or cap 0):
 * "mass/length^3", "1/time", "mass/(length^3*time)", "cells", "dimensionless". Dimensions appear in the order mass,
 * length, time, amount, cells. */
void ts_unit_dimension_text(const ts_unit *u, char *buf, size_t cap);

/* Splits a quantity "100 mg", "1.5e-3 L/h", "21 d", "0.3", "100mg" into its number (optionally signed, decimal,
 * optional exponent; no "nan", "inf" or hexadecimal) and unit text, trimmed of white space. The unit text (unit_cap
 * bytes, NUL-terminated; unit must not be NULL) is empty when only a number was written: the caller decides what a
 * bare number means. Does not check the unit; returns -1 with a reason when the text is empty, the number is missing,
 * malformed ("1.2.3", "1,5") or out of the range of a double, or the unit text does not fit in unit_cap bytes.
 * *value (not NULL) and unit are written only on success. */
int ts_quantity_split(const char *text, double *value, char *unit, size_t unit_cap, char *why, size_t why_cap);

#endif
