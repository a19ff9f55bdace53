/* SPDX-License-Identifier: GPL-3.0-or-later */
/* First launch with nothing configured: the demo hub starts in-process, the
 * app connects to it and every panel moves within seconds. */
#include "config.h"

#include "eit-gui-test.h"

#define CONNECT_TIMEOUT_MS 20000

static void
launch_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitDemoHub *demo = eit_monitor_application_get_demo_hub (test->app);
  EitConnectionPage *connection_page = eit_monitor_window_get_connection_page (test->window);
  EitTrafficPage *traffic_page = eit_monitor_window_get_traffic_page (test->window);
  EitBackoffPage *backoff_page = eit_monitor_window_get_backoff_page (test->window);
  EitMessageLogView *log_view = eit_traffic_page_get_log_view (traffic_page);
  const EitHubMetrics *m;
  g_autofree char *shot = NULL;

  g_assert_nonnull (demo);
  g_assert_nonnull (watch);
  m = eit_hub_watch_get_metrics (watch);

  /* The demo hub is the selected hub, and says so. */
  g_assert_true (eit_hub_config_is_demo (eit_monitor_window_get_selected_config (test->window)));
  g_assert_cmpuint (eit_hub_store_get_n_configured (eit_monitor_application_get_store (test->app)), ==, 0);

  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, CONNECT_TIMEOUT_MS));
  g_assert_true (eit_test_wait_until (g_strcmp0 (eit_connection_page_get_state_text (connection_page),
                                                 "Connected") == 0, 2000));

  /* Security details come from the live connection. */
  g_assert_true (eit_test_wait_until (g_strcmp0 (eit_connection_page_get_value (connection_page,
                                                                                "peer-fingerprint"),
                                                 eit_demo_hub_get_fingerprint (demo)) == 0, 3000));
  g_assert_nonnull (eit_connection_page_get_value (connection_page, "tls-version"));
  g_assert_cmpstr (eit_connection_page_get_value (connection_page, "tls-version"), !=, "–");

  /* Traffic flows within seconds. */
  g_assert_true (eit_test_wait_until (m->messages_in > 10, 8000));
  g_assert_true (eit_test_wait_until (eit_sample_series_get_n_rows (eit_hub_watch_get_series (watch)) > 8,
                                      5000));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "launch-connection");
  g_clear_pointer (&shot, g_free);

  /* Further down: the layers the hub speaks and the TLS details. */
  {
    GtkWidget *scrolled = gtk_widget_get_first_child (GTK_WIDGET (connection_page));
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

    g_assert_true (g_str_has_prefix (eit_connection_page_get_value (connection_page, "mode"),
                                     "Full protocol"));
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
    shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "launch-connection-security");
    g_clear_pointer (&shot, g_free);
    gtk_adjustment_set_value (adjustment, 0);
  }

  eit_monitor_window_show_view (test->window, "traffic");
  g_assert_true (eit_test_wait_until (g_list_model_get_n_items (eit_message_log_view_get_model (log_view)) > 0,
                                      5000));
  g_assert_true (eit_test_wait_until (eit_chart_get_description (eit_traffic_page_get_messages_chart (traffic_page)) != NULL,
                                      3000));
  g_test_message ("messages chart: %s",
                  eit_chart_get_description (eit_traffic_page_get_messages_chart (traffic_page)));
  eit_message_log_view_select (log_view, 0);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "launch-traffic");
  g_clear_pointer (&shot, g_free);

  /* The demo hub speaks the full protocol: the back-off panel is live. */
  eit_monitor_window_show_view (test->window, "backoff");
  g_assert_true (eit_test_wait_until (eit_backoff_page_is_active (backoff_page), 5000));
  g_assert_true (eit_test_wait_until (eit_chart_get_description (eit_backoff_page_get_rtt_chart (backoff_page)) != NULL,
                                      3000));
  eit_test_run_for (1500);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "launch-backoff");
}

static void
test_launch_demo (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (launch_body, NULL);
}

static void
dark_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.eithub.Monitor");
  g_autofree char *shot = NULL;

  g_settings_set_enum (settings, "color-scheme", 2);
  g_assert_true (adw_style_manager_get_dark (adw_style_manager_get_default ()));
  g_assert_true (eit_test_wait_until (eit_hub_watch_get_metrics (watch)->messages_in > 10,
                                      CONNECT_TIMEOUT_MS));
  eit_monitor_window_show_view (test->window, "traffic");
  eit_test_run_for (2000);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "dark-traffic");
  g_settings_set_enum (settings, "color-scheme", 0);
}

static void
test_dark_style (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (dark_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/launch/demo-hub-connects", test_launch_demo);
  g_test_add_func ("/gui/launch/dark-style", test_dark_style);

  return g_test_run ();
}
