/* twinsim validate SCENARIO: parse, load plugins, wire; simulate nothing. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dosing.h"
#include "run.h"

int ts_cmd_validate(int argc, char **argv) {
  if (argc != 1 || argv[0][0] == '-')
    return ts_cli_usage_error("validate: usage: twinsim validate SCENARIO");
  ts_error err;
  ts_error_clear(&err);
  ts_loaded l;
  if (ts_load(argv[0], &l, &err) != 0)
    return ts_cli_report(&err);
  const ts_system *sys = l.system;
  printf("%s: valid scenario '%s'\n", argv[0], l.scenario->name);
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    printf("  %-16s %s/%s %s (%s), %u states, %u inputs, %u outputs\n", in->name, in->lib->name, in->model->name,
           in->model->version, in->lib->path, in->model->n_states, in->model->n_inputs, in->model->n_outputs);
  }
  for (size_t k = 0; k < sys->n_links; k++) {
    const ts_link *link = &sys->links[k];
    const ts_signal *src = &sys->signals[link->source];
    for (size_t i = 0; i < sys->n_inst; i++) {
      const ts_instance *in = &sys->inst[i];
      if (link->input >= in->input_offset && link->input < in->input_offset + in->model->n_inputs) {
        const ts_input *input = &in->model->inputs[link->input - in->input_offset];
        printf("  wire %s.%s [%s] <- %s [%s]%s", in->name, input->name, input->unit, src->name, src->unit,
               link->accumulate ? " (added)" : "");
        if (link->factor != 1.0)
          printf(" x %g", link->factor);
        putchar('\n');
      }
    }
  }
  printf("  %zu states, %zu recorded signals at %zu times from %g d to %g d, %zu dose events\n", sys->n_states,
         sys->n_recorded, l.scenario->n_output_times, l.scenario->start_days, l.scenario->end_days,
         ts_dose_event_capacity(sys));
  ts_loaded_free(&l);
  return 0;
}
