/* The vectors of the trajectory table (results schema 3): each BLOB holds n IEEE-754 binary64 values in little-endian
 * byte order, 8 bytes each, NaN kept as NaN. This is the one place that converts between doubles and those bytes; the
 * store writes through it and the readers (core/cli/results_db.c) read through it. Byte b of a value is bits
 * 8b..8b+7 of its binary64 representation whatever the host's byte order; on a little-endian host the compiler turns
 * the shifts into plain 8-byte moves. (Header-only, so that both the library and the tests inline it.) */
#ifndef TWINSIM_CORE_STORE_VEC_H
#define TWINSIM_CORE_STORE_VEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TS_VEC_BYTES 8 /* bytes per value */

/* Writes v[0], v[stride], ..., v[(n - 1) * stride] to out (n * TS_VEC_BYTES bytes). */
static inline void ts_vec_encode(unsigned char *out, const double *v, size_t n, size_t stride) {
  for (size_t i = 0; i < n; i++, out += TS_VEC_BYTES) {
    uint64_t u;
    memcpy(&u, &v[i * stride], sizeof u);
    for (int b = 0; b < TS_VEC_BYTES; b++)
      out[b] = (unsigned char)(u >> (8 * b));
  }
}

/* Reads n values from in (n * TS_VEC_BYTES bytes, any alignment) into out. */
static inline void ts_vec_decode(double *out, const unsigned char *in, size_t n) {
  for (size_t i = 0; i < n; i++, in += TS_VEC_BYTES) {
    uint64_t u = 0;
    for (int b = 0; b < TS_VEC_BYTES; b++)
      u |= (uint64_t)in[b] << (8 * b);
    memcpy(&out[i], &u, sizeof u);
  }
}

#endif
