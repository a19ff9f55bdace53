/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Exponential back-off with full jitter (docs/PROTOCOL.md 5.2) and the
 * round-trip statistics of keep-alives (6.3). */
#include "config.h"

#include "eit-backoff.h"
#include "eit-rtt.h"

static void
test_ceiling_grows_to_cap (void)
{
  EitBackoff backoff;
  const guint expected[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  eit_backoff_init (&backoff, 500, 30000);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpuint (eit_backoff_ceiling (&backoff), ==, expected[i]);
      g_assert_cmpuint (eit_backoff_next (&backoff, rand), <=, expected[i]);
    }
  /* Far past the cap nothing overflows. */
  backoff.attempt = 1000;
  g_assert_cmpuint (eit_backoff_ceiling (&backoff), ==, 30000);
  eit_backoff_reset (&backoff);
  g_assert_cmpuint (eit_backoff_ceiling (&backoff), ==, 500);
}

static void
test_full_jitter_spread (void)
{
  EitBackoff backoff;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint buckets[10] = { 0 };
  const guint n = 10000;

  /* 10,000 clients that lost the same hub at once, on their fifth retry:
   * their delays must cover [0, ceiling] evenly, not bunch up. */
  for (guint i = 0; i < n; i++)
    {
      guint delay;

      eit_backoff_init (&backoff, 500, 30000);
      backoff.attempt = 4;
      delay = eit_backoff_next (&backoff, rand);
      g_assert_cmpuint (delay, <=, 8000);
      buckets[MIN (delay / 800, 9)]++;
    }
  for (guint b = 0; b < 10; b++)
    {
      g_test_message ("bucket %u: %u", b, buckets[b]);
      g_assert_cmpuint (buckets[b], >, n / 10 * 8 / 10);
      g_assert_cmpuint (buckets[b], <, n / 10 * 12 / 10);
    }
}

static void
test_rtt_statistics (void)
{
  EitRtt rtt;

  eit_rtt_init (&rtt);
  g_assert_cmpfloat (rtt.last, ==, -1);
  g_assert_cmpfloat (eit_rtt_percentile (&rtt, 50), ==, -1);

  for (guint i = 1; i <= 100; i++)
    eit_rtt_add (&rtt, i);
  g_assert_cmpfloat (rtt.last, ==, 100);
  g_assert_cmpfloat (eit_rtt_percentile (&rtt, 50), ==, 50);
  g_assert_cmpfloat (eit_rtt_percentile (&rtt, 99), ==, 99);
  g_assert_cmpfloat (eit_rtt_percentile (&rtt, 100), ==, 100);
  /* The EWMA moves an eighth of the way towards each sample. */
  g_assert_cmpfloat (rtt.smoothed, >, 80);
  g_assert_cmpfloat (rtt.smoothed, <, 100);

  /* Only the last 128 samples count. */
  for (guint i = 0; i < 128; i++)
    eit_rtt_add (&rtt, 1000);
  g_assert_cmpfloat (eit_rtt_percentile (&rtt, 50), ==, 1000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backoff/ceiling-grows-to-cap", test_ceiling_grows_to_cap);
  g_test_add_func ("/backoff/full-jitter-spread", test_full_jitter_spread);
  g_test_add_func ("/rtt/statistics", test_rtt_statistics);
  return g_test_run ();
}
