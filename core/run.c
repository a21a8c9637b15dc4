/* A whole run: see run.h. */
#include "run.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "store.h"
#include "trial.h"
#include "trial_endpoints.h"
#include "version.h"
#include "writer.h"

int ts_load(const char *scenario_path, ts_loaded *out, ts_error *err) {
  memset(out, 0, sizeof *out);
  if (ts_scenario_load(scenario_path, &out->scenario, err) != 0)
    return -1;
  out->plugins = ts_plugins_create((const char *const *)out->scenario->plugin_path, out->scenario->n_plugin_path);
  if (!out->plugins) {
    ts_loaded_free(out);
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  }
  if (ts_system_build(out->scenario, out->plugins, &out->system, err) != 0) {
    ts_loaded_free(out);
    return -1;
  }
  return 0;
}

void ts_loaded_free(ts_loaded *l) {
  ts_system_free(l->system);
  ts_plugins_free(l->plugins);
  ts_scenario_free(l->scenario);
  memset(l, 0, sizeof *l);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Everything the store keeps about the run besides the patients; strings live in `text`. */
typedef struct run_description {
  ts_store_kv meta[20];
  char text[20][128];
  char *atol;  /* "pk.A1 = 1e-06 mg; ..." */
  char *twins; /* "twins/a.yaml sha256 ...; ..." */
  ts_store_model *models;
  ts_store_signal *signals;
  ts_store_run run;
} run_description;

/* Adds a number to the run facts, in the shortest form that reads back as the same double. */
static void add_number(run_description *d, const char *key, double value) {
  size_t i = d->run.n_meta++;
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(d->text[i], sizeof d->text[i], "%.*g", digits, value);
    if (strtod(d->text[i], NULL) == value)
      break;
  }
  d->meta[i] = (ts_store_kv){key, d->text[i]};
}

static int describe_run(const ts_loaded *l, const ts_run_options *opt, run_description *d, ts_error *err) {
  const ts_system *sys = l->system;
  const ts_scenario *sc = l->scenario;
  d->models = calloc(sys->n_inst, sizeof *d->models);
  d->signals = calloc(sys->n_recorded ? sys->n_recorded : 1, sizeof *d->signals);
  if (!d->models || !d->signals)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    d->models[i] = (ts_store_model){in->name,      in->lib->name,   in->lib->desc.version,
                                    in->lib->path, in->model->name, in->model->version};
  }
  for (size_t j = 0; j < sys->n_recorded; j++) {
    const ts_signal *sig = &sys->signals[sys->recorded[j]];
    d->signals[j] = (ts_store_signal){sig->name, sig->unit, sig->kind == TS_SIGNAL_STATE ? "state" : "output"};
  }
  d->meta[d->run.n_meta++] = (ts_store_kv){"twinsim_version", ts_version()};
  d->meta[d->run.n_meta++] = (ts_store_kv){"sundials", ts_sundials_version()};
  d->meta[d->run.n_meta++] = (ts_store_kv){"scenario_name", sc->name};
  d->meta[d->run.n_meta++] = (ts_store_kv){"solver.method", sc->solver.method == TS_SC_ADAMS ? "adams" : "bdf"};
  d->meta[d->run.n_meta++] = (ts_store_kv){"solver.linear_solver", "dense"};
  d->meta[d->run.n_meta++] = (ts_store_kv){
      "solver.jacobian", sys->analytic_jacobian ? "analytic (chain rule through the bus)" : "difference quotient"};
  size_t cap = 64 * (sys->n_states + 1), used = 0;
  if (!(d->atol = malloc(cap)))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  d->atol[0] = '\0';
  for (size_t k = 0; k < sys->n_states && used < cap; k++)
    used += (size_t)snprintf(d->atol + used, cap - used, "%s%s = %.6g %s", k ? "; " : "", sys->signals[k].name,
                             sys->atol[k], sys->signals[k].unit);
  d->meta[d->run.n_meta++] = (ts_store_kv){"solver.atol", d->atol};
  if (sc->n_twins > 0) { /* the twin files, so a result names exactly the patients it simulated */
    size_t tcap = 1, tused = 0;
    for (size_t k = 0; k < sc->n_twins; k++)
      tcap += strlen(sc->twins[k].path) + 80;
    if (!(d->twins = malloc(tcap)))
      return ts_fail(err, TS_E_NOMEM, "out of memory");
    for (size_t k = 0; k < sc->n_twins; k++) {
      char hash[65];
      ts_sha256_hex(sc->twins[k].doc->text, sc->twins[k].doc->text_len, hash);
      tused +=
          (size_t)snprintf(d->twins + tused, tcap - tused, "%s%s sha256 %s", k ? "; " : "", sc->twins[k].path, hash);
    }
    d->meta[d->run.n_meta++] = (ts_store_kv){"twins", d->twins};
  }
  if (opt->shards > 0) {
    size_t i = d->run.n_meta++;
    snprintf(d->text[i], sizeof d->text[i], "%u/%u", opt->shard, opt->shards);
    d->meta[i] = (ts_store_kv){"shard", d->text[i]};
  }
  size_t seed = d->run.n_meta++;
  snprintf(d->text[seed], sizeof d->text[seed], "%" PRIu64, sc->seed);
  d->meta[seed] = (ts_store_kv){"seed", d->text[seed]};
  add_number(d, "solver.rtol", sc->solver.rtol);
  add_number(d, "solver.atol_scale", sc->solver.atol_scale);
  add_number(d, "solver.max_steps", (double)sc->solver.max_steps);
  add_number(d, "solver.max_step_d", sc->solver.max_step_days);
  add_number(d, "start_d", sc->start_days);
  add_number(d, "horizon_d", sc->end_days);
  d->run = (ts_store_run){.scenario_path = sc->doc->file,
                          .scenario_text = sc->doc->text,
                          .scenario_len = sc->doc->text_len,
                          .meta = d->meta,
                          .n_meta = d->run.n_meta,
                          .models = d->models,
                          .n_models = sys->n_inst,
                          .signals = d->signals,
                          .n_signals = sys->n_recorded,
                          .n_times_max = sc->n_output_times};
  return 0;
}

static void free_description(run_description *d) {
  free(d->atol);
  free(d->twins);
  free(d->models);
  free(d->signals);
}

static const char *event_kind_name(ts_sim_event_kind k) {
  switch (k) {
  case TS_EV_BOLUS: return "bolus";
  case TS_EV_INFUSION_START: return "infusion_start";
  case TS_EV_INFUSION_STOP: return "infusion_stop";
  case TS_EV_DOSE_SKIPPED: return "dose_skipped";
  case TS_EV_RULE: return "rule";
  }
  return "?";
}

/* "anc_hold: tox.ANC = 0.83 1e9 cells/L, below 1 1e9 cells/L: hold"; "break: tumor.PSA = 4.1 ng/mL, below 50% of
 * baseline: hold" */
static void rule_detail(const ts_system *sys, const ts_sim_event *e, char *buf, size_t cap) {
  static const char *const actions[] = {"hold", "resume", "reduce", "switch", "stop"};
  const ts_rule *r = &sys->rules[e->rule];
  char limit[96];
  if (r->reference == TS_SC_ABSOLUTE)
    snprintf(limit, sizeof limit, "%.6g %s", r->threshold, r->unit);
  else
    snprintf(limit, sizeof limit, "%.6g%% of %s", 100 * r->threshold,
             r->reference == TS_SC_OF_BASELINE ? "baseline" : "nadir");
  snprintf(buf, cap, "%s: %s = %.6g %s, %s %s: %s", r->name, sys->signals[r->bus].name, e->value, r->unit,
           r->above ? "above" : "below", limit, actions[r->action]);
}

/* Everything one patient-in-an-arm needs on its way to the store, sized once per run. */
typedef struct patient_buffers {
  ts_trial_patient draw;
  ts_store_param *params;
  ts_store_event *events; /* events_cap entries, as many as the longest log so far */
  char (*details)[160];
  size_t events_cap;
  ts_store_observation *observations;
  double *observed;
  ts_store_exposure *exposures;
  ts_trial_scratch scratch;
} patient_buffers;

static void free_buffers(patient_buffers *b) {
  free(b->draw.params);
  free(b->draw.values);
  free(b->params);
  free(b->events);
  free(b->details);
  free(b->draw.covariates);
  free(b->observations);
  free(b->observed);
  free(b->exposures);
  free(b->scratch.column);
  free(b->scratch.times);
  free(b->scratch.sizes);
  free(b->scratch.cycles);
}

static int alloc_buffers(const ts_system *sys, patient_buffers *b, ts_error *err) {
  const ts_trial *t = sys->trial;
  /* cycles: the doses of the longest regimen, twice over for one switched to mid-course */
  size_t n_events = 2 * ts_dose_event_capacity(sys) + 1, n_samples = t->n_samples + 1;
  size_t n_times = sys->scenario->n_output_times + 1, n_scratch = n_events > n_samples ? n_events : n_samples;
#define TS_ALLOC(field, count) ((field) = calloc((count) + 1, sizeof *(field)))
  size_t n_cov = ts_trial_max_covariates(sys);
  if (!TS_ALLOC(b->draw.params, sys->n_params) || !TS_ALLOC(b->draw.values, n_cov) ||
      !TS_ALLOC(b->draw.covariates, n_cov) || !TS_ALLOC(b->params, sys->n_params) ||
      !TS_ALLOC(b->observations, n_samples) || !TS_ALLOC(b->observed, n_samples) || !TS_ALLOC(b->exposures, n_events) ||
      !TS_ALLOC(b->scratch.column, n_times) || !TS_ALLOC(b->scratch.times, n_scratch) ||
      !TS_ALLOC(b->scratch.sizes, n_samples) || !TS_ALLOC(b->scratch.cycles, n_events))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
#undef TS_ALLOC
  b->scratch.cap = n_events;
  return 0;
}

/* Room for n log entries in the store's event buffers (a log grows with rule firings). */
static int ensure_events(patient_buffers *b, size_t n, ts_error *err) {
  if (n <= b->events_cap && b->events)
    return 0;
  size_t cap = n > 2 * b->events_cap ? n : 2 * b->events_cap;
  ts_store_event *events = realloc(b->events, (cap + 1) * sizeof *events);
  if (events)
    b->events = events;
  char(*details)[160] = realloc(b->details, (cap + 1) * sizeof *details);
  if (details)
    b->details = details;
  if (!events || !details)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  b->events_cap = cap;
  return 0;
}

/* Turns a simulated patient into the store's record, in b's buffers. */
static void patient_record(const ts_system *sys, const ts_patient *p, const ts_sim_result *r, patient_buffers *b,
                           ts_store_patient *rec) {
  for (size_t i = 0, k = 0; i < sys->n_inst; i++)
    for (uint32_t j = 0; j < sys->inst[i].model->n_params; j++, k++)
      b->params[k] = (ts_store_param){sys->inst[i].name, sys->inst[i].model->params[j].name, p->params[k],
                                      sys->inst[i].model->params[j].unit};
  size_t n_log = r->n_log; /* ensure_events made room */
  for (size_t k = 0; k < n_log; k++) {
    const ts_sim_event *e = &r->log[k];
    ts_store_event *out = &b->events[k];
    *out = (ts_store_event){.time = e->time, .kind = event_kind_name(e->kind), .amount = NAN, .rate = NAN};
    if (e->kind == TS_EV_RULE) {
      rule_detail(sys, e, b->details[k], sizeof b->details[k]);
      out->detail = b->details[k];
      continue;
    }
    const ts_instance *in = &sys->inst[e->plan->instance];
    out->instance = in->name;
    out->target = in->model->dose_targets[e->plan->target].name;
    out->unit = out->target ? in->model->dose_targets[e->plan->target].unit : NULL;
    out->amount = e->kind == TS_EV_INFUSION_STOP ? NAN : e->amount;
    out->rate = e->kind == TS_EV_BOLUS ? NAN : e->rate;
  }
  *rec = (ts_store_patient){.patient_id = (int64_t)p->index,
                            .label = p->label,
                            .arm = p->arm->name,
                            .failed = r->failed,
                            .failure_time = r->failed ? r->failure_time : NAN,
                            .failure_message = r->failed ? r->message : NULL,
                            .params = b->params,
                            .n_params = sys->n_params,
                            .n_times = r->n_times,
                            .times = r->times,
                            .values = r->values,
                            .events = b->events,
                            .n_events = n_log,
                            .covariates = b->draw.covariates,
                            .n_covariates = b->draw.n_covariates,
                            .observations = b->observations,
                            .n_observations = r->n_observed};
}

/* Progress on a terminal: one line rewritten in place at most ten times a second; elsewhere a line every ten
 * seconds. Nothing when quiet. */
typedef struct progress {
  int tty, quiet;
  double start, last;
} progress;

static void show_progress(progress *pr, size_t done, size_t total, size_t failed, int final) {
  double now = now_seconds();
  if (pr->quiet || (!final && now - pr->last < (pr->tty ? 0.1 : 10.0)))
    return;
  pr->last = now;
  double rate = done / fmax(now - pr->start, 1e-9), left = rate > 0 ? (double)(total - done) / rate : 0;
  fprintf(stderr, "%s  %zu/%zu simulations, %zu failed, %.0f/s, %.0f s left%s", pr->tty ? "\r" : "", done, total,
          failed, rate, left, pr->tty && !final ? "   " : "\n");
  fflush(stderr);
}

/* What the workers of a run share. `lock` guards everything after it: the next patient to hand out, the summary,
 * the progress line and the first error. Only the writer uses the store while the workers run (see writer.h: the
 * workers themselves write it, one at a time). */
typedef struct shared_run {
  const ts_loaded *l;
  const ts_run_options *opt;
  ts_writer *writer;   /* owns the store while the workers run */
  unsigned char *done; /* resumed runs: (patient - first) * n_arms + arm already in the database */
  pthread_mutex_t lock;
  ts_store *store;
  uint64_t first_patient, next_patient, last_patient; /* this run's (or shard's) patients */
  int stop;                                           /* a worker failed: the others finish their patient and stop */
  ts_error err;
  ts_run_summary *summary;
  progress pr;
  size_t total;
  size_t already_stored; /* simulations a resumed database held at the start */
} shared_run;

/* One worker: its own simulator (CVODE memory, plugin instances) and buffers, reused patient after patient. */
typedef struct worker {
  shared_run *sh;
  ts_sim *sim;
  patient_buffers b;
  pthread_t thread;
} worker;

/* Simulates patient k in one arm (outside the lock) and writes it (inside). */
static int run_one(worker *w, uint64_t k, size_t arm, ts_error *err) {
  shared_run *sh = w->sh;
  const ts_system *sys = sh->l->system;
  patient_buffers *b = &w->b;
  ts_patient patient = {.index = k,
                        .label = b->draw.label,
                        .params = b->draw.params,
                        .arm = &sys->arms[arm],
                        .weight_kg = b->draw.weight_kg,
                        .bsa_m2 = b->draw.bsa_m2};
  if (sh->done && sh->done[(k - sh->first_patient) * sys->n_arms + arm]) { /* resumed: already there */
    pthread_mutex_lock(&sh->lock);
    sh->summary->n_resumed++;
    pthread_mutex_unlock(&sh->lock);
    return 0;
  }
  ts_sim_result result;
  ts_store_patient record;
  ts_store_endpoints endpoints;
  if (ts_sim_run(w->sim, &patient, &result, err) != 0 || ensure_events(b, result.n_log, err) != 0)
    return -1;
  patient_record(sys, &patient, &result, b, &record);
  ts_trial_observe(sys, sh->l->scenario->seed, k, arm, &result, b->observations, b->observed);
  if (!result.failed && sys->trial->any_endpoint) {
    b->scratch.arm = patient.arm;
    record.n_exposures = ts_trial_endpoints(sys, &result, b->observed, &b->scratch, &endpoints, b->exposures);
    record.exposures = b->exposures;
    record.endpoints = &endpoints;
  }
  return ts_writer_put(sh->writer, &record, err);
}

/* The writer's report after each patient stored: counts, the failure message, the progress line. */
static void written(void *ctx, const ts_store_patient *p) {
  shared_run *sh = ctx;
  pthread_mutex_lock(&sh->lock);
  sh->summary->n_patients++;
  if (p->failed) {
    sh->summary->n_failed++;
    if (!sh->opt->quiet)
      fprintf(stderr, "%stwinsim: patient %lld '%s' (arm %s) failed at t = %.9g d: %s\n", sh->pr.tty ? "\r" : "",
              (long long)p->patient_id, p->label, p->arm, p->failure_time, p->failure_message);
  }
  show_progress(&sh->pr, sh->summary->n_patients + sh->summary->n_resumed, sh->total, sh->summary->n_failed, 0);
  pthread_mutex_unlock(&sh->lock);
}

/* Marks a (patient, arm) of a resumed database as done. */
static void mark_done(void *ctx, int64_t patient_id, const char *arm) {
  shared_run *sh = ctx;
  const ts_system *sys = sh->l->system;
  if (patient_id < (int64_t)sh->first_patient || patient_id > (int64_t)sh->last_patient || !arm)
    return;
  for (size_t a = 0; a < sys->n_arms; a++)
    if (strcmp(sys->arms[a].name, arm) == 0) {
      sh->done[((uint64_t)patient_id - sh->first_patient) * sys->n_arms + a] = 1;
      sh->already_stored++;
    }
}

/* Has the caller asked the run to stop (ts_run_options.interrupt)? */
static int interrupt_asked(const ts_run_options *opt) {
  return opt->interrupt && atomic_load_explicit(opt->interrupt, memory_order_relaxed) != 0;
}

/* Takes patients until none is left (or another worker failed); the first error stops the run. */
static void *work(void *arg) {
  worker *w = arg;
  shared_run *sh = w->sh;
  const ts_system *sys = sh->l->system;
  const ts_trial *trial = sys->trial;
  uint64_t seed = sh->l->scenario->seed;
  size_t per_patient = trial->design == TS_SC_PAIRED ? sys->n_arms : 1;
  ts_error err;
  ts_error_clear(&err);
  for (;;) {
    pthread_mutex_lock(&sh->lock);
    uint64_t k = sh->next_patient++;
    int done = sh->stop || k > sh->last_patient || interrupt_asked(sh->opt);
    pthread_mutex_unlock(&sh->lock);
    if (done)
      break;
    int rc = ts_trial_draw(sys, seed, k, &w->b.draw, &err);
    size_t first = trial->design == TS_SC_PAIRED ? 0 : ts_trial_allocate(sys, seed, k);
    for (size_t a = first; rc == 0 && a < first + per_patient; a++)
      rc = run_one(w, k, a, &err);
    pthread_mutex_lock(&sh->lock);
    sh->summary->n_redraws += w->b.draw.redraws;
    if (rc != 0 && !sh->stop) {
      sh->stop = 1;
      sh->err = err;
    }
    pthread_mutex_unlock(&sh->lock);
    if (rc != 0)
      break;
  }
  return NULL;
}

/* Refuses a run whose results would not fit on the output's file system, with the estimate. The estimate counts
 * what SQLite stores per simulation: the trajectory's vectors (8 bytes per time and per time and signal, plus the
 * row, its key and the primary-key index), parameters, events and observations. */
static int check_disk(const ts_loaded *l, const ts_run_options *opt, size_t simulations, ts_error *err) {
  const ts_system *sys = l->system;
  double per_sim = 8.0 * (double)(sys->n_recorded + 1) * (double)l->scenario->n_output_times + 120.0 +
                   60.0 * (double)sys->n_params + 80.0 * (double)ts_dose_event_capacity(sys) +
                   60.0 * (double)sys->trial->n_samples + 400.0;
  double need = per_sim * (double)simulations;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", opt->output_path);
  char *slash = strrchr(dir, '/');
  if (slash)
    *(slash == dir ? slash + 1 : slash) = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  struct statvfs fs;
  if (statvfs(dir, &fs) != 0)
    return 0; /* the store reports a folder it cannot write into */
  double free_bytes = (double)fs.f_bavail * (double)fs.f_frsize;
  if (need > free_bytes)
    return ts_fail(err, TS_E_INPUT,
                   "%s: the results need about %.0f MB (%zu simulations x %.0f kB), but only %.0f MB are free in %s",
                   opt->output_path, need / 1e6, simulations, per_sim / 1e3, free_bytes / 1e6, dir);
  return 0;
}

/* Patients committed together: 16 cut the store's system time by a third on RP-1 against one per commit (fewer
 * writes of the tables' shared pages), and a killed run usually loses no more (docs/performance.md). */
#define STORE_BATCH 16

static size_t default_jobs(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (size_t)n : 1;
}

int ts_run(const ts_loaded *l, const ts_run_options *opt, ts_run_summary *summary, ts_error *err) {
  const ts_system *sys = l->system;
  const ts_trial *trial = sys->trial;
  memset(summary, 0, sizeof *summary);
  double t0 = now_seconds();
  size_t per_patient = trial->design == TS_SC_PAIRED ? sys->n_arms : 1;
  uint64_t n = trial->n_patients, first = 1, last = n;
  if (opt->shards > 0) {
    if (opt->shard < 1 || opt->shard > opt->shards)
      return ts_fail(err, TS_E_INPUT, "--shard %u/%u: the shard must be between 1 and %u", opt->shard, opt->shards,
                     opt->shards);
    first = (uint64_t)(opt->shard - 1) * n / opt->shards + 1;
    last = (uint64_t)opt->shard * n / opt->shards;
  }
  shared_run sh = {.l = l,
                   .opt = opt,
                   .first_patient = first,
                   .next_patient = first,
                   .last_patient = last,
                   .summary = summary,
                   .total = (size_t)(last + 1 - first) * per_patient};
  sh.pr = (progress){.tty = isatty(2), .quiet = opt->quiet || sh.total < 2, .start = t0};
  summary->n_planned = sh.total;
  if (interrupt_asked(opt)) { /* stopped before it started: no database is made, replaced or reopened */
    summary->interrupted = 1;
    return 0;
  }
  size_t jobs = opt->jobs ? opt->jobs : default_jobs();
  if (jobs > last + 1 - first) /* a shard can be empty: one worker then finds nothing to do */
    jobs = last >= first ? (size_t)(last + 1 - first) : 1;
  run_description desc = {0};
  worker *workers = calloc(jobs, sizeof *workers);
  int rc = -1, lock_ready = 0;
  if (!workers) {
    ts_fail(err, TS_E_NOMEM, "out of memory");
    goto done;
  }
  ts_sim_options sim_opt = {.verbosity = opt->verbosity, .seed = l->scenario->seed};
  for (size_t i = 0; i < jobs; i++) {
    workers[i].sh = &sh;
    if (alloc_buffers(sys, &workers[i].b, err) != 0 || ts_sim_create(sys, &sim_opt, &workers[i].sim, err) != 0)
      goto done;
  }
  if (describe_run(l, opt, &desc, err) != 0 || check_disk(l, opt, sh.total, err) != 0 ||
      (opt->resume ? ts_store_resume(opt->output_path, &desc.run, &sh.store, err)
                   : ts_store_create(opt->output_path, &desc.run, opt->replace, &sh.store, err)) != 0)
    goto done;
  summary->opened = 1;
  if (pthread_mutex_init(&sh.lock, NULL) != 0) {
    ts_fail(err, TS_E_INTERNAL, "cannot create a mutex");
    goto done;
  }
  lock_ready = 1;
  if (opt->resume) {
    if (!(sh.done = calloc((size_t)(last + 1 - first) * sys->n_arms + 1, 1))) {
      ts_fail(err, TS_E_NOMEM, "out of memory");
      goto done;
    }
    if (ts_store_list_patients(sh.store, mark_done, &sh, err) != 0)
      goto done;
  }
  /* The writer owns the store from here until it is finished; the queue holds two batches and a few patients per
   * worker. `-j N` means N threads, which simulate and, in turn, store: no thread is added for the store. */
  if (ts_writer_start(sh.store, 2 * STORE_BATCH + 4 * jobs, STORE_BATCH, written, &sh, &sh.writer, err) != 0)
    goto done;
  /* Worker 0 runs on this thread; the others on their own. Results do not depend on which worker simulates which
   * patient: each patient's random streams are keyed by its index, and a simulator starts every patient afresh. */
  size_t started = 1;
  for (; started < jobs; started++)
    if (pthread_create(&workers[started].thread, NULL, work, &workers[started]) != 0)
      break;
  work(&workers[0]);
  for (size_t i = 1; i < started; i++)
    pthread_join(workers[i].thread, NULL);
  ts_error write_err;
  ts_error_clear(&write_err);
  int write_rc = ts_writer_finish(sh.writer, &write_err);
  sh.writer = NULL;
  if (sh.stop || write_rc != 0) {
    *err = sh.stop ? sh.err : write_err;
    goto done;
  }
  show_progress(&sh.pr, summary->n_patients + summary->n_resumed, sh.total, summary->n_failed, 1);
  summary->n_stored = summary->n_patients + sh.already_stored;
  summary->interrupted = interrupt_asked(opt) && summary->n_stored < sh.total;
  rc = ts_store_finish(sh.store, summary->interrupted ? "interrupted" : "complete", err);
  sh.store = NULL;
  summary->seconds = now_seconds() - t0;
done:
  ts_writer_finish(sh.writer, &(ts_error){0});
  free(sh.done);
  if (lock_ready)
    pthread_mutex_destroy(&sh.lock);
  ts_store_close(sh.store);
  for (size_t i = 0; workers && i < jobs; i++) {
    ts_sim_free(workers[i].sim);
    free_buffers(&workers[i].b);
  }
  free(workers);
  free_description(&desc);
  return rc;
}
