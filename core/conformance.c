/* Plugin conformance checks: see conformance.h. */
#include "conformance.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "plugin_loader.h"

/* One instance of a model with its arrays, at the default parameters and inputs. */
typedef struct model_env {
  const ts_model *m;
  ts_host_impl host;
  void *inst;
  double *params, *states, *inputs, *rates, *outputs, *deriv;
} model_env;

static void env_free(model_env *e) {
  if (e->inst && e->m->destroy)
    e->m->destroy(e->inst);
  free(e->params), free(e->states), free(e->inputs), free(e->rates), free(e->outputs), free(e->deriv);
  memset(e, 0, sizeof *e);
}

/* Creates and initialises the instance; returns the status of create or init (-2 when out of memory). */
static int env_init(model_env *e, const ts_model *m, const char *name) {
  memset(e, 0, sizeof *e);
  e->m = m;
  e->params = calloc(m->n_params + 1, sizeof(double));
  e->states = calloc(m->n_states + 1, sizeof(double));
  e->inputs = calloc(m->n_inputs + 1, sizeof(double));
  e->rates = calloc(m->n_dose_targets + 1, sizeof(double));
  e->outputs = calloc(m->n_outputs + 1, sizeof(double));
  e->deriv = calloc(m->n_states + 1, sizeof(double));
  if (!e->params || !e->states || !e->inputs || !e->rates || !e->outputs || !e->deriv)
    return -2;
  for (uint32_t i = 0; i < m->n_params; i++)
    e->params[i] = m->params[i].default_value;
  for (uint32_t i = 0; i < m->n_inputs; i++)
    e->inputs[i] = m->inputs[i].default_value;
  ts_host_init(&e->host, name, TS_LOG_ERROR);
  ts_host_begin_patient(&e->host, 1, 1, 0);
  if (m->create && m->create(&e->host.api, &e->inst) != TS_OK)
    return -1;
  return m->init(e->inst, &e->host.api, e->params, 0.0, e->states);
}

/* Outputs (those `wanted` flags, all when NULL: ts_eval.outputs_wanted), then derivatives (when deriv is not NULL),
 * at (t, states, inputs). */
static int eval_wanted(model_env *e, double t, const double *states, const double *inputs, const unsigned char *wanted,
                       double *out, double *deriv) {
  ts_eval ev = {.host = &e->host.api,
                .t = t,
                .params = e->params,
                .states = states,
                .inputs = inputs,
                .dose_rates = e->rates,
                .outputs = out,
                .outputs_wanted = wanted};
  int rc = e->m->n_outputs ? e->m->compute_outputs(e->inst, &ev) : TS_OK;
  if (rc == TS_OK && deriv && e->m->n_states) {
    ev.derivatives = deriv;
    rc = e->m->compute_derivatives(e->inst, &ev);
  }
  return rc;
}

static int eval(model_env *e, double t, const double *states, const double *inputs, double *out, double *deriv) {
  return eval_wanted(e, t, states, inputs, NULL, out, deriv);
}

static int all_finite(const double *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i]))
      return 0;
  return 1;
}

/* ---- reporting ------------------------------------------------------------------------------------------------ */

typedef struct checker {
  FILE *out;
  int phase_fd; /* the check about to run is written here, so a crash can be named */
  const char *model;
  int failures;
} checker;

static void phase(checker *c, const char *name) {
  char line[256];
  int n = snprintf(line, sizeof line, "%s\n", name);
  if (c->phase_fd >= 0 && write(c->phase_fd, line, (size_t)n) < 0)
    c->phase_fd = -1;
}

static void report(checker *c, int passed, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(checker *c, int passed, const char *check, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(c->out, "%s %s: %s: ", passed ? "PASS" : "FAIL", c->model, check);
  vfprintf(c->out, fmt, ap);
  fputc('\n', c->out);
  fflush(c->out);
  va_end(ap);
  c->failures += !passed;
}

/* ---- the checks ----------------------------------------------------------------------------------------------- */

static int check_rhs(checker *c, model_env *e) {
  const ts_model *m = e->m;
  phase(c, "right-hand side at the defaults");
  double *out2 = calloc(m->n_outputs + 1, sizeof(double)), *deriv2 = calloc(m->n_states + 1, sizeof(double));
  int rc = eval(e, 0.0, e->states, e->inputs, e->outputs, e->deriv);
  int rc2 = eval(e, 0.0, e->states, e->inputs, out2, deriv2);
  int finite = rc == TS_OK && all_finite(e->states, m->n_states) && all_finite(e->outputs, m->n_outputs) &&
               all_finite(e->deriv, m->n_states);
  if (rc != TS_OK)
    report(c, 0, "finite at the defaults", "a callback returned %d%s%s", rc, e->host.has_error ? ": " : "",
           e->host.has_error ? e->host.error : "");
  else
    report(c, finite, "finite at the defaults", "%s",
           finite ? "init, outputs and derivatives are finite" : "a state, output or derivative is not finite");
  int same = rc == rc2 && !memcmp(out2, e->outputs, m->n_outputs * sizeof(double)) &&
             !memcmp(deriv2, e->deriv, m->n_states * sizeof(double));
  report(c, same, "repeatable",
         same ? "the same call twice gives the same numbers"
              : "the same call twice gives different numbers (state kept between calls?)");
  free(out2);
  free(deriv2);
  return finite;
}

/* ts_eval.outputs_wanted: asked for no output (what a right-hand side asks of a model nothing is wired to), or for
 * one only, a model gives the same derivatives as when asked for all (they may not read an output it skipped), and
 * the one output its value. Skipped outputs hold NaN, so derivatives that read one show it. */
static void check_outputs_wanted(checker *c, model_env *e) {
  const ts_model *m = e->m;
  if (m->n_outputs == 0) {
    report(c, 1, "outputs on demand", "nothing to check (no outputs)");
    return;
  }
  phase(c, "outputs on demand");
  unsigned char *wanted = calloc(m->n_outputs, 1);
  double *out = calloc(m->n_outputs, sizeof(double)), *deriv = calloc(m->n_states + 1, sizeof(double));
  char wrong[512] = "";
  size_t used = 0;
  int ok = wanted && out && deriv;
  /* o = n_outputs: no output wanted; else output o alone */
  for (uint32_t o = 0; ok && o <= m->n_outputs; o++) {
    memset(wanted, 0, m->n_outputs);
    if (o < m->n_outputs)
      wanted[o] = 1;
    for (uint32_t k = 0; k < m->n_outputs; k++)
      out[k] = NAN; /* what a skipped output holds, should the derivatives read it */
    int rc = eval_wanted(e, 0.0, e->states, e->inputs, wanted, out, deriv);
    int same = rc == TS_OK && all_finite(deriv, m->n_states) && (o == m->n_outputs || out[o] == e->outputs[o]);
    for (uint32_t k = 0; same && k < m->n_states; k++)
      same = deriv[k] == e->deriv[k];
    if (!same && used < sizeof wrong)
      used += (size_t)snprintf(wrong + used, sizeof wrong - used, "%s%s%s", used ? "; " : "",
                               o < m->n_outputs ? "only " : "no output", o < m->n_outputs ? m->outputs[o].name : "");
  }
  if (!ok)
    report(c, 0, "outputs on demand", "out of memory");
  else
    report(c, !*wrong, "outputs on demand",
           *wrong ? "asked for %s, the model gives another value or other derivatives than when asked for all" : "%s",
           *wrong ? wrong : "asked for no output or for each alone, the model gives the same values and derivatives");
  free(wanted), free(out), free(deriv);
}

/* Is input j among output o's direct inputs? */
static int declares(const ts_model *m, uint32_t o, uint32_t j) {
  for (const char *const *d = m->outputs[o].direct_inputs; d && *d; d++)
    if (strcmp(*d, m->inputs[j].name) == 0)
      return 1;
  return 0;
}

static void check_dependencies(checker *c, model_env *e) {
  const ts_model *m = e->m;
  if (m->n_outputs == 0 || m->n_inputs == 0) {
    report(c, 1, "declared dependencies", "nothing to check (no %s)", m->n_outputs ? "inputs" : "outputs");
    return;
  }
  phase(c, "declared dependencies");
  double *in = malloc((m->n_inputs + 1) * sizeof(double)), *out = malloc((m->n_outputs + 1) * sizeof(double));
  char missing[512] = "";
  size_t used = 0;
  for (uint32_t j = 0; j < m->n_inputs; j++) {
    memcpy(in, e->inputs, m->n_inputs * sizeof(double));
    in[j] = in[j] * 1.25 + 0.5; /* a change in any unit */
    if (eval(e, 0.0, e->states, in, out, NULL) != TS_OK)
      continue;
    for (uint32_t o = 0; o < m->n_outputs; o++)
      if (out[o] != e->outputs[o] && !declares(m, o, j) && used < sizeof missing)
        used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%s reads %s", used ? "; " : "",
                                 m->outputs[o].name, m->inputs[j].name);
  }
  report(c, !*missing, "declared dependencies",
         *missing ? "outputs move with inputs they do not list in direct_inputs: %s" : "%s",
         *missing ? missing : "every output moves only with the inputs it declares");
  free(in);
  free(out);
}

/* Central difference of derivatives and outputs in one variable (a state or an input); noise[i] receives the size of
 * the round-off error of entry i (derivatives first, then outputs): 100 eps |f| / h. */
static void difference(model_env *e, double *var, double h, double *dd, double *dout, double *noise) {
  const ts_model *m = e->m;
  double keep = *var;
  double *dp = malloc((m->n_states + 1) * sizeof(double)), *op = malloc((m->n_outputs + 1) * sizeof(double));
  *var = keep + h;
  eval(e, 0.0, e->states, e->inputs, op, dp);
  *var = keep - h;
  eval(e, 0.0, e->states, e->inputs, dout, dd);
  *var = keep;
  const double eps = 2.220446049250313e-16;
  for (uint32_t i = 0; i < m->n_states; i++) {
    noise[i] = 100 * eps * fmax(fabs(dp[i]), fabs(dd[i])) / h;
    dd[i] = (dp[i] - dd[i]) / (2 * h);
  }
  for (uint32_t o = 0; o < m->n_outputs; o++) {
    noise[m->n_states + o] = 100 * eps * fmax(fabs(op[o]), fabs(dout[o])) / h;
    dout[o] = (op[o] - dout[o]) / (2 * h);
  }
  free(dp);
  free(op);
}

/* Relative difference of an analytic entry and its finite difference, against a floor of the column's scale;
 * a difference within the finite difference's round-off counts as none. */
static double mismatch(double analytic, double fd, double scale, double noise) {
  double diff = fabs(analytic - fd);
  if (diff <= noise)
    return 0;
  return diff / fmax(fmax(fabs(fd), fabs(analytic)), 1e-6 * scale + 1e-300);
}

static void check_jacobian(checker *c, model_env *e) {
  const ts_model *m = e->m;
  if (!m->jacobian) {
    report(c, 1, "analytic Jacobian", "none given: the host uses finite differences");
    return;
  }
  phase(c, "analytic Jacobian");
  /* At a generic point: defaults are often at a kink (a concentration of 0 where a model clamps negatives), where a
   * central difference averages two one-sided slopes. */
  double *defaults = malloc((m->n_inputs + 1) * sizeof(double));
  memcpy(defaults, e->inputs, m->n_inputs * sizeof(double));
  for (uint32_t j = 0; j < m->n_inputs; j++)
    e->inputs[j] += 0.37 * fmax(fabs(e->inputs[j]), 1.0);
  size_t ns = m->n_states, ni = m->n_inputs, no = m->n_outputs;
  double *fy = calloc(ns * ns + 1, sizeof(double)), *fu = calloc(ns * ni + 1, sizeof(double));
  double *gy = calloc(no * ns + 1, sizeof(double)), *gu = calloc(no * ni + 1, sizeof(double));
  double *dd = calloc(ns + 1, sizeof(double)), *dout = calloc(no + 1, sizeof(double));
  double *noise = calloc(ns + no + 1, sizeof(double));
  ts_eval ev = {.host = &e->host.api,
                .params = e->params,
                .states = e->states,
                .inputs = e->inputs,
                .dose_rates = e->rates,
                .outputs = e->outputs};
  eval(e, 0.0, e->states, e->inputs, e->outputs, e->deriv);
  int rc = m->jacobian(e->inst, &ev, ns ? fy : NULL, ns && ni ? fu : NULL, no && ns ? gy : NULL, no && ni ? gu : NULL);
  double worst = 0;
  char where[160] = "";
  for (size_t k = 0; rc == TS_OK && k < ns + ni; k++) {
    int is_state = k < ns;
    double *var = is_state ? &e->states[k] : &e->inputs[k - ns];
    double scale = is_state ? fmax(fabs(*var), m->states[k].nominal) : fmax(fabs(*var), 1.0);
    difference(e, var, 1e-6 * scale, dd, dout, noise);
    double col = 0;
    for (size_t i = 0; i < ns; i++)
      col = fmax(col, fabs(dd[i]));
    for (size_t o = 0; o < no; o++)
      col = fmax(col, fabs(dout[o]));
    for (size_t i = 0; i < ns + no; i++) {
      double analytic = i < ns ? (is_state ? fy[i + k * ns] : fu[i + (k - ns) * ns])
                               : (is_state ? gy[(i - ns) + k * no] : gu[(i - ns) + (k - ns) * no]);
      double fd = i < ns ? dd[i] : dout[i - ns];
      double r = mismatch(analytic, fd, col, noise[i]);
      if (r > worst) {
        worst = r;
        snprintf(where, sizeof where, "d %s / d %s: analytic %.6g, finite difference %.6g",
                 i < ns ? m->states[i].name : m->outputs[i - ns].name,
                 is_state ? m->states[k].name : m->inputs[k - ns].name, analytic, fd);
      }
    }
  }
  if (rc != TS_OK)
    report(c, 0, "analytic Jacobian", "jacobian() returned %d at the defaults", rc);
  else
    report(c, worst < 1e-4, "analytic Jacobian", "worst relative difference %.2g%s%s", worst, *where ? " at " : "",
           worst < 1e-4 ? "" : where);
  memcpy(e->inputs, defaults, m->n_inputs * sizeof(double));
  eval(e, 0.0, e->states, e->inputs, e->outputs, e->deriv);
  free(defaults);
  free(noise);
  free(fy), free(fu), free(gy), free(gu), free(dd), free(dout);
}

/* A sequence of evaluations at moving states, summed bitwise into a digest. */
typedef struct thread_job {
  model_env env;
  const char *name;
  double digest[2];
  int rc;
} thread_job;

static void run_sequence(model_env *e, double digest[2]) {
  const ts_model *m = e->m;
  double *y = malloc((m->n_states + 1) * sizeof(double));
  memcpy(y, e->states, m->n_states * sizeof(double));
  digest[0] = digest[1] = 0;
  for (int it = 0; it < 2000; it++) {
    for (uint32_t k = 0; k < m->n_states; k++)
      y[k] = e->states[k] * (1.0 + 1e-3 * (it % 17));
    if (eval(e, 0.01 * it, y, e->inputs, e->outputs, e->deriv) != TS_OK)
      continue;
    for (uint32_t o = 0; o < m->n_outputs; o++)
      digest[0] += e->outputs[o];
    for (uint32_t k = 0; k < m->n_states; k++)
      digest[1] += e->deriv[k];
  }
  free(y);
}

static void *thread_main(void *arg) {
  thread_job *j = arg;
  run_sequence(&j->env, j->digest);
  return NULL;
}

static void check_threads(checker *c, const ts_model *m, model_env *alone) {
  phase(c, "two instances on two threads");
  double expect[2];
  run_sequence(alone, expect);
  thread_job jobs[2];
  int ok = 1;
  for (int i = 0; i < 2; i++)
    if (env_init(&jobs[i].env, m, "thread") != TS_OK)
      ok = 0;
  pthread_t threads[2];
  for (int i = 0; ok && i < 2; i++)
    pthread_create(&threads[i], NULL, thread_main, &jobs[i]);
  for (int i = 0; ok && i < 2; i++)
    pthread_join(threads[i], NULL);
  int same = ok && !memcmp(jobs[0].digest, expect, sizeof expect) && !memcmp(jobs[1].digest, expect, sizeof expect);
  report(c, same, "no hidden global state",
         same ? "two instances on two threads give the same numbers as one alone"
              : "two instances on two threads give other numbers than one alone (mutable global or static state?)");
  for (int i = 0; i < 2; i++)
    env_free(&jobs[i].env);
}

static void check_step_and_bolus(checker *c, model_env *e) {
  const ts_model *m = e->m;
  if (m->step) {
    phase(c, "step()");
    ts_eval ev = {.host = &e->host.api,
                  .t = 1.0,
                  .params = e->params,
                  .states = e->states,
                  .inputs = e->inputs,
                  .dose_rates = e->rates,
                  .outputs = e->outputs};
    e->host.has_error = 0;
    int rc = m->step(e->inst, &ev, 0.1, e->states);
    int ok = (rc == TS_OK && all_finite(e->states, m->n_states)) || (rc < 0 && e->host.has_error);
    if (rc == TS_OK)
      report(c, ok, "step", "returns TS_OK and leaves %s states", ok ? "finite" : "NON-FINITE");
    else
      report(c, ok, "step", "returns %d%s", rc, ok ? " with a message" : " without a message (call host->set_error)");
  }
  if (m->bolus) {
    phase(c, "bolus()");
    int ok = 1;
    for (uint32_t t = 0; t < m->n_dose_targets; t++) {
      int rc = m->bolus(e->inst, &e->host.api, t, 1.0, 0.0, e->params, e->states);
      ok &= rc == TS_OK ? all_finite(e->states, m->n_states) : (rc < 0 && e->host.has_error);
    }
    report(c, ok, "bolus",
           ok ? "every dose target takes a bolus and leaves finite states"
              : "a bolus leaves non-finite states or fails without a message");
  }
}

/* All checks of one model; runs in a child process. Returns the number of failures. */
static int check_model(checker *c, const ts_library *lib, const ts_model *m) {
  model_env e;
  phase(c, "create and init");
  int rc = env_init(&e, m, m->name);
  if (rc != TS_OK) {
    report(c, 0, "create and init", "returned %d at the default parameters%s%s", rc, e.host.has_error ? ": " : "",
           e.host.has_error ? e.host.error : "");
    env_free(&e);
    return c->failures;
  }
  (void)lib;
  if (check_rhs(c, &e)) {
    check_outputs_wanted(c, &e);
    check_dependencies(c, &e);
    check_jacobian(c, &e);
    check_threads(c, m, &e);
    check_step_and_bolus(c, &e);
  }
  env_free(&e);
  phase(c, "done");
  return c->failures;
}

/* Runs one model's checks in a child process: a crash becomes a failed check naming the check it crashed in. */
static int check_isolated(FILE *out, const ts_library *lib, const ts_model *m, const char *label) {
  int fds[2];
  if (pipe(fds) != 0)
    return 1;
  fflush(NULL); /* nothing buffered may be written twice, by the child too */
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    /* The default action for the crash signals, whatever handlers the caller installed (a test framework's): a
     * crash must end this child, not resume the caller's code in it. */
    static const int crashes[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof crashes / sizeof *crashes; i++)
      signal(crashes[i], SIG_DFL);
    checker c = {.out = out, .phase_fd = fds[1], .model = label};
    int failures = check_model(&c, lib, m);
    fflush(out);
    _exit(failures > 254 ? 254 : failures);
  }
  close(fds[1]);
  char last[256] = "", buf[256];
  size_t used = 0;
  ssize_t n;
  while (pid > 0 && (n = read(fds[0], buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; i++) { /* keep the last complete line */
      if (buf[i] == '\n') {
        last[used < sizeof last ? used : sizeof last - 1] = '\0';
        used = 0;
        continue;
      }
      if (used + 1 < sizeof last)
        last[used++] = buf[i];
    }
  close(fds[0]);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) {
    fprintf(out, "FAIL %s: could not run the checks (fork failed)\n", label);
    return 1;
  }
  if (WIFSIGNALED(status)) {
    fprintf(out, "FAIL %s: crashed with signal %d (%s) during '%s'\n", label, WTERMSIG(status),
            strsignal(WTERMSIG(status)), last);
    return 1;
  }
  if (strcmp(last, "done") != 0) { /* ended without finishing: a sanitizer or the plugin itself called exit */
    fprintf(out, "FAIL %s: died during '%s' (exit status %d)\n", label, last,
            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int ts_plugin_check(const char *path, FILE *out) {
  ts_library lib;
  ts_error err;
  ts_error_clear(&err);
  if (ts_library_open(path, NULL, &lib, &err) != 0) {
    fprintf(out, "FAIL %s: load: %s\n", path, err.message);
    return 1;
  }
  fprintf(out, "PASS %s: load: entry %s, ABI %u.%u (this twinsim %d.%d), %u model%s, sizes and descriptors sane\n",
          path, TS_PLUGIN_ENTRY_NAME, lib.desc.abi_major, lib.desc.abi_minor, TS_PLUGIN_ABI_MAJOR, TS_PLUGIN_ABI_MINOR,
          lib.desc.n_models, lib.desc.n_models == 1 ? "" : "s");
  int failures = 0;
  for (uint32_t i = 0; i < lib.desc.n_models; i++) {
    char label[256];
    snprintf(label, sizeof label, "%s/%s", lib.name, lib.models[i].name);
    failures += check_isolated(out, &lib, &lib.models[i], label);
  }
  fprintf(out, "%s: %d check%s failed\n", path, failures, failures == 1 ? "" : "s");
  ts_library_close(&lib);
  return failures;
}
