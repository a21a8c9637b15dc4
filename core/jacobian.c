/* The analytic Jacobian of a wired system, assembled by the chain rule through the bus from each instance's four
 * blocks (plugin.h, ts_model.jacobian):
 *
 *   d(input i)/dy  = sum over the links of i:  factor * d(bus[source])/dy
 *   d(bus[s])/dy   = e_s (a unit row) when s is a state, d(output)/dy when s is an output
 *   d(output o)/dy = d_out_d_states[o, :] (at the instance's own columns) + sum_i d_out_d_inputs[o, i] d(input i)/dy
 *   J[row r, :]    = d_deriv_d_states[r, :] (own columns) + sum_i d_deriv_d_inputs[r, i] d(input i)/dy
 *
 * Outputs are differentiated in the order they are computed (system.h, output_calls), so every output an input
 * reads is complete before it is used. Each instance's jacobian() is called once per Jacobian, all inputs current.
 * Used only when every instance provides jacobian(); otherwise CVODE's difference quotients serve for the whole
 * system. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* The number of doubles of an instance's four blocks. */
static size_t block_size(const ts_model *m) {
  size_t ns = m->n_states, ni = m->n_inputs, no = m->n_outputs;
  return ns * ns + ns * ni + no * ns + no * ni;
}

int ts_jacobian_alloc(ts_sim *s) {
  const ts_system *sys = s->sys;
  size_t n = sys->n_states, total = 0;
  s->block_offset = malloc((sys->n_inst + 1) * sizeof *s->block_offset);
  if (!s->block_offset)
    return -1;
  for (size_t i = 0; i < sys->n_inst; i++) {
    s->block_offset[i] = total;
    total += block_size(sys->inst[i].model);
  }
  s->block_offset[sys->n_inst] = total;
  s->d_inputs = calloc(sys->n_inputs * n + 1, sizeof *s->d_inputs);
  s->d_outputs = calloc(sys->n_outputs * n + 1, sizeof *s->d_outputs);
  s->blocks = calloc(total + 1, sizeof *s->blocks);
  return s->d_inputs && s->d_outputs && s->blocks ? 0 : -1;
}

void ts_jacobian_free(ts_sim *s) {
  free(s->d_inputs);
  free(s->d_outputs);
  free(s->blocks);
  free(s->block_offset);
}

/* Rows d(input)/dy of the inputs of links [begin, end) (one instance's links, or all of them), from the links. */
static void input_rows(ts_sim *s, uint32_t begin, uint32_t end) {
  const ts_system *sys = s->sys;
  size_t n = sys->n_states;
  for (uint32_t l = begin; l < end; l++)
    memset(s->d_inputs + (size_t)sys->links[l].input * n, 0, n * sizeof(double));
  for (uint32_t l = begin; l < end; l++) {
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

/* Instance i's blocks in s->blocks (NULL where a block is empty). */
static blocks instance_blocks(const ts_sim *s, size_t i) {
  const ts_model *m = s->sys->inst[i].model;
  size_t ns = m->n_states, ni = m->n_inputs, no = m->n_outputs;
  double *base = s->blocks + s->block_offset[i];
  return (blocks){.fy = ns > 0 ? base : NULL,
                  .fu = ns > 0 && ni > 0 ? base + ns * ns : NULL,
                  .gy = no > 0 && ns > 0 ? base + ns * ns + ns * ni : NULL,
                  .gu = no > 0 && ni > 0 ? base + ns * ns + ns * ni + no * ns : NULL};
}

/* Calls every instance's jacobian() once, into its zeroed blocks; outputs and inputs must be current at t. */
static int call_jacobians(ts_sim *s, double t) {
  const ts_system *sys = s->sys;
  memset(s->blocks, 0, s->block_offset[sys->n_inst] * sizeof *s->blocks);
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    blocks b = instance_blocks(s, i);
    ts_eval *e = &s->ev[i];
    e->t = t;
    e->derivatives = NULL;
    int rc = in->model->jacobian(s->instance[i], e, b.fy, b.fu, b.gy, b.gu);
    if (rc != TS_OK) {
      snprintf(s->detail, sizeof s->detail, "%s jacobian of %s/%s %s at t = %.9g d%s%s", in->name, in->lib->name,
               in->model->name, rc > 0 ? "asked for a smaller step" : "failed", t, s->host[i].has_error ? ": " : "",
               s->host[i].has_error ? s->host[i].error : "");
      return rc > 0 ? 1 : -1;
    }
  }
  return 0;
}

/* d(output)/dy for every output of instance i. */
static void output_rows(ts_sim *s, size_t i) {
  const ts_system *sys = s->sys;
  const ts_instance *in = &sys->inst[i];
  size_t n = sys->n_states, ns = in->model->n_states, ni = in->model->n_inputs, no = in->model->n_outputs;
  blocks b = instance_blocks(s, i);
  if (in->outputs_read_inputs) /* else d_out_d_inputs is zero and the rows are not read */
    input_rows(s, in->link_begin, in->link_end);
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
}

/* Writes J (column-major n x n, column stride ld) at (t, y). */
static int assemble(ts_sim *s, double t, const double *y, double *J, size_t ld) {
  const ts_system *sys = s->sys;
  size_t n = sys->n_states;
  int rc = ts_sim_evaluate(s, t, y, NULL); /* outputs and inputs current at (t, y) */
  if (rc != 0 || (rc = call_jacobians(s, t)) != 0)
    return rc;
  for (size_t c = 0; c < sys->n_output_calls; c++)
    output_rows(s, sys->output_calls[c]);
  input_rows(s, 0, (uint32_t)sys->n_links); /* every output row is complete now */
  if (ld == n)
    memset(J, 0, n * n * sizeof *J);
  else
    for (size_t j = 0; j < n; j++)
      memset(J + j * ld, 0, n * sizeof *J);
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    size_t ns = in->model->n_states, ni = in->model->n_inputs;
    if (ns == 0)
      continue;
    blocks b = instance_blocks(s, i);
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
  return assemble(user_data, t, NV_DATA_S(y), SUNDenseMatrix_Data(J), (size_t)SUNDenseMatrix_Rows(J));
}

int ts_sim_jacobian(ts_sim *s, double t, const double *y, double *J) {
  if (!s->blocks)
    return -1;
  return assemble(s, t, y, J, s->sys->n_states);
}
