/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The invariants of eit-json.c and eit-json-text.c that both fuzzers check: the deterministic
 * mutation fuzzer of `meson test --suite fuzz` and the libFuzzer harness
 * for long runs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FUZZ_JSON_INVALID,
  FUZZ_JSON_VALID,          /* valid JSON, not an envelope */
  FUZZ_JSON_ENVELOPE,       /* an envelope eit_envelope_parse () accepts */
} FuzzJsonVerdict;

/* Runs every function of eit-json.h and eit-json-text.h on data[0..size) (copied into a heap
 * buffer of exactly that size) and aborts with a description of the input
 * if an invariant does not hold. The verdict tells a fuzzer how deep the
 * input went. */
FuzzJsonVerdict fuzz_json_check (const guint8 *data,
                                 gsize         size);

/* data[0..size) with every byte outside printable ASCII as \xNN. */
char *fuzz_json_describe (const guint8 *data,
                          gsize         size);

G_END_DECLS
