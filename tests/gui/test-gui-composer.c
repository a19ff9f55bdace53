/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The composer refuses text that is not valid JSON, shows the parse error
 * at its position (line, column, byte) and sends nothing; valid JSON is
 * sent and appears in the log as outgoing, once. */
#include "config.h"

#include <string.h>

#include "eit-gui-test.h"

/* The outgoing messages of type in the log, after splicing in what is
 * pending. The demo generator's own outgoing messages are of another type. */
static guint
count_out (EitMessageLog *log,
           const char    *type)
{
  GListModel *model = eit_message_log_get_model (log);
  guint n = 0;

  eit_message_log_flush (log);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(EitLogEntry) e = g_list_model_get_item (model, i);
      n += eit_log_entry_get_direction (e) == EIT_LOG_DIRECTION_OUT &&
           g_strcmp0 (eit_log_entry_get_message_type (e), type) == 0;
    }
  return n;
}

static void
composer_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitTrafficPage *page = eit_monitor_window_get_traffic_page (test->window);
  EitComposer *composer = eit_traffic_page_get_composer (page);
  EitMessageLog *log = eit_hub_watch_get_log (watch);
  const EitHubMetrics *m = eit_hub_watch_get_metrics (watch);
  const char *invalid = "{\n  \"type\": \"greeting\",\n  \"text\": \"hi\"\n  \"to\": \"hub\"\n}";
  gsize offset = strstr (invalid, "\"to\"") - invalid;
  g_autofree char *expected = NULL;
  g_autofree char *shot = NULL;

  eit_monitor_window_show_view (test->window, "traffic");
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 20000));

  /* A missing comma: refused, with where. */
  eit_composer_set_text (composer, invalid);
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (eit_composer_has_error (composer));
  g_assert_cmpint (eit_composer_get_error_offset (composer), ==, (gssize) offset);
  expected = g_strdup_printf ("Line 4, column 3 (byte %" G_GSIZE_FORMAT ")", offset);
  g_test_message ("composer says: %s", eit_composer_get_status (composer));
  g_assert_nonnull (strstr (eit_composer_get_status (composer), expected));
  g_assert_nonnull (strstr (eit_composer_get_status (composer), "Not sent"));
  eit_test_run_for (300);
  g_assert_cmpuint (count_out (log, "greeting"), ==, 0);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "composer-invalid-json");
  g_clear_pointer (&shot, g_free);

  /* Other refusals: nothing typed, trailing garbage. */
  eit_composer_set_text (composer, "   ");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (eit_composer_has_error (composer));
  eit_composer_set_text (composer, "{\"type\": \"x\"} extra");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (eit_composer_has_error (composer));
  g_assert_cmpint (eit_composer_get_error_offset (composer), ==, 14);

  /* Editing clears the complaint; Format indents; valid JSON is sent. */
  eit_composer_set_text (composer, "{\"type\":\"greeting\",\"n\":1.50}");
  g_assert_false (eit_composer_has_error (composer));
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.format", NULL);
  {
    g_autofree char *text = eit_composer_dup_text (composer);
    g_assert_cmpstr (text, ==, "{\n  \"type\": \"greeting\",\n  \"n\": 1.50\n}");
  }
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_false (eit_composer_has_error (composer));
  g_assert_true (g_str_has_prefix (eit_composer_get_status (composer), "Sent at"));
  g_assert_cmpuint (count_out (log, "greeting"), ==, 1);

  /* Not connected: refused with what to do. */
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.disconnect", NULL);
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_DISCONNECTED, 5000));
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (eit_composer_has_error (composer));
  g_assert_nonnull (strstr (eit_composer_get_status (composer), "not connected"));
}

static void
test_composer (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (composer_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/composer/refuses-invalid-json", test_composer);

  return g_test_run ();
}
