/* Merging the shards of a run (`twinsim run --shard k/N`) into one database equal to an unsharded run's: the
 * per-patient tables of every shard, the run's metadata of the first without its shard mark. See store.h. Rows are
 * copied verbatim in SQL (the trajectory's vectors included), so nothing here knows their layout; shards of another
 * results schema are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

/* The tables that hold patients; every other table describes the run and is the same in every shard. */
static const char *const patient_tables[] = {"patients", "covariates",   "parameters", "trajectory",
                                             "events",   "observations", "endpoints",  "exposure"};

static int fail_sqlite(ts_error *err, sqlite3 *db, const char *path, const char *what) {
  return ts_fail(err, TS_E_IO, "%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "cannot open");
}

static int read_key(sqlite3 *db, const char *schema, const char *key, char *buf, size_t cap) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT value FROM %s.run WHERE key = ?1", schema);
  sqlite3_stmt *s;
  buf[0] = '\0';
  if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
    snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  return 0;
}

/* Checks that the shards are the complete set 1..N of one run, each finished. */
static int check_shards(sqlite3 *db, const char *const *inputs, size_t n, ts_error *err) {
  char hash0[128] = "", key[64], value[128];
  unsigned seen_count = 0;
  unsigned char *seen = calloc(n + 1, 1);
  if (!seen)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    snprintf(key, sizeof key, "s%zu", i);
    unsigned k = 0, total = 0;
    read_key(db, key, "shard", value, sizeof value);
    if (sscanf(value, "%u/%u", &k, &total) != 2 || total != n || k < 1 || k > n) {
      rc = ts_fail(err, TS_E_INPUT, "%s: not shard k/%zu of a run (its shard mark is '%s')", inputs[i], n, value);
      break;
    }
    if (seen[k]++) {
      rc = ts_fail(err, TS_E_INPUT, "%s: shard %u/%u is given twice", inputs[i], k, total);
      break;
    }
    seen_count++;
    read_key(db, key, "schema_version", value, sizeof value);
    if (strcmp(value, TS_STORE_SCHEMA_VERSION) != 0) {
      rc = ts_fail(err, TS_E_INPUT,
                   "%s: written by another version of twinsim (results schema %s, this one %s); merge it with the "
                   "twinsim that wrote it",
                   inputs[i], *value ? value : "(none)", TS_STORE_SCHEMA_VERSION);
      break;
    }
    read_key(db, key, "status", value, sizeof value);
    if (strcmp(value, "complete") != 0) {
      rc = ts_fail(err, TS_E_INPUT, "%s: shard %u/%u is not complete (status '%s'); finish it with --resume first",
                   inputs[i], k, total, value);
      break;
    }
    read_key(db, key, "scenario_sha256", value, sizeof value);
    if (i == 0)
      snprintf(hash0, sizeof hash0, "%s", value);
    else if (strcmp(hash0, value) != 0)
      rc = ts_fail(err, TS_E_INPUT, "%s: a shard of another scenario than %s (sha256 %.12s... vs %.12s...)", inputs[i],
                   inputs[0], value, hash0);
  }
  free(seen);
  if (rc == 0 && seen_count != n)
    rc = ts_fail(err, TS_E_INPUT, "the shards given are not the complete set 1..%zu", n);
  return rc;
}

int ts_store_merge(const char *out, const char *const *inputs, size_t n, int replace, ts_error *err) {
  if (n < 1)
    return ts_fail(err, TS_E_INPUT, "merge: no shard given");
  if (access(out, F_OK) == 0) {
    if (!replace)
      return ts_fail(err, TS_E_INPUT, "%s: file exists; refusing to overwrite it (use --force)", out);
    if (unlink(out) != 0)
      return ts_fail(err, TS_E_IO, "%s: cannot remove the old file", out);
  }
  sqlite3 *db = NULL;
  int rc = -1;
  /* Start from a copy of the first shard: the schema and the run's description are the same in every shard. */
  sqlite3 *first = NULL;
  if (sqlite3_open_v2(inputs[0], &first, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    fail_sqlite(err, first, inputs[0], "cannot open the shard");
    sqlite3_close(first);
    return -1;
  }
  if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    fail_sqlite(err, db, out, "cannot create the merged database");
    goto done;
  }
  sqlite3_backup *copy = sqlite3_backup_init(db, "main", first, "main");
  if (!copy || sqlite3_backup_step(copy, -1) != SQLITE_DONE) {
    sqlite3_backup_finish(copy);
    fail_sqlite(err, db, out, "cannot copy the first shard");
    goto done;
  }
  sqlite3_backup_finish(copy);
  char sql[4400];
  for (size_t i = 0; i < n; i++) {
    snprintf(sql, sizeof sql, "ATTACH %s AS s%zu", "?1", i);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
      goto db_error;
    sqlite3_bind_text(s, 1, inputs[i], -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    sqlite3_finalize(s);
    if (step != SQLITE_DONE) {
      fail_sqlite(err, db, inputs[i], "cannot read the shard");
      goto done;
    }
  }
  if (check_shards(db, inputs, n, err) != 0)
    goto done;
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    goto db_error;
  for (size_t t = 0; t < sizeof patient_tables / sizeof *patient_tables; t++) {
    snprintf(sql, sizeof sql, "DELETE FROM main.%s", patient_tables[t]);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
      goto db_error;
    for (size_t i = 0; i < n; i++) {
      snprintf(sql, sizeof sql, "INSERT INTO main.%s SELECT * FROM s%zu.%s", patient_tables[t], i, patient_tables[t]);
      if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        goto db_error;
    }
  }
  if (sqlite3_exec(db,
                   "DELETE FROM main.run WHERE key IN ('shard', 'resumed_at'); "
                   "INSERT OR REPLACE INTO main.run (key, value) VALUES ('merged_at', "
                   "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')); COMMIT",
                   NULL, NULL, NULL) != SQLITE_OK)
    goto db_error;
  rc = 0;
  goto done;
db_error:
  fail_sqlite(err, db, out, "cannot merge");
done:
  sqlite3_close(first);
  if (db) {
    sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    sqlite3_close_v2(db);
  }
  if (rc != 0)
    unlink(out);
  return rc;
}
