/* units: not written yet. */
typedef int ts_placeholder_units;
