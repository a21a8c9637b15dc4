/* The analytic Jacobian of a wired system, assembled by the chain rule through the bus from each instance's four
 * blocks (plugin.h, ts_model.jacobian):
 *
 *   d(input i)/dy  = sum over the links of i:  factor * d(bus[source])/dy
 *   d(bus[s])/dy   = e_s (a unit row) when s is a state, d(output)/dy when s is an output
 *   d(output o)/dy = d_out_d_states[o, :] (at the instance's own columns) + sum_i d_out_d_inputs[o, i] d(input i)/dy
 *   J[row r, :]    = d_deriv_d_states[r, :] (own columns) + sum_i d_deriv_d_inputs[r, i] d(input i)/dy
 *
 * Outputs are differentiated in the order they are computed (system.h, output_calls), so every output an input
 * reads is complete before it is used. Used only when every instance provides jacobian(); otherwise CVODE's
 * difference quotients serve for the whole system. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

static size_t max_block_size(const ts_system *sys) {
  size_t most = 0;
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_model *m = sys->inst[i].model;
    size_t ns = m->n_states, ni = m->n_inputs, no = m->n_outputs;
    size_t size = ns * ns + ns * ni + no * ns + no * ni;
    if (size > most)
      most = size;
  }
  return most;
}

int ts_jacobian_alloc(ts_sim *s) {
  const ts_system *sys = s->sys;
  size_t n = sys->n_states;
  s->d_inputs = calloc(sys->n_inputs * n + 1, sizeof *s->d_inputs);
  s->d_outputs = calloc(sys->n_outputs * n + 1, sizeof *s->d_outputs);
  s->blocks = calloc(max_block_size(sys) + 1, sizeof *s->blocks);
  return s->d_inputs && s->d_outputs && s->blocks ? 0 : -1;
}

void ts_jacobian_free(ts_sim *s) {
  free(s->d_inputs);
  free(s->d_outputs);
  free(s->blocks);
}

/* Rows d(input)/dy of one instance's inputs, from its links. */
static void input_rows(ts_sim *s, const ts_instance *in) {
  const ts_system *sys = s->sys;
  size_t n = sys->n_states;
  memset(s->d_inputs + (size_t)in->input_offset * n, 0, (size_t)in->model->n_inputs * n * sizeof(double));
  for (uint32_t l = in->link_begin; l < in->link_end; l++) {
    const ts_link *link = &sys->links[l];
    double *row = s->d_inputs + (size_t)link->input * n;
    if (link->source < n) {
      row[link->source] += link->factor;
    } else {
      const double *src = s->d_outputs + (size_t)(link->source - n) * n;
      for (size_t j = 0; j < n; j++)
        row[j] += link->factor * src[j];
    }
  }
}

typedef struct blocks {
  double *fy, *fu, *gy, *gu; /* column-major, as plugin.h states */
} blocks;

/* Calls the instance's jacobian() into zeroed blocks. */
static int instance_blocks(ts_sim *s, size_t i, double t, blocks *b) {
  const ts_instance *in = &s->sys->inst[i];
  const ts_model *m = in->model;
  size_t ns = m->n_states, ni = m->n_inputs, no = m->n_outputs;
  memset(s->blocks, 0, (ns * ns + ns * ni + no * ns + no * ni) * sizeof(double));
  b->fy = ns > 0 ? s->blocks : NULL;
  b->fu = ns > 0 && ni > 0 ? s->blocks + ns * ns : NULL;
  b->gy = no > 0 && ns > 0 ? s->blocks + ns * ns + ns * ni : NULL;
  b->gu = no > 0 && ni > 0 ? s->blocks + ns * ns + ns * ni + no * ns : NULL;
  ts_eval *e = &s->ev[i];
  e->t = t;
  e->derivatives = NULL;
  int rc = m->jacobian(s->instance[i], e, b->fy, b->fu, b->gy, b->gu);
  if (rc != TS_OK) {
    snprintf(s->detail, sizeof s->detail, "%s jacobian of %s/%s %s at t = %.9g d%s%s", in->name, in->lib->name, m->name,
             rc > 0 ? "asked for a smaller step" : "failed", t, s->host[i].has_error ? ": " : "",
             s->host[i].has_error ? s->host[i].error : "");
    return rc > 0 ? 1 : -1;
  }
  return 0;
}

/* d(output)/dy for every output of instance i. */
static int output_rows(ts_sim *s, size_t i, double t) {
  const ts_system *sys = s->sys;
  const ts_instance *in = &sys->inst[i];
  size_t n = sys->n_states, ns = in->model->n_states, ni = in->model->n_inputs, no = in->model->n_outputs;
  blocks b;
  input_rows(s, in);
  int rc = instance_blocks(s, i, t, &b);
  if (rc != 0)
    return rc;
  for (size_t o = 0; o < no; o++) {
    double *row = s->d_outputs + (in->output_offset + o) * n;
    memset(row, 0, n * sizeof *row);
    for (size_t k = 0; k < ns; k++)
      row[in->state_offset + k] = b.gy[o + k * no];
    for (size_t u = 0; u < ni; u++) {
      double g = b.gu[o + u * no];
      if (g == 0.0)
        continue;
      const double *du = s->d_inputs + (in->input_offset + u) * n;
      for (size_t j = 0; j < n; j++)
        row[j] += g * du[j];
    }
  }
  return 0;
}

/* Writes J (column-major n x n, column stride ld) at (t, y). */
static int assemble(ts_sim *s, double t, const double *y, double *J, size_t ld) {
  const ts_system *sys = s->sys;
  size_t n = sys->n_states;
  int rc = ts_sim_evaluate(s, t, y, NULL); /* outputs and inputs current at (t, y) */
  if (rc != 0)
    return rc;
  for (size_t c = 0; c < sys->n_output_calls; c++)
    if ((rc = output_rows(s, sys->output_calls[c], t)) != 0)
      return rc;
  for (size_t j = 0; j < n; j++)
    memset(J + j * ld, 0, n * sizeof *J);
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    size_t ns = in->model->n_states, ni = in->model->n_inputs;
    if (ns == 0)
      continue;
    input_rows(s, in);
    blocks b;
    if ((rc = instance_blocks(s, i, t, &b)) != 0)
      return rc;
    for (size_t r = 0; r < ns; r++) {
      size_t row = in->state_offset + r;
      for (size_t k = 0; k < ns; k++)
        J[row + (in->state_offset + k) * ld] = b.fy[r + k * ns];
      for (size_t u = 0; u < ni; u++) {
        double f = b.fu[r + u * ns];
        if (f == 0.0)
          continue;
        const double *du = s->d_inputs + (in->input_offset + u) * n;
        for (size_t j = 0; j < n; j++)
          J[row + j * ld] += f * du[j];
      }
    }
  }
  return 0;
}

int ts_jacobian_cvode(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user_data, N_Vector tmp1,
                      N_Vector tmp2, N_Vector tmp3) {
  (void)fy, (void)tmp1, (void)tmp2, (void)tmp3;
  return assemble(user_data, t, N_VGetArrayPointer(y), SUNDenseMatrix_Data(J), (size_t)SUNDenseMatrix_Rows(J));
}

int ts_sim_jacobian(ts_sim *s, double t, const double *y, double *J) {
  if (!s->blocks)
    return -1;
  return assemble(s, t, y, J, s->sys->n_states);
}
