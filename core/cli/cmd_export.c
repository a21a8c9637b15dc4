/* twinsim export DB --csv DIR [--force]: the tables of a results database as CSV files (RFC 4180), one per table,
 * for tools that do not read SQLite.
 *
 * Files: trajectory.csv in long format (patient_id, arm, time, signal, value, unit: one line per output time and
 * recorded signal, signals in column order, a NaN value as an empty field; read through results_db.c, which decodes
 * the trajectory's vectors), and endpoints, exposure, events, observations, summary (when the database has one),
 * patients, parameters and covariates with the columns of their tables. Rows are in primary-key
 * order (summary: in the order `twinsim summary` wrote them). RFC 4180: a header line, records ended by CRLF, a field
 * quoted when it holds a comma, a double quote, CR or LF, with its quotes doubled. A NULL is an empty field; an empty
 * text is "" (quoted), so the two stay apart. A real is written with the fewest digits (15 to 17) that read back as the
 * same double.
 *
 * DIR is created when missing (with its parents). Existing files are refused, and nothing is written, unless
 * --force. Exit status: 0 written, 2 a missing or unreadable database or a file that cannot be written (a file
 * written before the failure stays), 3 out of memory. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "results_db.h"
#include "strutil.h"

/* The tables exported, in this order; trajectory is turned into long format. */
static const char *const tables[] = {"trajectory", "endpoints", "exposure",   "events",    "observations",
                                     "summary",    "patients",  "parameters", "covariates"};
#define N_TABLES (sizeof tables / sizeof tables[0])

typedef struct export_ctx {
  sqlite3 *db;
  const char *db_path;
  const char *dir;
  ts_error err;
} export_ctx;

/* ---- CSV -------------------------------------------------------------------------------------------------------- */

static void csv_text(FILE *f, const char *s, size_t len) {
  int quote = len == 0 || strpbrk(s, ",\"\r\n") != NULL;
  if (!quote) {
    fwrite(s, 1, len, f);
    return;
  }
  fputc('"', f);
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"')
      fputc('"', f);
    fputc(s[i], f);
  }
  fputc('"', f);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v. */
static void csv_real(FILE *f, double v) {
  char buf[40];
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (strtod(buf, NULL) == v)
      break;
  }
  fputs(buf, f);
}

/* Column i of the current row of st as one CSV field. */
static void csv_column(FILE *f, sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_NULL: break;
  case SQLITE_INTEGER: fprintf(f, "%" PRId64, (int64_t)sqlite3_column_int64(st, i)); break;
  case SQLITE_FLOAT: csv_real(f, sqlite3_column_double(st, i)); break;
  default: {
    const char *s = (const char *)sqlite3_column_text(st, i);
    csv_text(f, s ? s : "", (size_t)sqlite3_column_bytes(st, i));
  }
  }
}

/* ---- database --------------------------------------------------------------------------------------------------- */

/* Appends s to the buffer (*buf, *len, *cap), as an SQL identifier in double quotes when `quoted`; returns 0, or -1
 * out of memory. */
static int append(char **buf, size_t *len, size_t *cap, const char *s, int quoted) {
  size_t need = *len + 2 * strlen(s) + 8;
  if (need > *cap) {
    size_t cap2 = need * 2;
    char *b = realloc(*buf, cap2);
    if (!b)
      return -1;
    *buf = b;
    *cap = cap2;
  }
  char *p = *buf + *len;
  if (quoted)
    *p++ = '"';
  for (; *s; s++) {
    if (quoted && *s == '"')
      *p++ = '"';
    *p++ = *s;
  }
  if (quoted)
    *p++ = '"';
  *p = '\0';
  *len = (size_t)(p - *buf);
  return 0;
}

/* "SELECT * FROM "t" ORDER BY <its primary key>" (rowid without one), newly allocated, or NULL (no memory). */
static char *select_sql(sqlite3 *db, const char *table) {
  char *sql = NULL, *pragma = ts_strprintf("PRAGMA table_info(\"%s\")", table);
  size_t len = 0, cap = 0;
  sqlite3_stmt *st = NULL;
  int failed = !pragma || append(&sql, &len, &cap, "SELECT * FROM ", 0) || append(&sql, &len, &cap, table, 1) ||
               append(&sql, &len, &cap, " ORDER BY ", 0);
  /* column 5 of table_info is the column's place in the primary key: 0 not in it, else 1, 2, ... */
  int key_cols = 0;
  if (!failed && sqlite3_prepare_v2(db, pragma, -1, &st, NULL) == SQLITE_OK) {
    for (int k = 1, found = 1; found && !failed; k++) {
      found = 0;
      while (!failed && sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 5) != k)
          continue;
        failed = (key_cols ? append(&sql, &len, &cap, ", ", 0) : 0) ||
                 append(&sql, &len, &cap, (const char *)sqlite3_column_text(st, 1), 1);
        key_cols++;
        found = 1;
      }
      sqlite3_reset(st);
    }
  }
  if (!failed && key_cols == 0)
    failed = append(&sql, &len, &cap, "rowid", 0);
  sqlite3_finalize(st);
  free(pragma);
  if (failed) {
    free(sql);
    return NULL;
  }
  return sql;
}

/* ---- files ------------------------------------------------------------------------------------------------------ */

/* mkdir -p */
static int make_dirs(const char *dir, ts_error *err) {
  char *p = ts_strdup(dir);
  if (!p)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  int rc = 0;
  for (char *s = p + 1;; s++) {
    int end = *s == '\0';
    if (*s == '/' || end) {
      char c = *s;
      *s = '\0';
      if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        rc = ts_fail(err, TS_E_IO, "%s: cannot create the folder: %s", p, strerror(errno));
        break;
      }
      *s = c;
    }
    if (end)
      break;
  }
  struct stat sb;
  if (rc == 0 && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
    rc = ts_fail(err, TS_E_IO, "%s: not a folder", dir);
  free(p);
  return rc;
}

static char *file_path(const char *dir, const char *table) {
  size_t n = strlen(dir);
  return ts_strprintf("%s%s%s.csv", dir, n && dir[n - 1] == '/' ? "" : "/", table);
}

/* ---- tables ------------------------------------------------------------------------------------------------------ */

/* Writes the rows of st (header: its column names); returns the data rows written. */
static int64_t write_rows(FILE *f, sqlite3_stmt *st, int *step_rc) {
  int n = sqlite3_column_count(st);
  for (int i = 0; i < n; i++) {
    const char *name = sqlite3_column_name(st, i);
    if (i)
      fputc(',', f);
    csv_text(f, name, strlen(name));
  }
  fputs("\r\n", f);
  int64_t rows = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (int i = 0; i < n; i++) {
      if (i)
        fputc(',', f);
      csv_column(f, st, i);
    }
    fputs("\r\n", f);
    rows++;
  }
  *step_rc = rc;
  return rows;
}

/* The trajectory in long format, one line per (patient, arm, time, signal), read through results_db.c. */
typedef struct long_csv {
  FILE *f;
  const char *const *names, *const *units;
  int64_t rows;
} long_csv;

static int write_simulation(void *ctx, int64_t patient_id, const char *arm, const double *time,
                            const double *const *value, size_t n_signals, size_t n) {
  long_csv *c = ctx;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n_signals; j++) {
      fprintf(c->f, "%" PRId64 ",", patient_id);
      csv_text(c->f, arm, strlen(arm));
      fputc(',', c->f);
      csv_real(c->f, time[i]);
      fputc(',', c->f);
      csv_text(c->f, c->names[j], strlen(c->names[j]));
      fputc(',', c->f);
      if (!isnan(value[j][i])) /* NaN: an empty field, as a NULL */
        csv_real(c->f, value[j][i]);
      fputc(',', c->f);
      if (*c->units[j])
        csv_text(c->f, c->units[j], strlen(c->units[j]));
      fputs("\r\n", c->f);
      c->rows++;
    }
  return 0;
}

/* Writes trajectory.csv: the signals in column order, each with its unit (empty when unknown). */
static int64_t write_trajectory(export_ctx *c, FILE *f, int *step_rc) {
  sqlite3_stmt *st = NULL;
  size_t n = 0, cap = 0;
  char **names = NULL, **units = NULL;
  int64_t rows = -1;
  *step_rc = SQLITE_NOMEM;
  if (sqlite3_prepare_v2(c->db, "SELECT name, unit FROM signals ORDER BY column_index", -1, &st, NULL) != SQLITE_OK) {
    *step_rc = SQLITE_ERROR;
    goto done;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap) {
      cap = cap ? 2 * cap : 16;
      char **nn = realloc(names, cap * sizeof *nn);
      if (nn)
        names = nn;
      char **uu = realloc(units, cap * sizeof *uu);
      if (uu)
        units = uu;
      if (!nn || !uu)
        goto done;
    }
    const char *unit = (const char *)sqlite3_column_text(st, 1);
    names[n] = ts_strdup((const char *)sqlite3_column_text(st, 0));
    units[n] = ts_strdup(unit ? unit : "");
    n++;
    if (!names[n - 1] || !units[n - 1])
      goto done;
  }
  if (rc != SQLITE_DONE) {
    *step_rc = rc;
    goto done;
  }
  fputs("patient_id,arm,time,signal,value,unit\r\n", f);
  long_csv out = {.f = f, .names = (const char *const *)names, .units = (const char *const *)units};
  char err[512];
  if (ts_results_each_simulation(c->db, (const char *const *)names, n, NULL, write_simulation, &out, err, sizeof err) !=
      0) {
    ts_fail(&c->err, TS_E_IO, "%s: reading table trajectory: %s", c->db_path, err);
    *step_rc = SQLITE_ABORT; /* the message is set */
    goto done;
  }
  rows = out.rows;
  *step_rc = SQLITE_DONE;
done:
  sqlite3_finalize(st);
  for (size_t j = 0; j < n; j++) {
    free(names[j]);
    free(units[j]);
  }
  free(names);
  free(units);
  return rows;
}

/* Writes one table's file; prints its name and row count. */
static int export_table(export_ctx *c, const char *table, const char *path) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return ts_fail(&c->err, TS_E_IO, "%s: cannot write: %s", path, strerror(errno));
  int step_rc = SQLITE_OK;
  int64_t rows = -1;
  if (strcmp(table, "trajectory") == 0) {
    rows = write_trajectory(c, f, &step_rc);
  } else {
    /* summary in the order the command wrote it (arms as printed); the others in primary-key order */
    char *sql =
        strcmp(table, "summary") == 0 ? ts_strdup("SELECT * FROM summary ORDER BY rowid") : select_sql(c->db, table);
    sqlite3_stmt *st = NULL;
    if (sql && sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK)
      rows = write_rows(f, st, &step_rc);
    else
      step_rc = sql ? SQLITE_ERROR : SQLITE_NOMEM;
    sqlite3_finalize(st);
    free(sql);
  }
  int write_failed = ferror(f);
  if (fclose(f) != 0)
    write_failed = 1;
  int rc = 0;
  if (step_rc == SQLITE_ABORT) /* the trajectory reader's message is in c->err */
    rc = -1;
  else if (step_rc == SQLITE_NOMEM && rows < 0)
    rc = ts_fail(&c->err, TS_E_NOMEM, "out of memory");
  else if (rows < 0 || step_rc != SQLITE_DONE)
    rc = ts_fail(&c->err, TS_E_IO, "%s: reading table %s: %s", c->db_path, table, sqlite3_errmsg(c->db));
  else if (write_failed)
    rc = ts_fail(&c->err, TS_E_IO, "%s: cannot write (disk full?)", path);
  if (rc != 0) {
    remove(path);
    return rc;
  }
  printf("  %-18s %" PRId64 " rows\n", strrchr(path, '/') ? strrchr(path, '/') + 1 : path, rows);
  return 0;
}

static int export_all(export_ctx *c, int force) {
  char *paths[N_TABLES] = {0};
  int present[N_TABLES] = {0}, rc = 0;
  for (size_t i = 0; i < N_TABLES && rc == 0; i++) {
    present[i] = ts_results_table_exists(c->db, tables[i]);
    if (!present[i])
      continue;
    paths[i] = file_path(c->dir, tables[i]);
    if (!paths[i])
      rc = ts_fail(&c->err, TS_E_NOMEM, "out of memory");
    else if (!force && access(paths[i], F_OK) == 0)
      rc = ts_fail(&c->err, TS_E_INPUT, "%s exists; nothing written (--force to overwrite)", paths[i]);
  }
  if (rc == 0) {
    sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL); /* one snapshot, also while a run is writing */
    printf("twinsim export: %s -> %s\n", c->db_path, c->dir);
    for (size_t i = 0; i < N_TABLES && rc == 0; i++) {
      if (present[i])
        rc = export_table(c, tables[i], paths[i]);
      else if (strcmp(tables[i], "summary") != 0)
        printf("  %-18s skipped: the database has no table %s\n", tables[i], tables[i]);
    }
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
  }
  for (size_t i = 0; i < N_TABLES; i++)
    free(paths[i]);
  return rc;
}

int ts_cmd_export(int argc, char **argv) {
  const char *db_path = NULL, *dir = NULL;
  int force = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--csv") == 0) {
      if (++i >= argc)
        return ts_cli_usage_error("export: --csv needs a folder");
      dir = argv[i];
    } else if (strcmp(argv[i], "--force") == 0) {
      force = 1;
    } else if (argv[i][0] == '-') {
      return ts_cli_usage_error("export: unknown option '%s'", argv[i]);
    } else if (!db_path) {
      db_path = argv[i];
    } else {
      return ts_cli_usage_error("export: one database at a time ('%s' and '%s')", db_path, argv[i]);
    }
  }
  if (!db_path || !dir)
    return ts_cli_usage_error("export: usage: twinsim export DB --csv DIR [--force]");
  export_ctx c = {.db_path = db_path, .dir = dir};
  ts_error_clear(&c.err);
  int rc = 0;
  if (!(c.db = ts_results_open(db_path, 0, &c.err)))
    rc = -1;
  else if (sqlite3_exec(c.db, "SELECT count(*) FROM patients", NULL, NULL, NULL) != SQLITE_OK)
    rc = ts_fail(&c.err, TS_E_INPUT, "%s: not a twinsim results database (%s)", db_path, sqlite3_errmsg(c.db));
  if (rc == 0)
    rc = make_dirs(dir, &c.err);
  if (rc == 0)
    rc = export_all(&c, force);
  sqlite3_close(c.db);
  return rc == 0 ? 0 : ts_cli_report(&c.err);
}
