/* A system's trial: the cohort (variables resolved against the plugins' parameters, in their units) or the twins
 * (their parameters and covariates resolved the same way), the observation schedule and the endpoints
 * (docs/scenario.md, "Virtual trials"; docs/endpoints.md). Built with the system, read-only afterwards. */
#ifndef TWINSIM_CORE_TRIAL_H
#define TWINSIM_CORE_TRIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohort.h"
#include "endpoints.h"
#include "store.h"
#include "system.h"

typedef struct ts_trial_var {
  const char *name; /* "WT", "pk.CL" */
  const char *unit; /* the unit of the drawn value: a covariate's declared unit, a parameter's plugin unit */
  int param;        /* index into the system's parameter vector, or -1 for a covariate */
} ts_trial_var;

typedef struct ts_trial_obs {
  uint32_t bus;        /* the observed signal */
  const char *name;    /* "tumor.diameter" */
  double additive_sd;  /* in the signal's unit */
  double proportional; /* fraction */
} ts_trial_obs;

typedef struct ts_trial_override { /* a parameter a twin sets */
  uint32_t param;                  /* index into the system's parameter vector */
  double value;                    /* in the plugin's unit, within the parameter's bounds */
} ts_trial_override;

typedef struct ts_trial_twin { /* one twin file, resolved: what ts_trial_draw gives its patient */
  const char *label;           /* the twin's id (borrowed from the scenario) */
  ts_trial_override *overrides;
  size_t n_overrides;
  ts_store_covariate *covariates; /* in the order written: WT in kg, HT in cm, BSA in m^2, others in their own unit;
                                     then SEX (0 female, 1 male) and a computed BSA when given. Names and units
                                     borrowed from the scenario or static. */
  size_t n_covariates;
  double weight_kg; /* NAN when the twin has no WT */
  double bsa_m2;    /* NAN when the twin has neither BSA nor body_surface_area */
} ts_trial_twin;

typedef struct ts_obs_sample { /* one scheduled observation */
  double time;
  uint32_t obs; /* index into observations */
} ts_obs_sample;

struct ts_trial {
  size_t n_patients;
  ts_sc_design design;
  ts_cohort *cohort; /* NULL: the twins, or else one patient with the scenario's values */
  ts_trial_var *vars;
  size_t n_vars;
  int weight_var, height_var, bsa_var; /* indices of WT (mass), HT (length), BSA (area) covariates, or -1 */
  double weight_to_kg, height_to_cm, bsa_to_m2;
  const char *bsa_formula; /* compute BSA from WT and HT when there is no BSA covariate; NULL: none */

  ts_trial_obs *obs;
  size_t n_obs;
  ts_obs_sample *samples; /* every observation time of every signal, by time */
  size_t n_samples;

  int recist_obs; /* observation read by RECIST, or -1 */
  double recist_to_mm;
  ts_recist_options recist;
  int death_rec; /* index among the recorded signals, or -1 */
  double death_above;
  int toxicity_rec;
  int exposure_rec;
  bool any_endpoint;

  ts_trial_twin *twins; /* n_twins > 0: patient k is twin k of the scenario (there is no cohort) */
  size_t n_twins;
};

/* One patient of the trial: parameters, covariates and body size. */
typedef struct ts_trial_patient {
  double *params;                 /* sys->n_params */
  double *values;                 /* ts_trial_max_covariates(sys) drawn values (cohort variables) */
  ts_store_covariate *covariates; /* ts_trial_max_covariates(sys): the patient's covariates, for the store */
  size_t n_covariates;
  double weight_kg; /* NAN when unknown */
  double bsa_m2;    /* NAN when unknown */
  unsigned redraws;
  char label[64];
} ts_trial_patient;

/* How many covariates (and cohort values) a patient can have, twins included: the size of the arrays above. */
size_t ts_trial_max_covariates(const ts_system *sys);

/* Patient k (1-based) into p (whose arrays the caller sized): drawn from the cohort, twin k, or the scenario's
 * patient. Sets the label ("patient-k", the twin's id, or the scenario's patient id). */
int ts_trial_draw(const ts_system *sys, uint64_t seed, uint64_t k, ts_trial_patient *p, ts_error *err);

/* The arm patient k is simulated in under a randomised design (its own random stream). */
size_t ts_trial_allocate(const ts_system *sys, uint64_t seed, uint64_t k);

#define TS_ALLOCATION_STREAM  0xA110Cu
#define TS_OBSERVATION_STREAM 0x0B5E0000u /* plus the arm index */

#endif
