/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The monitor's runtime pieces without a window: the bounded log stays
 * bounded over a million messages, the sample ring keeps its capacity,
 * normalization (the message-type scan and the pretty-printer are
 * test-json's, with lib/json); the hub
 * store's model and its persistence; the enum nicks that name export
 * formats and log directions; the token store's argument checks. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "eit-hub-export.h"
#include "eit-hub-store.h"
#include "eit-log-entry.h"
#include "eit-message-log.h"
#include "eit-monitor-enums.h"
#include "eit-normalized-series.h"
#include "eit-sample-series.h"
#include "eit-state-timeline.h"
#include "eit-token-store.h"
#include "eithub.h"

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

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GString    *changes)
{
  g_string_append_printf (changes, "%u-%u+%u ", position, removed, added);
}

static void
assert_saved (GSettings   *settings,
              const char **expected)
{
  g_auto(GStrv) ids = g_settings_get_strv (settings, "hubs");

  g_assert_cmpstrv (ids, expected);
}

static const char *
id_at (EitHubStore *store,
       guint        position)
{
  g_autoptr(EitHubConfig) config = g_list_model_get_item (G_LIST_MODEL (store), position);

  return eit_hub_config_get_id (config);
}

static void
test_hub_store (void)
{
  g_autoptr(GSettings) settings = g_settings_new (EIT_SETTINGS_SCHEMA);
  g_autoptr(GString) changes = g_string_new (NULL);
  g_autoptr(EitHubConfig) demo = eit_hub_config_new_demo ("wss://127.0.0.1:1/", "sha256:00");
  g_autoptr(EitHubConfig) added = eit_hub_config_new_for_id ("hub-c");
  g_autoptr(EitHubConfig) stranger = eit_hub_config_new_for_id ("hub-x");
  const char *saved[] = { "hub-a", "hub-b", "hub-a", "", NULL };
  EitHubStore *store;

  /* Duplicates and empty ids in the key are dropped, the order is kept. */
  g_settings_set_strv (settings, "hubs", saved);
  store = eit_hub_store_new (settings);
  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), changes);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == EIT_TYPE_HUB_CONFIG);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_assert_cmpstr (id_at (store, 0), ==, "hub-a");
  g_assert_cmpstr (id_at (store, 1), ==, "hub-b");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (store), 2));

  /* The demo hub goes first and is never saved. */
  eit_hub_store_add (store, demo);
  eit_hub_store_add (store, added);
  g_assert_cmpstr (changes->str, ==, "0-0+1 3-0+1 ");
  g_assert_cmpstr (id_at (store, 0), ==, eit_hub_config_get_id (demo));
  g_assert_cmpuint (eit_hub_store_get_n_configured (store), ==, 3);
  assert_saved (settings, (const char *[]) { "hub-a", "hub-b", "hub-c", NULL });

  g_assert_true (eit_hub_store_lookup (store, "hub-c") == added);
  g_assert_nonnull (eit_hub_store_lookup (store, "hub-b"));
  g_assert_null (eit_hub_store_lookup (store, "hub-x"));
  g_assert_null (eit_hub_store_lookup (store, NULL));

  g_string_truncate (changes, 0);
  eit_hub_store_remove (store, eit_hub_store_lookup (store, "hub-a"));
  eit_hub_store_remove (store, demo);
  eit_hub_store_remove (store, stranger);
  g_assert_cmpstr (changes->str, ==, "1-1+0 0-1+0 ");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  assert_saved (settings, (const char *[]) { "hub-b", "hub-c", NULL });

  /* A second store reads what the first one saved. */
  {
    g_autoptr(EitHubStore) again = eit_hub_store_new (settings);

    g_assert_cmpstr (id_at (again, 0), ==, "hub-b");
    g_assert_cmpstr (id_at (again, 1), ==, "hub-c");
  }

  g_signal_handlers_disconnect_by_data (store, changes);
  g_assert_finalize_object (store);
}

/* The strings are the enums' nicks: the export's command-line names and
 * the log's direction column. */
static void
test_enum_names (void)
{
  EitExportFormat format = EIT_EXPORT_JSON;

  g_assert_true (eit_export_format_from_string ("metrics-csv", &format));
  g_assert_cmpint (format, ==, EIT_EXPORT_METRICS_CSV);
  g_assert_true (eit_export_format_from_string ("log-csv", &format));
  g_assert_cmpint (format, ==, EIT_EXPORT_LOG_CSV);
  g_assert_false (eit_export_format_from_string ("xml", &format));
  g_assert_false (eit_export_format_from_string (NULL, &format));
  g_assert_cmpint (format, ==, EIT_EXPORT_LOG_CSV);
  g_assert_cmpstr (eit_export_format_to_string (EIT_EXPORT_JSON), ==, "json");
  g_assert_cmpstr (eit_export_format_to_string (EIT_EXPORT_METRICS_CSV), ==, "metrics-csv");
  g_assert_cmpstr (eit_log_direction_to_string (EIT_LOG_DIRECTION_IN), ==, "in");
  g_assert_cmpstr (eit_log_direction_to_string (EIT_LOG_DIRECTION_OUT), ==, "out");

  /* The library's nick helpers, which both rest on: a value the type does
   * not have gets the fallback, and the wire's "v1" is a nick. */
  {
    int value = -1;

    g_assert_cmpstr (eit_enum_get_nick (EIT_TYPE_EXPORT_FORMAT, 99, "none"), ==, "none");
    g_assert_cmpstr (eit_connection_state_to_string (99), ==, "unknown");
    g_assert_true (eit_enum_get_value_by_nick (EIT_TYPE_PROTOCOL_MODE, "v1", &value));
    g_assert_cmpint (value, ==, EIT_PROTOCOL_MODE_FULL);
    g_assert_false (eit_enum_get_value_by_nick (EIT_TYPE_PROTOCOL_MODE, "full", &value));
    g_assert_false (eit_enum_get_value_by_nick (EIT_TYPE_PROTOCOL_MODE, NULL, &value));
    g_assert_cmpint (value, ==, EIT_PROTOCOL_MODE_FULL);
  }
}

static void
never_called_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_assert_not_reached ();
}

/* A call without a hub id is refused before any task exists: no callback,
 * and no task left to finalize without a result (GIO warns about that). */
static void
test_token_store_checks (void)
{
  g_test_expect_message ("eithub-monitor", G_LOG_LEVEL_CRITICAL, "*hub_id != NULL*");
  eit_token_store_save_async (NULL, "name", "token", NULL, never_called_cb, NULL);
  g_test_assert_expected_messages ();
  g_test_expect_message ("eithub-monitor", G_LOG_LEVEL_CRITICAL, "*hub_id != NULL*");
  eit_token_store_lookup_async (NULL, NULL, never_called_cb, NULL);
  g_test_assert_expected_messages ();
  g_test_expect_message ("eithub-monitor", G_LOG_LEVEL_CRITICAL, "*hub_id != NULL*");
  eit_token_store_clear_async (NULL, NULL, never_called_cb, NULL);
  g_test_assert_expected_messages ();
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/monitor/core/log-bounded-over-a-million", test_log_bounded);
  g_test_add_func ("/monitor/core/log-entry", test_entry);
  g_test_add_func ("/monitor/core/sample-ring", test_series_ring);
  g_test_add_func ("/monitor/core/timeline", test_timeline);
  g_test_add_func ("/monitor/core/hub-store", test_hub_store);
  g_test_add_func ("/monitor/core/enum-names", test_enum_names);
  g_test_add_func ("/monitor/core/token-store-checks", test_token_store_checks);

  return g_test_run ();
}
