/* Reproducible random streams: Philox4x32-10 (Random123, Salmon et al. 2011), a counter-based generator, keyed by
 * the run's seed and counting within a stream identified by (patient, stream id). Patient k's numbers therefore
 * depend only on (seed, k, stream), never on thread count, shard or the order patients run in. */
#ifndef TWINSIM_CORE_RNG_H
#define TWINSIM_CORE_RNG_H

#include <stdint.h>

typedef struct ts_rng {
  uint32_t key[2];     /* the seed */
  uint32_t counter[4]; /* block, stream, patient (low, high) */
  uint32_t block[4];   /* the current block of 128 random bits */
  int words_left;      /* unread 32-bit words in block */
  double spare_normal; /* second deviate of the last Box-Muller pair */
  int has_spare;
} ts_rng;

/* Starts the stream (seed, patient, stream) at its beginning. */
void ts_rng_init(ts_rng *r, uint64_t seed, uint64_t patient, uint32_t stream);

/* 64 random bits. */
uint64_t ts_rng_next64(ts_rng *r);

/* Uniform in the open interval (0, 1), 53 random bits. */
double ts_rng_uniform(ts_rng *r);

/* Standard normal (Box-Muller on two uniforms; the second deviate is kept for the next call). */
double ts_rng_normal(ts_rng *r);

#endif
