/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Stop the demo hub: the panel shows "Backing off" with a countdown to the
 * next retry; start it again: connected again, one more reconnect. */
#include "config.h"

#include <string.h>

#include "eit-gui-test.h"

static void
reconnect_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitDemoHub *demo = eit_monitor_application_get_demo_hub (test->app);
  EitConnectionPage *page = eit_monitor_window_get_connection_page (test->window);
  const EitHubMetrics *m = eit_hub_watch_get_metrics (watch);
  g_autoptr(GError) error = NULL;
  g_autofree char *shot = NULL;
  guint reconnects;

  eit_gui_test_fast_timings (watch);
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 20000));
  reconnects = m->reconnects;

  eit_demo_hub_stop (demo);
  /* Retries fail while the hub is down; wait for a delay long enough to
   * see the countdown run. */
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_BACKING_OFF &&
                                      m->backoff_delay >= 300 &&
                                      g_str_has_prefix (eit_connection_page_get_countdown_text (page),
                                                        "Retrying in"), 15000));
  g_test_message ("countdown: %s; back-off delay %u ms; reason: %s",
                  eit_connection_page_get_countdown_text (page), m->backoff_delay,
                  m->state_reason);
  g_assert_cmpstr (eit_connection_page_get_state_text (page), ==, "Backing off");
  g_assert_cmpuint (m->next_retry_time, >, 0);
  g_assert_cmpstr (eit_connection_page_get_value (page, "next-retry"), !=, "None pending");
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "reconnect-backing-off");
  g_clear_pointer (&shot, g_free);

  g_assert_true (eit_demo_hub_start (demo, &error));
  g_assert_no_error (error);
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 20000));
  g_assert_true (eit_test_wait_until (g_strcmp0 (eit_connection_page_get_state_text (page),
                                                 "Connected") == 0, 2000));
  g_assert_cmpstr (eit_connection_page_get_countdown_text (page), ==, "");
  g_assert_cmpuint (m->reconnects, >, reconnects);
  /* The timeline kept the whole story: connected, backing off, connected. */
  g_assert_cmpuint (eit_state_timeline_get_n_entries (eit_hub_watch_get_timeline (watch)), >=, 4);
  eit_test_run_for (500);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "reconnect-connected-again");
}

static void
test_reconnect (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (reconnect_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/reconnect/backing-off-then-connected", test_reconnect);

  return g_test_run ();
}
