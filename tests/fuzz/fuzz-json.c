/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A deterministic mutation fuzzer for eit-json.c, part of `meson test`.
 * It mutates the seed corpus (tests/fuzz/corpus plus a few generated
 * frames) and checks the invariants of fuzz-json-check.c on every result.
 * Same seed, same inputs: a failure is reproduced with the EIT_FUZZ_SEED and
 * EIT_FUZZ_ITERATIONS it prints. For long runs use run-libfuzzer.sh. */
#include "config.h"

#include <string.h>

#include "eit-test-util.h"
#include "fuzz-json-check.h"

#define DEFAULT_SEED       0x5eed1e55u
#define DEFAULT_ITERATIONS 600000
#define MAX_INPUT_SIZE     8192

/* Bytes and tokens that take the scanner down its rare paths. */
static const char *const tokens[] = {
  "{", "}", "[", "]", ",", ":", "\"", "\\", " ", "\t", "\n", "\r", "\f", "0", "-", ".", "e",
  "E", "+", "1e400", "-0", "0.", "01", "9007199254740991", "9007199254740992",
  "18446744073709551616", "true", "false", "null", "\\u", "\\u0000", "\\ud800", "\\udc00",
  "\\ud83d\\ude00", "\\udbff\\udfff", "\\udc00\\udc00", "\\udc00\\ud800", "\\uD834", "\\n",
  "\\/", "\\x", "\xc3\xa9", "\xe2\x82\xac",
  "\xf0\x9f\x98\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
  "\xf5", "\xff", "\x80", "\xef\xbb\xbf", "\x01", "\x1f", "\x7f",
  "\"type\":", "\"seq\":", "\"ack\":", "\"id\":", "\"bodies\":", "\"bodies\":[]",
  "\"type\":\"data\"", "\"type\":\"ping\"", "\"type\":\"hello\"", "\"typ\\u0065\":",
  "{\"a\":[1,{\"b\":null}]}",
};

/* Values and member names for mutations that keep the JSON valid, so that
 * the envelope rules (types, duplicates, ranges) get exercised too. */
static const char *const values[] = {
  "0", "1", "-1", "1.5", "1e2", "9007199254740991", "9007199254740992", "\"x\"", "\"data\"",
  "\"ping\"", "\"hello\"", "\"\"", "null", "true", "[]", "{}", "[1,2]", "[{}]", "{\"a\":[]}",
};
static const char *const names[] = {
  "type", "seq", "ack", "id", "bodies", "x", "typ\\u0065", "",
};

typedef struct {
  GRand     *rand;
  GPtrArray *corpus;  /* of GBytes */
} Fuzzer;

static gsize
pick (Fuzzer *f,
      gsize   n)
{
  return n == 0 ? 0 : (gsize) g_rand_int_range (f->rand, 0, (gint32) MIN (n, G_MAXINT32));
}

static void
insert_token (Fuzzer *f,
              GArray *input)
{
  const char *token = tokens[pick (f, G_N_ELEMENTS (tokens))];
  gsize at = pick (f, input->len + 1);

  g_array_insert_vals (input, at, token, strlen (token));
}

/* Replaces the number around a random digit with another value. */
static void
swap_number (Fuzzer *f,
             GArray *input)
{
  const char *value = values[pick (f, G_N_ELEMENTS (values))];
  gsize start = pick (f, input->len + 1);
  gsize end;

  while (start < input->len && !g_ascii_isdigit (input->data[start]))
    start++;
  if (start == input->len)
    return;
  while (start > 0 && strchr ("0123456789.eE+-", input->data[start - 1]) != NULL)
    start--;
  for (end = start; end < input->len && strchr ("0123456789.eE+-", input->data[end]) != NULL; end++)
    ;

  g_array_remove_range (input, start, end - start);
  g_array_insert_vals (input, start, value, strlen (value));
}

/* Adds "name":value, after a random '{'. */
static void
insert_member (Fuzzer *f,
               GArray *input)
{
  g_autofree char *member = g_strdup_printf ("\"%s\":%s,", names[pick (f, G_N_ELEMENTS (names))],
                                             values[pick (f, G_N_ELEMENTS (values))]);
  gsize at = pick (f, input->len + 1);

  while (at < input->len && input->data[at] != '{')
    at++;
  if (at < input->len)
    g_array_insert_vals (input, at + 1, member, strlen (member));
}

static void
mutate_once (Fuzzer *f,
             GArray *input)
{
  switch (pick (f, 12))
    {
    case 10:
      swap_number (f, input);
      break;

    case 11:
      insert_member (f, input);
      break;

    case 0:  /* flip a bit */
      if (input->len > 0)
        input->data[pick (f, input->len)] ^= (char) (1 << pick (f, 8));
      break;

    case 1:  /* replace a byte with any byte */
      if (input->len > 0)
        input->data[pick (f, input->len)] = (char) pick (f, 256);
      break;

    case 2:
    case 3:
      insert_token (f, input);
      break;

    case 4:  /* delete a few bytes */
      if (input->len > 0)
        {
          gsize at = pick (f, input->len);
          gsize len = 1 + pick (f, 8);  /* not inside MIN (): it evaluates twice */

          g_array_remove_range (input, at, MIN (len, input->len - at));
        }
      break;

    case 5:  /* duplicate a piece elsewhere */
      if (input->len > 0)
        {
          gsize at = pick (f, input->len);
          gsize len = 1 + pick (f, 32);
          g_autofree char *piece = NULL;

          len = MIN (len, input->len - at);
          piece = g_memdup2 (input->data + at, len);

          g_array_insert_vals (input, pick (f, input->len + 1), piece, len);
        }
      break;

    case 6:  /* splice: our head, another seed's tail */
      {
        GBytes *other = g_ptr_array_index (f->corpus, pick (f, f->corpus->len));
        gsize other_len;
        const guint8 *other_data = g_bytes_get_data (other, &other_len);
        gsize from = pick (f, other_len + 1);

        g_array_set_size (input, pick (f, input->len + 1));
        g_array_append_vals (input, other_data + from, other_len - from);
      }
      break;

    case 7:  /* truncate */
      g_array_set_size (input, pick (f, input->len + 1));
      break;

    case 8:  /* nest: open many containers, and maybe close them */
      {
        gsize depth = 1 + pick (f, 140);
        /* Wrapping the whole input keeps it valid: the way to 129 levels. */
        gsize at = pick (f, 2) ? 0 : pick (f, input->len + 1);
        const char *open = pick (f, 2) ? "[" : "{\"k\":";

        for (gsize i = 0; i < depth; i++)
          g_array_insert_vals (input, at, open, strlen (open));
        if (pick (f, 2))
          for (gsize i = 0; i < depth; i++)
            g_array_append_vals (input, open[0] == '[' ? "]" : "}", 1);
      }
      break;

    default:  /* replace a byte with a token */
      if (input->len > 0)
        {
          g_array_remove_index (input, pick (f, input->len));
          insert_token (f, input);
        }
      break;
    }
}

static void
add_seed (GPtrArray  *corpus,
          const char *text,
          gsize       len)
{
  g_ptr_array_add (corpus, g_bytes_new (text, len));
}

static void
load_corpus (GPtrArray *corpus)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GString) frame = g_string_new ("{\"type\":\"data\",\"seq\":1,\"ack\":0,\"bodies\":[");
  const char *name;

  if (dir == NULL)
    g_error ("no seed corpus in %s (set G_TEST_SRCDIR to the tests directory)", path);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      if (!g_file_get_contents (file, &contents, &len, NULL))
        g_error ("cannot read %s", file);
      add_seed (corpus, contents, len);
    }
  g_assert_cmpuint (corpus->len, >=, 8);

  /* Generated seeds: too big or too regular for files. */
  for (guint i = 0; i < 64; i++)
    g_string_append_printf (frame, "%s{\"kind\":\"reading\",\"v\":%u}", i ? "," : "", i);
  g_string_append (frame, "]}");
  add_seed (corpus, frame->str, frame->len);

  g_string_assign (frame, "{\"type\":\"data\",\"seq\":2,\"bodies\":[");
  for (guint i = 0; i < 126; i++)
    g_string_append_c (frame, '[');
  for (guint i = 0; i < 126; i++)
    g_string_append_c (frame, ']');
  g_string_append (frame, "]}");
  add_seed (corpus, frame->str, frame->len);
}

static void
test_fuzz_json (void)
{
  guint32 seed = (guint32) eit_test_env_number ("EIT_FUZZ_SEED", DEFAULT_SEED);
  guint64 iterations = eit_test_env_number ("EIT_FUZZ_ITERATIONS", DEFAULT_ITERATIONS);
  g_autoptr(GPtrArray) corpus = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) input = g_array_new (FALSE, FALSE, sizeof (char));
  Fuzzer f = { g_rand_new_with_seed (seed), corpus };
  gint64 start = g_get_monotonic_time ();
  guint64 verdicts[FUZZ_JSON_ENVELOPE + 1] = { 0, };

  load_corpus (corpus);
  g_test_message ("EIT_FUZZ_SEED=%" G_GUINT32_FORMAT " EIT_FUZZ_ITERATIONS=%" G_GUINT64_FORMAT
                  ", %u seeds", seed, iterations, corpus->len);

  /* The seeds themselves first. */
  for (guint i = 0; i < corpus->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (corpus, i), &len);

      fuzz_json_check (data, len);
    }

  for (guint64 i = 0; i < iterations; i++)
    {
      GBytes *seed_input = g_ptr_array_index (corpus, pick (&f, corpus->len));
      gsize len;
      const guint8 *data = g_bytes_get_data (seed_input, &len);
      gsize n_mutations = 1 + pick (&f, 4);

      g_array_set_size (input, 0);
      g_array_append_vals (input, data, len);
      for (gsize m = 0; m < n_mutations; m++)
        mutate_once (&f, input);
      if (input->len > MAX_INPUT_SIZE)
        g_array_set_size (input, MAX_INPUT_SIZE);

      verdicts[fuzz_json_check ((const guint8 *) input->data, input->len)]++;
    }

  /* How deep the mutants went: a fuzzer whose inputs all fail at the
   * first byte tests nothing. */
  g_test_message ("%" G_GUINT64_FORMAT " inputs in %.1f s: %" G_GUINT64_FORMAT " invalid, %"
                  G_GUINT64_FORMAT " valid JSON, %" G_GUINT64_FORMAT " accepted envelopes",
                  iterations, (g_get_monotonic_time () - start) / 1e6,
                  verdicts[FUZZ_JSON_INVALID], verdicts[FUZZ_JSON_VALID],
                  verdicts[FUZZ_JSON_ENVELOPE]);
  if (iterations >= 10000)
    {
      g_assert_cmpuint (verdicts[FUZZ_JSON_VALID], >, iterations / 100);
      g_assert_cmpuint (verdicts[FUZZ_JSON_ENVELOPE], >, iterations / 100);
    }
  g_rand_free (f.rand);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fuzz/json", test_fuzz_json);

  return g_test_run ();
}
