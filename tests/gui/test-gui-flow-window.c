/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Back-off panel shows the delivery-rate window (PROTOCOL.md 6.4): the
 * window the measured rate allows and the rate itself, once the traffic has
 * filled the window; before that it says that nothing is measured yet. */
#include "config.h"

#include <string.h>

#include "eit-gui-test.h"

static void
flow_window_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitBackoffPage *page = eit_monitor_window_get_backoff_page (test->window);
  const EitHubMetrics *m = eit_hub_watch_get_metrics (watch);
  g_autofree char *shot = NULL;
  g_autofree char *window = NULL;

  eit_monitor_window_show_view (test->window, "backoff");
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 20000));
  g_assert_true (eit_test_wait_until (eit_backoff_page_is_active (page), 5000));

  /* The demo's light traffic never fills the window: such samples say
   * nothing of the path (PROTOCOL.md 6.4), so no rate is shown yet. */
  g_assert_true (eit_test_wait_until (m->have_flow, 20000));
  eit_test_run_for (1200);
  g_assert_cmpfloat (m->flow.delivery_rate, ==, 0);
  g_assert_true (g_str_has_prefix (eit_backoff_page_get_detail (page, "rate-window"),
                                   "no delivery rate measured yet"));

  /* A burst that fills the window measures the path. */
  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"burst\":%u,\"pad\":\"%0200u\"}", i, i);
      g_assert_true (eit_hub_watch_send (watch, json));
    }
  g_assert_true (eit_test_wait_until (m->flow.delivery_rate > 0, 20000));
  eit_test_run_for (1200);
  g_test_message ("window %" G_GUINT64_FORMAT " B, rate %.0f B/s, frames up to %" G_GUINT64_FORMAT
                  " B; card: %s", m->flow.adapted_window, m->flow.delivery_rate, m->flow.frame_bound,
                  eit_backoff_page_get_value (page, "rate-window"));
  g_assert_cmpuint (m->flow.adapted_window, >=, 4096);
  g_assert_cmpuint (m->flow.frame_bound, >=, 1);
  g_assert_cmpuint (m->flow.frame_bound, <=, 65536);
  window = g_strdup (eit_backoff_page_get_value (page, "rate-window"));
  g_assert_nonnull (window);
  g_assert_cmpstr (window, !=, "–");
  /* The card is a size, like "16.4 kB" or "812 B". */
  g_assert_true (g_str_has_suffix (window, "B"));
  /* The demo hub reports how long our data queued on its way ("qd"). */
  g_assert_cmpfloat (m->flow.queue_delay, >=, 0);
  g_assert_nonnull (strstr (eit_backoff_page_get_detail (page, "rate-window"), " on the way; "));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "backoff-rate-window");
}

static void
test_flow_window (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (flow_window_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/backoff/delivery-rate-window", test_flow_window);

  return g_test_run ();
}
