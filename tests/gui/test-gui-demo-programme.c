/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The demo hub's programme reaches every panel: in its slow-consumer phase
 * the Back-off panel shows the sender waiting for credit and the send
 * queue growing; the charts carry it. (About 30 s: the demo's own timing.) */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "eit-gui-test.h"

static void
programme_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitBackoffPage *page = eit_monitor_window_get_backoff_page (test->window);
  const EitHubMetrics *m = eit_hub_watch_get_metrics (watch);
  g_autofree char *shot = NULL;
  guint max_queue = 0;
  gint64 deadline;

  eit_monitor_window_show_view (test->window, "backoff");
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 20000));
  g_assert_true (eit_test_wait_until (eit_backoff_page_is_active (page), 5000));

  /* The slow consumer: the hub stops consuming, we wait for credit and
   * our send queue grows. The credit need not reach 0: the last few
   * messages of it wait for more (silly-window avoidance, PROTOCOL.md 6.4),
   * so a wait for exactly 0 failed whenever the batches of the demo's
   * 100/s did not end on the window's edge. */
  g_assert_true (eit_test_wait_until (m->have_flow && m->flow.waiting_for_credit &&
                                      m->flow.queue_depth > 10, 40000));
  g_test_message ("slow consumer: credit %u of %u, queue %u, in flight %u, waited %" G_GINT64_FORMAT " µs",
                  m->flow.credit_messages, m->flow.peer_window_messages, m->flow.queue_depth,
                  m->flow.in_flight_messages, m->flow.credit_wait_time);
  /* The credit left is less than half of either window (what 6.4 holds). */
  g_assert_true (m->flow.credit_messages < m->flow.peer_window_messages / 2 ||
                 m->flow.credit_bytes < m->flow.adapted_window / 2);
  eit_test_run_for (1500);
  g_assert_cmpstr (eit_backoff_page_get_detail (page, "queue"), ==, _("messages waiting for credit"));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "demo-slow-consumer-backoff");
  g_clear_pointer (&shot, g_free);
  g_assert_cmpuint (m->flow.credit_wait_time, >, 0);

  /* Recovery: the queue drains. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && !(m->flow.queue_depth == 0 && m->flow.credit_messages > 0))
    {
      max_queue = MAX (max_queue, m->flow.queue_depth);
      eit_test_iterate ();
    }
  g_assert_cmpuint (m->flow.queue_depth, ==, 0);
  g_test_message ("recovered: credit %u, rtt last %.2f ms p50 %.2f p99 %.2f, pings %" G_GUINT64_FORMAT,
                  m->flow.credit_messages, m->flow.rtt_last, m->flow.rtt_p50, m->flow.rtt_p99,
                  m->flow.pings_sent);
  eit_test_run_for (1000);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "demo-recovered-backoff");
  g_clear_pointer (&shot, g_free);
  eit_monitor_window_show_view (test->window, "traffic");
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "demo-programme-traffic");
}

static void
test_programme (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (programme_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/demo/slow-consumer-and-recovery", test_programme);

  return g_test_run ();
}
