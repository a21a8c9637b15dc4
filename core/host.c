/* The host table handed to plugin instances: see host.h. */
#include "host.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static ts_host_impl *impl(const ts_host *h) {
  return (ts_host_impl *)((char *)(uintptr_t)h - offsetof(ts_host_impl, api));
}

static void host_log(const ts_host *host, ts_log_level level, const char *message) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  if (level > impl(host)->verbosity || (unsigned)level > TS_LOG_DEBUG)
    return;
  fprintf(stderr, "twinsim: [%s] %s: %s\n", host->instance_name, names[level], message ? message : "");
}

static void host_set_error(const ts_host *host, const char *message) {
  ts_host_impl *h = impl(host);
  snprintf(h->error, sizeof h->error, "%s", message ? message : "(no message)");
  h->has_error = 1;
}

static double host_uniform(const ts_host *host) {
  return ts_rng_uniform(&impl(host)->rng);
}

static double host_normal(const ts_host *host) {
  return ts_rng_normal(&impl(host)->rng);
}

void ts_host_init(ts_host_impl *h, const char *instance_name, ts_log_level verbosity) {
  memset(h, 0, sizeof *h);
  h->api = (ts_host){.struct_size = (uint32_t)sizeof(ts_host),
                     .abi_minor = TS_PLUGIN_ABI_MINOR,
                     .instance_name = instance_name,
                     .log = host_log,
                     .set_error = host_set_error,
                     .random_uniform = host_uniform,
                     .random_normal = host_normal};
  h->verbosity = verbosity;
}

void ts_host_begin_patient(ts_host_impl *h, uint64_t seed, uint64_t patient, uint32_t stream) {
  ts_rng_init(&h->rng, seed, patient, stream);
  h->error[0] = '\0';
  h->has_error = 0;
}
