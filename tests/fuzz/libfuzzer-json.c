/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for eit-json.c: the invariants of the meson fuzzer
 * (fuzz-json-check.c), driven by coverage instead of a fixed seed. Built
 * and run by run-libfuzzer.sh, not by meson. */
#include "config.h"

#include "fuzz-json-check.h"

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* A getter that warns is a bug: make it a crash libFuzzer records. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  fuzz_json_check (data, size);
  return 0;
}
