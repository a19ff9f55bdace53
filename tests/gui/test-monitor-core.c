/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The monitor's runtime pieces without a window: the bounded log stays
 * bounded over a million messages, the sample ring keeps its capacity, the
 * message-type scan and the verbatim pretty-printer, normalization. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "eit-log-entry.h"
#include "eit-message-log.h"
#include "eit-normalized-series.h"
#include "eit-sample-series.h"
#include "eit-state-timeline.h"

static void
test_log_bounded (void)
{
  EitMessageLog *log = eit_message_log_new (1000);
  GListModel *model = eit_message_log_get_model (log);
  g_autoptr(EitLogEntry) newest = NULL;
  char json[64];

  for (guint i = 1; i <= 1000000; i++)
    {
      int len = g_snprintf (json, sizeof json, "{\"type\":\"t%u\",\"n\":%u}", i % 3, i);
      eit_message_log_append_text (log, EIT_LOG_DIRECTION_IN, json, len);
      g_assert_cmpuint (eit_message_log_get_n_pending (log), <, 2000);
      if (i % 333 == 0)
        eit_message_log_flush (log);
    }
  eit_message_log_flush (log);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1000);
  g_assert_cmpuint (eit_message_log_get_n_appended (log), ==, 1000000);
  newest = g_list_model_get_item (model, 0);
  g_assert_cmpstr (eit_log_entry_get_text (newest), ==, "{\"type\":\"t1\",\"n\":1000000}");
  g_assert_cmpstrv (eit_message_log_get_types (log), ((const char *[]) { "t0", "t2", "t1", NULL }));

  /* Paused: the model stands still, pending stays bounded. */
  eit_message_log_set_paused (log, TRUE);
  for (guint i = 0; i < 50000; i++)
    eit_message_log_append_text (log, EIT_LOG_DIRECTION_OUT, "{}", 2);
  g_assert_cmpuint (eit_message_log_flush (log), ==, 0);
  g_assert_cmpuint (eit_message_log_get_n_pending (log), <, 2000);
  eit_message_log_set_paused (log, FALSE);
  g_assert_cmpuint (eit_message_log_flush (log), ==, 1000);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1000);

  eit_message_log_set_limit (log, 10);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 10);
  g_assert_finalize_object (log);
}

static void
test_message_type (void)
{
  static const struct { const char *json; const char *type; } cases[] = {
    { "{\"type\":\"hello\"}", "hello" },
    { " { \"a\" : {\"type\":\"inner\"}, \"type\" : \"outer\" } ", "outer" },
    { "{\"kind\":\"reading\",\"x\":1}", "reading" },
    { "{\"event\":\"e\",\"kind\":\"k\"}", "k" },
    { "{\"kind\":\"k\",\"type\":\"t\"}", "t" },
    { "{\"text\":\"\\\"type\\\":\\\"no\\\"\"}", NULL },
    { "{\"type\":1}", NULL },
    { "[{\"type\":\"x\"}]", NULL },
    { "\"type\"", NULL },
    { "{\"type\":\"unterminated", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *type = eit_log_scan_message_type (cases[i].json, strlen (cases[i].json));
      g_assert_cmpstr (type, ==, cases[i].type);
    }
}

static void
test_pretty (void)
{
  g_autofree char *a = eit_json_pretty ("{\"v\":23.31,\"s\":\"a, b: {c}\",\"e\":[],\"o\":{},\"l\":[1,2]}");
  g_autofree char *b = eit_json_pretty ("  [ ]  ");

  g_assert_cmpstr (a, ==,
                   "{\n  \"v\": 23.31,\n  \"s\": \"a, b: {c}\",\n  \"e\": [],\n  \"o\": {},\n"
                   "  \"l\": [\n    1,\n    2\n  ]\n}");
  g_assert_cmpstr (b, ==, "[]");
}

static void
test_entry (void)
{
  g_autofree char *big = g_strnfill (EIT_LOG_ENTRY_MAX_TEXT * 2, 'x');
  EitLogEntry *entry = eit_log_entry_new (0, EIT_LOG_DIRECTION_IN, "{\n\t\"a\" :  1 }", 14);
  g_autofree char *summary = eit_log_entry_dup_summary (entry, 100);

  g_assert_cmpstr (summary, ==, "{ \"a\" : 1 }");
  g_assert_true (eit_log_entry_matches (entry, "\"a\""));
  g_assert_false (eit_log_entry_matches (entry, "zzz"));
  g_assert_finalize_object (entry);

  entry = eit_log_entry_new (0, EIT_LOG_DIRECTION_OUT, big, strlen (big));
  g_assert_true (eit_log_entry_is_truncated (entry));
  g_assert_cmpuint (eit_log_entry_get_size (entry), ==, EIT_LOG_ENTRY_MAX_TEXT * 2);
  g_assert_cmpuint (strlen (eit_log_entry_get_text (entry)), ==, EIT_LOG_ENTRY_MAX_TEXT);
  g_assert_finalize_object (entry);
}

static void
test_series_ring (void)
{
  const char *columns[] = { "a", "b", NULL };
  EitSampleSeries *series = eit_sample_series_new (columns, 100);
  EitNormalizedSeries *normalized = eit_normalized_series_new (series, 0);

  for (guint i = 0; i < 1000; i++)
    {
      double values[2] = { i, i % 2 ? NAN : 1 };
      eit_sample_series_append (series, (gint64) i * 1000, values);
    }
  g_assert_cmpuint (eit_sample_series_get_n_rows (series), ==, 1000);
  g_assert_cmpuint (eit_sample_series_get_first_row (series), ==, 900);
  g_assert_cmpint (eit_sample_series_get_time (series, 950), ==, 950000);
  g_assert_cmpuint (eit_sample_series_find_row (series, 950500), ==, 951);
  g_assert_cmpuint (eit_sample_series_find_row (series, 0), ==, 900);
  g_assert_true (isnan (eit_sample_series_get_value (series, 951, 1)));

  eit_normalized_series_set_range (normalized, 1000);
  g_assert_cmpuint (eit_normalized_series_update (normalized), ==, 100);
  g_assert_cmpfloat_with_epsilon (eit_normalized_series_get (normalized, 999), 0.999, 1e-6);
  g_assert_cmpuint (eit_normalized_series_update (normalized), ==, 0);
  {
    double values[2] = { 500, 0 };
    eit_sample_series_append (series, 1000000, values);
  }
  g_assert_cmpuint (eit_normalized_series_update (normalized), ==, 1);
  eit_normalized_series_set_range (normalized, 500);
  g_assert_cmpuint (eit_normalized_series_update (normalized), ==, 100);
  g_assert_cmpfloat (eit_normalized_series_get (normalized, 1000), ==, 1.0f);

  g_assert_finalize_object (normalized);
  g_assert_finalize_object (series);
}

static void
test_timeline (void)
{
  EitStateTimeline *timeline = eit_state_timeline_new (3);

  for (guint i = 0; i < 10; i++)
    eit_state_timeline_append (timeline, i * 10, i % 2 ? EIT_CONNECTION_STATE_CONNECTED
                                                       : EIT_CONNECTION_STATE_BACKING_OFF, "why");
  g_assert_cmpuint (eit_state_timeline_get_n_entries (timeline), ==, 3);
  g_assert_null (eit_state_timeline_lookup (timeline, 5));
  g_assert_cmpint (eit_state_timeline_lookup (timeline, 75)->time, ==, 70);
  g_assert_cmpint (eit_state_timeline_lookup (timeline, 1000)->state, ==, EIT_CONNECTION_STATE_CONNECTED);
  g_assert_finalize_object (timeline);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/monitor/core/log-bounded-over-a-million", test_log_bounded);
  g_test_add_func ("/monitor/core/message-type", test_message_type);
  g_test_add_func ("/monitor/core/pretty-verbatim", test_pretty);
  g_test_add_func ("/monitor/core/log-entry", test_entry);
  g_test_add_func ("/monitor/core/sample-ring", test_series_ring);
  g_test_add_func ("/monitor/core/timeline", test_timeline);

  return g_test_run ();
}
