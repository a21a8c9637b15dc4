/* Units of measure: the grammar of docs/units.md, parsed into a scale factor and a dimension vector.
 *
 * A unit is a product of powers of five base dimensions (mass, length, time, amount of substance, cells) times a
 * positive factor relating it to the base unit of each (g, m, d, mol, cell). Two units convert into each other
 * when their dimension vectors are equal; the conversion is one multiplication. */
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
 * reason in why (e.g. "unknown unit symbol 'mgg' at character 1"). why may be NULL. */
int ts_unit_parse(const char *text, ts_unit *out, char *why, size_t why_cap);

/* True when the two units have the same dimension (so one converts into the other). */
bool ts_unit_compatible(const ts_unit *a, const ts_unit *b);

/* Factor f such that a value in `from` times f is the same quantity in `to`. Returns 0, or -1 with a reason
 * naming both units and their dimensions (e.g. "'mg' (mass) cannot be converted to 'mg/L' (mass/length^3)"). */
int ts_unit_factor(const char *from, const char *to, double *factor, char *why, size_t why_cap);

/* Writes the dimension in words, e.g. "mass/length^3", "dimensionless", into buf. */
void ts_unit_dimension_text(const ts_unit *u, char *buf, size_t cap);

/* Splits a quantity "100 mg", "1.5e-3 L/h", "21 d", "0.3" into its number and unit text. The unit text (unit_cap
 * bytes, NUL-terminated) is empty when only a number was written. Does not check the unit; returns -1 with a reason
 * when the number is missing or malformed. */
int ts_quantity_split(const char *text, double *value, char *unit, size_t unit_cap, char *why, size_t why_cap);

#endif
