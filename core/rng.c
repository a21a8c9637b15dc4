/* Reproducible random streams: see rng.h. */
#include "rng.h"

#include <Random123/philox.h>
#include <math.h>

void ts_rng_init(ts_rng *r, uint64_t seed, uint64_t patient, uint32_t stream) {
  r->key[0] = (uint32_t)seed;
  r->key[1] = (uint32_t)(seed >> 32);
  r->counter[0] = 0;
  r->counter[1] = stream;
  r->counter[2] = (uint32_t)patient;
  r->counter[3] = (uint32_t)(patient >> 32);
  r->words_left = 0;
  r->has_spare = 0;
}

static uint32_t next32(ts_rng *r) {
  if (r->words_left == 0) {
    philox4x32_ctr_t c = {{r->counter[0], r->counter[1], r->counter[2], r->counter[3]}};
    philox4x32_key_t k = {{r->key[0], r->key[1]}};
    philox4x32_ctr_t out = philox4x32(c, k);
    for (int i = 0; i < 4; i++)
      r->block[i] = out.v[i];
    r->counter[0]++; /* 2^32 blocks of 128 bits per stream */
    r->words_left = 4;
  }
  return r->block[4 - r->words_left--];
}

uint64_t ts_rng_next64(ts_rng *r) {
  uint64_t hi = next32(r);
  return (hi << 32) | next32(r);
}

double ts_rng_uniform(ts_rng *r) {
  /* The 53 high bits, centred in their interval: never exactly 0 or 1. */
  return ((double)(ts_rng_next64(r) >> 11) + 0.5) * 0x1.0p-53;
}

double ts_rng_normal(ts_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare_normal;
  }
  const double two_pi = 6.283185307179586476925286766559;
  double radius = sqrt(-2.0 * log(ts_rng_uniform(r)));
  double angle = two_pi * ts_rng_uniform(r);
  r->spare_normal = radius * sin(angle);
  r->has_spare = 1;
  return radius * cos(angle);
}
