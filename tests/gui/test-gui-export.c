/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Export writes valid files: the JSON document and both CSV tables are
 * parsed back and checked; the token is never in them. */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "eit-gui-test.h"

/* A small RFC 4180 reader: rows of fields. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  const char *p = text;
  gboolean quoted = FALSE;

  while (*p != '\0')
    {
      if (quoted)
        {
          if (*p == '"' && p[1] == '"')
            {
              g_string_append_c (field, '"');
              p += 2;
              continue;
            }
          if (*p == '"')
            quoted = FALSE;
          else
            g_string_append_c (field, *p);
          p++;
          continue;
        }
      if (*p == '"')
        quoted = TRUE;
      else if (*p == ',')
        {
          g_ptr_array_add (row, g_strdup (field->str));
          g_string_truncate (field, 0);
        }
      else if (*p == '\r' && p[1] == '\n')
        {
          g_ptr_array_add (row, g_strdup (field->str));
          g_string_truncate (field, 0);
          g_ptr_array_add (rows, row);
          row = g_ptr_array_new_with_free_func (g_free);
          p++;
        }
      else
        g_string_append_c (field, *p);
      p++;
    }
  g_assert_false (quoted);
  g_assert_cmpuint (row->len, ==, 0);
  g_ptr_array_unref (row);
  g_string_free (field, TRUE);
  return rows;
}

static char *
export (EitGuiTest *test,
        const char *name,
        const char *format)
{
  g_autofree char *path = g_build_filename (eit_test_output_dir (), name, NULL);
  char *contents = NULL;

  g_unlink (path);
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.export-to", "(ss)", path, format);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (eit_monitor_window_get_last_toast (test->window), name));
  return contents;
}

static void
export_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitDemoHub *demo = eit_monitor_application_get_demo_hub (test->app);
  const EitHubMetrics *m = eit_hub_watch_get_metrics (watch);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *metrics_csv = NULL;
  g_autofree char *log_csv = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  JsonObject *root, *samples;
  JsonArray *log, *columns, *sample_rows;
  guint n_columns;

  g_object_set (watch, "sample-interval", 100, NULL);
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 20000));
  g_assert_true (eit_test_wait_until (m->messages_in >= 20, 10000));
  g_assert_true (eit_test_wait_until (eit_sample_series_get_n_rows (eit_hub_watch_get_series (watch)) >= 10,
                                      5000));

  /* JSON: everything in one document. */
  json = export (test, "export-test.json", "json");
  {
    g_autofree char *shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "export-toast");
  }
  g_assert_null (strstr (json, eit_demo_hub_get_token (demo)));
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "format"), ==, "eithub-monitor-export");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "hub"), "id"),
                   ==, "demo");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "metrics"), "state"),
                   ==, "connected");
  g_assert_true (json_object_has_member (json_object_get_object_member (root, "metrics"), "flow"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "timeline")), >=, 2);
  samples = json_object_get_object_member (root, "samples");
  columns = json_object_get_array_member (samples, "columns");
  sample_rows = json_object_get_array_member (samples, "rows");
  g_assert_cmpuint (json_array_get_length (sample_rows), >=, 10);
  g_assert_cmpuint (json_array_get_length (json_array_get_array_element (sample_rows, 0)), ==,
                    json_array_get_length (columns));
  log = json_object_get_array_member (root, "log");
  g_assert_cmpuint (json_array_get_length (log), >=, 20);
  {
    JsonObject *entry = json_array_get_object_element (log, json_array_get_length (log) - 1);
    g_assert_cmpstr (json_object_get_string_member (entry, "direction"), ==, "in");
    /* The message is embedded as JSON, not as a string. */
    g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (entry, "message")));
  }

  /* Metrics CSV: a header and rows of the same width. */
  metrics_csv = export (test, "export-metrics.csv", "metrics-csv");
  rows = parse_csv (metrics_csv);
  g_assert_cmpuint (rows->len, >=, 11);
  n_columns = ((GPtrArray *) g_ptr_array_index (rows, 0))->len;
  g_assert_cmpuint (n_columns, ==, EIT_N_METRICS + 1);
  g_assert_cmpstr (g_ptr_array_index ((GPtrArray *) g_ptr_array_index (rows, 0), 0), ==, "time");
  for (guint i = 1; i < rows->len; i++)
    g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (rows, i))->len, ==, n_columns);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Log CSV: the message column holds the JSON text, quoted. */
  log_csv = export (test, "export-log.csv", "log-csv");
  rows = parse_csv (log_csv);
  g_assert_cmpuint (rows->len, >=, 21);
  g_assert_cmpstr (g_ptr_array_index ((GPtrArray *) g_ptr_array_index (rows, 0), 5), ==, "message");
  for (guint i = 1; i < rows->len; i++)
    {
      GPtrArray *row = g_ptr_array_index (rows, i);
      g_autoptr(JsonParser) message = json_parser_new ();

      g_assert_cmpuint (row->len, ==, 6);
      g_assert_true (json_parser_load_from_data (message, g_ptr_array_index (row, 5), -1, NULL));
    }
}

static void
test_export (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (export_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/export/json-and-csv-parse-back", test_export);

  return g_test_run ();
}
