/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The back-off layer end to end: credit windows, the bounded send queue,
 * keep-alives with round-trip time, and a peer that overruns its credit. */
#include "config.h"

#include <string.h>

#include "eit-test-util.h"

typedef struct {
  guint64 next;
  guint64 received;
  guint64 wrong;
} Counter;

static void
on_hub_message (EitHubServer  *server,
                EitHubSession *session,
                const char    *json,
                gulong         len,
                gpointer       user_data)
{
  Counter *c = user_data;
  const char *p = strstr (json, "\"n\":");

  c->received++;
  if (p == NULL || g_ascii_strtoull (p + 4, NULL, 10) != c->next)
    c->wrong++;
  c->next++;
}

static EitHubSession *
only_session (EitTestHub *hub)
{
  GPtrArray *sessions = eit_hub_server_get_sessions (hub->server);

  g_assert_cmpuint (sessions->len, ==, 1);
  return g_ptr_array_index (sessions, 0);
}

static void
test_stalled_receiver (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  const guint window = 64, queue_limit = 512;
  const guint64 total = 100000;
  Counter at_hub = { 1, 0, 0 };
  EitFlow *hub_flow, *flow;
  EitFlowStats stats;
  guint64 accepted = 0, refused = 0;
  guint max_in_flight = 0, max_queue = 0;
  gint64 stall_until;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  g_object_set (hub->server, "window-messages", window, NULL);
  g_object_set (connection, "send-queue-limit", queue_limit, "keepalive-interval", 50, NULL);
  g_signal_connect (hub->server, "message", G_CALLBACK (on_hub_message), &at_hub);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  flow = eit_connection_get_flow (connection);
  hub_flow = eit_hub_session_get_flow (only_session (hub));

  /* The receiver stops reading for a while as the sender offers 100,000. */
  eit_flow_set_receiving_paused (hub_flow, TRUE);
  stall_until = g_get_monotonic_time () + 700 * 1000;

  while (at_hub.received < total && g_get_monotonic_time () < deadline)
    {
      while (accepted < total)
        {
          g_autofree char *json = g_strdup_printf ("{\"n\":%" G_GUINT64_FORMAT "}", accepted + 1);

          if (!eit_connection_send (connection, json))
            {
              refused++;
              break;
            }
          accepted++;
        }
      eit_flow_get_stats (flow, &stats);
      max_in_flight = MAX (max_in_flight, stats.in_flight_messages);
      max_queue = MAX (max_queue, stats.queue_depth);
      g_assert_cmpuint (stats.in_flight_messages, <=, window);
      g_assert_cmpuint (stats.queue_depth, <=, queue_limit);
      if (stall_until != 0 && g_get_monotonic_time () > stall_until)
        {
          /* Control messages kept flowing while data could not. */
          g_assert_cmpuint (stats.pongs_received, >, 0);
          g_assert_cmpfloat (stats.rtt_p99, <, 250);
          g_assert_cmpint (stats.credit_wait_time, >, 0);
          g_assert_cmpuint (at_hub.received, ==, 0);
          eit_flow_set_receiving_paused (hub_flow, FALSE);
          stall_until = 0;
        }
      eit_test_iterate ();
    }

  eit_flow_get_stats (flow, &stats);
  g_test_message ("max in flight %u (window %u), max queue %u (limit %u), refused sends %" G_GUINT64_FORMAT
                  ", frames %" G_GUINT64_FORMAT ", rtt p99 %.2f ms, credit wait %.0f ms",
                  max_in_flight, window, max_queue, queue_limit, refused, stats.frames_out,
                  stats.rtt_p99, stats.credit_wait_time / 1000.0);
  g_assert_cmpuint (at_hub.received, ==, total);
  g_assert_cmpuint (at_hub.wrong, ==, 0);
  g_assert_cmpuint (refused, >, 0);
  g_assert_cmpuint (max_in_flight, ==, window);
  /* Coalescing: far fewer frames than messages. */
  g_assert_cmpuint (stats.frames_out, <, total / 4);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
test_keepalive_idle (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  EitFlowStats stats;
  guint timeouts = 0, reconnects = 0;

  /* Twenty inactivity periods of silence from the application. */
  g_object_set (hub->server, "inactivity-timeout", 200, "keepalive-interval", 60, NULL);
  g_object_set (connection, "inactivity-timeout", 200, "keepalive-interval", 60, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  eit_test_run_for (4000);

  g_object_get (connection, "timeouts", &timeouts, "reconnects", &reconnects, NULL);
  eit_flow_get_stats (eit_connection_get_flow (connection), &stats);
  g_test_message ("pings %" G_GUINT64_FORMAT ", pongs %" G_GUINT64_FORMAT ", rtt last %.2f p50 %.2f p99 %.2f ms",
                  stats.pings_sent, stats.pongs_received, stats.rtt_last, stats.rtt_p50, stats.rtt_p99);
  g_assert_cmpuint (timeouts, ==, 0);
  g_assert_cmpuint (reconnects, ==, 0);
  g_assert_true (eit_connection_is_connected (connection));
  g_assert_cmpuint (stats.pings_sent, >=, 20);
  g_assert_cmpuint (stats.pongs_received, >=, 20);
  g_assert_cmpuint (stats.pings_received, >=, 20);
  g_assert_cmpfloat (stats.rtt_last, >=, 0);
  g_assert_cmpfloat (stats.rtt_p99, >=, stats.rtt_p50);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
test_credit_overrun (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  g_autoptr(GError) error = NULL;
  EitTransport *rogue;
  const char *hello = "{\"type\":\"hello\",\"instance\":\"rogue\",\"generation\":1,\"session\":null,"
                      "\"epoch\":null,\"recv\":0,\"ack\":0,"
                      "\"window\":{\"messages\":8,\"bytes\":8192},\"keepalive_ms\":0}";
  const char *flood = "{\"type\":\"data\",\"seq\":1,\"bodies\":[1,2,3,4,5,6]}";

  g_object_set (hub->server, "window-messages", 4, NULL);
  rogue = eit_test_transport_to_hub (hub, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (eit_transport_send (rogue, hello, strlen (hello)));
  /* Six messages against a window of four, without waiting for credit. */
  g_assert_true (eit_transport_send (rogue, flood, strlen (flood)));
  g_assert_true (eit_test_transport_wait_closed (rogue, 5000));
  g_assert_cmpuint (eit_transport_get_close_code (rogue), ==, EIT_CLOSE_CREDIT_OVERRUN);
  g_assert_nonnull (strstr (eit_transport_get_close_reason (rogue), "credit overrun"));
  g_test_message ("overrun closed: %u %s", eit_transport_get_close_code (rogue),
                  eit_transport_get_close_reason (rogue));
  g_assert_finalize_object (rogue);
}

static void
test_queue_full (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  EitFlowStats stats;
  guint accepted = 0;

  g_object_set (hub->server, "window-messages", 5, NULL);
  g_object_set (connection, "send-queue-limit", 10, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  eit_flow_set_receiving_paused (eit_hub_session_get_flow (only_session (hub)), TRUE);

  for (guint i = 0; i < 40; i++)
    {
      if (eit_connection_send (connection, "{\"n\":0}"))
        accepted++;
      eit_test_run_for (2);
    }
  eit_flow_get_stats (eit_connection_get_flow (connection), &stats);
  /* The window (5) plus the queue (10), and not one more. */
  g_assert_cmpuint (accepted, ==, 15);
  g_assert_cmpuint (stats.rejected, ==, 25);
  g_assert_cmpuint (stats.queue_depth, ==, 10);
  g_assert_cmpuint (stats.in_flight_messages, ==, 5);
  g_assert_cmpuint (stats.credit_messages, ==, 0);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
test_coalescing (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  Counter at_hub = { 1, 0, 0 };
  EitFlowStats stats;
  guint64 frames_before;

  g_signal_connect (hub->server, "message", G_CALLBACK (on_hub_message), &at_hub);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  eit_flow_get_stats (eit_connection_get_flow (connection), &stats);
  frames_before = stats.frames_out;

  for (guint i = 1; i <= 64; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"n\":%u}", i);
      g_assert_true (eit_connection_send (connection, json));
    }
  g_assert_true (eit_test_wait_until (at_hub.received == 64, 5000));
  eit_flow_get_stats (eit_connection_get_flow (connection), &stats);
  /* A burst from one callback leaves as one frame; the app still sees 64. */
  g_assert_cmpuint (stats.frames_out - frames_before, ==, 1);
  g_assert_cmpuint (at_hub.wrong, ==, 0);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
test_lone_message_not_held (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  Counter at_hub = { 1, 0, 0 };
  gint64 start;

  g_signal_connect (hub->server, "message", G_CALLBACK (on_hub_message), &at_hub);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));

  start = g_get_monotonic_time ();
  g_assert_true (eit_connection_send (connection, "{\"n\":1}"));
  g_assert_true (eit_test_wait_until (at_hub.received == 1, 5000));
  g_test_message ("one message reached the hub in %.2f ms", (g_get_monotonic_time () - start) / 1000.0);
  /* No waiting for company: well under any ack or keep-alive delay. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 200 * 1000);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/flow/stalled-receiver-100k", test_stalled_receiver);
  g_test_add_func ("/flow/keepalive-idle-link", test_keepalive_idle);
  g_test_add_func ("/flow/credit-overrun-4005", test_credit_overrun);
  g_test_add_func ("/flow/send-queue-full", test_queue_full);
  g_test_add_func ("/flow/coalescing", test_coalescing);
  g_test_add_func ("/flow/lone-message-not-held", test_lone_message_not_held);
  return g_test_run ();
}
