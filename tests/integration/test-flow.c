/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The back-off layer end to end: credit windows, the bounded send queue,
 * keep-alives with round-trip time, and a peer that overruns its credit;
 * bounded frames, the delivery-rate window against a slow consumer, a resume
 * in bounded frames, the byte-bounded queue and the clamp of a peer's
 * window (PROTOCOL.md 6). */
#include "config.h"

#include <string.h>

#include "eit-test-util.h"
#include "eit-fault-proxy.h"
#include "eit-flow-private.h"
#include "eit-flow-window.h"

/* A message of exactly size bytes: {"n":N,"t":T,"p":"xxx..."}. */
static char *
sized_message (guint64 n,
               gsize   size)
{
  GString *s = g_string_new (NULL);

  g_string_printf (s, "{\"n\":%" G_GUINT64_FORMAT ",\"t\":%" G_GINT64_FORMAT ",\"p\":\"",
                   n, g_get_monotonic_time ());
  while (s->len + 2 < size)
    g_string_append_c (s, 'x');
  g_string_append (s, "\"}");
  return g_string_free (s, FALSE);
}

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

static void
test_frames_bounded (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  Counter at_hub = { 1, 0, 0 };
  EitFlowStats before, after;
  const guint total = 2000;
  guint64 frames, bytes;

  g_signal_connect (hub->server, "message", G_CALLBACK (on_hub_message), &at_hub);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  eit_flow_get_stats (eit_connection_get_flow (connection), &before);

  /* 2 MB ready at once, inside a 4 MiB window: the old flush sent it as two
   * frames of about 1 MiB, which hold a slow link for seconds. */
  for (guint i = 1; i <= total; i++)
    {
      g_autofree char *json = sized_message (i, 1000);
      g_assert_true (eit_connection_send (connection, json));
    }
  g_assert_true (eit_test_wait_until (at_hub.received == total, 20000));
  eit_flow_get_stats (eit_connection_get_flow (connection), &after);
  frames = after.frames_out - before.frames_out;
  bytes = after.bytes_out - before.bytes_out;
  g_test_message ("%" G_GUINT64_FORMAT " bytes in %" G_GUINT64_FORMAT " frames, frame bound now %"
                  G_GUINT64_FORMAT ", window %" G_GUINT64_FORMAT ", rate %.0f B/s",
                  bytes, frames, after.frame_bound, after.adapted_window, after.delivery_rate);
  g_assert_cmpuint (at_hub.wrong, ==, 0);
  g_assert_cmpuint (frames, >=, bytes / EIT_FLOW_MAX_FRAME_BODIES_BYTES);
  g_assert_cmpuint (after.frame_bound, <=, EIT_FLOW_MAX_FRAME_BODIES_BYTES);
  /* Loopback is fast: the window grew far past its initial size. */
  g_assert_cmpuint (after.adapted_window, >, 4 * EIT_FLOW_WINDOW_INITIAL_BYTES);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

/* A consumer that takes one message per tick, so acks (which follow
 * consumption) come at a fixed rate, as from a slow link. */
typedef struct {
  EitFlow *hub_flow;
  int      budget;
  guint64  received;
  guint64  next;
  guint64  wrong;
  gint64   measure_from;
  double   worst_delay_ms;
} SlowConsumer;

static void
on_slow_message (EitHubServer  *server,
                 EitHubSession *session,
                 const char    *json,
                 gulong         len,
                 gpointer       user_data)
{
  SlowConsumer *c = user_data;
  EitJsonSpan n, t;
  guint64 nv = 0, tv = 0;
  gint64 now = g_get_monotonic_time ();

  c->received++;
  if (!eit_json_find_member (json, len, "n", &n) || !eit_json_span_get_uint (&n, &nv) ||
      nv != ++c->next)
    c->wrong++;
  if (eit_json_find_member (json, len, "t", &t) && eit_json_span_get_uint (&t, &tv) &&
      now >= c->measure_from)
    c->worst_delay_ms = MAX (c->worst_delay_ms, (now - (gint64) tv) / 1000.0);
  if (--c->budget <= 0)
    eit_flow_set_receiving_paused (c->hub_flow, TRUE);
}

static gboolean
slow_tick_cb (gpointer user_data)
{
  SlowConsumer *c = user_data;

  c->budget = 1;
  eit_flow_set_receiving_paused (c->hub_flow, FALSE);
  return G_SOURCE_CONTINUE;
}

static void
test_slow_consumer_queue_delay (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  SlowConsumer c = { 0 };
  EitFlowStats stats;
  guint64 sent = 0, max_in_flight = 0;
  gint64 end;
  guint tick;

  g_signal_connect (hub->server, "message", G_CALLBACK (on_slow_message), &c);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  c.hub_flow = eit_hub_session_get_flow (only_session (hub));
  eit_flow_set_receiving_paused (c.hub_flow, TRUE);
  /* 1000-byte messages, one per 20 ms: 50 kB/s. */
  tick = g_timeout_add (20, slow_tick_cb, &c);

  /* The sender always has the next message ready for 4 s (but keeps no
   * queue of its own, so a message's delay is the path's); delays count
   * after 1.5 s, once the window has had time to learn the rate. */
  c.measure_from = g_get_monotonic_time () + 1500 * 1000;
  end = g_get_monotonic_time () + 4000 * 1000;
  while (g_get_monotonic_time () < end)
    {
      eit_flow_get_stats (eit_connection_get_flow (connection), &stats);
      if (stats.queue_depth == 0)
        {
          g_autofree char *json = sized_message (sent + 1, 1000);
          g_assert_true (eit_connection_send (connection, json));
          sent++;
        }
      if (g_get_monotonic_time () >= c.measure_from)
        max_in_flight = MAX (max_in_flight, stats.in_flight_bytes);
      eit_test_iterate ();
    }
  g_source_remove (tick);

  eit_flow_get_stats (eit_connection_get_flow (connection), &stats);
  g_test_message ("consumed %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " offered; rate %.0f B/s, "
                  "window %" G_GUINT64_FORMAT " B, most in flight %" G_GUINT64_FORMAT
                  " B, worst delay at the consumer %.0f ms, rtt p99 %.1f ms",
                  c.received, sent, stats.delivery_rate, stats.adapted_window, max_in_flight,
                  c.worst_delay_ms, stats.rtt_p99);
  g_assert_cmpuint (c.wrong, ==, 0);
  g_assert_cmpuint (c.received, >=, 100);
  g_assert_cmpfloat (stats.delivery_rate, >, 25000);
  g_assert_cmpfloat (stats.delivery_rate, <, 120000);
  /* The 1024-message window alone would let about 1 MB wait in front of
   * this consumer, 20 s of queue; the adapted one keeps it near 250 ms. */
  g_assert_cmpuint (max_in_flight, <=, 40000);
  g_assert_cmpfloat (c.worst_delay_ms, <, 800);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
test_resume_in_bounded_frames (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  g_autoptr(EitFaultProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  EitConnection *connection;
  Counter at_hub = { 1, 0, 0 };
  EitFlowStats before, after;
  EitFlow *flow;
  guint64 sent = 0;
  guint port;

  port = eit_hub_server_get_port (hub->server);
  proxy = eit_fault_proxy_new ("127.0.0.1", port);
  g_assert_true (eit_fault_proxy_start (proxy, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("wss://127.0.0.1:%u/", eit_fault_proxy_get_port (proxy));
  connection = eit_test_connection_new (hub, url);
  g_object_set (connection, "inactivity-timeout", 3000, NULL);
  g_signal_connect (hub->server, "message", G_CALLBACK (on_hub_message), &at_hub);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  flow = eit_connection_get_flow (connection);

  /* Let the window learn that loopback is fast; with a long delay target it
   * opens to the whole 4 MiB, as the old fixed window was. */
  g_object_set (flow, "queue-delay-target", 10000, NULL);
  while (sent < 3000)
    {
      g_autofree char *json = sized_message (++sent, 1000);
      if (!eit_connection_send (connection, json))
        {
          sent--;
          eit_test_iterate ();
        }
    }
  g_assert_true (eit_test_wait_until (at_hub.received == sent, 20000));

  /* 1 MB goes into a link that delivers nothing, then the link resets. */
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_BLACKHOLE);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *json = sized_message (++sent, 1000);
      g_assert_true (eit_connection_send (connection, json));
    }
  eit_test_run_for (300);
  eit_flow_get_stats (flow, &before);
  eit_fault_proxy_reset_all (proxy);
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_PASS);
  g_assert_true (eit_test_wait_until (at_hub.received == sent, 20000));
  eit_flow_get_stats (flow, &after);

  g_test_message ("resent %" G_GUINT64_FORMAT " messages in %" G_GUINT64_FORMAT " frames (%" G_GUINT64_FORMAT
                  " bytes out on the new transport), window %" G_GUINT64_FORMAT,
                  after.resent - before.resent, after.frames_out - before.frames_out,
                  eit_transport_get_bytes_out (eit_flow_get_transport (flow)), after.adapted_window);
  g_assert_cmpuint (at_hub.wrong, ==, 0);
  g_assert_cmpuint (after.resent - before.resent, >=, 500);
  /* No frame above the bound: the resent bytes needed at least this many. */
  g_assert_cmpuint (after.frames_out - before.frames_out, >=,
                    (after.resent - before.resent) * 1000 / EIT_FLOW_MAX_FRAME_BODIES_BYTES);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
test_send_queue_bytes (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  g_autofree char *small = sized_message (1, 1000);
  g_autofree char *large = sized_message (2, 5000);
  EitFlowStats stats;
  EitFlow *flow;

  g_object_set (hub->server, "window-messages", 5, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  flow = eit_connection_get_flow (connection);
  eit_flow_set_receiving_paused (eit_hub_session_get_flow (only_session (hub)), TRUE);
  g_object_set (flow, "send-queue-bytes", (guint64) 2500, NULL);

  /* Within one iteration nothing leaves: the queue holds 2 x 1000 bytes and
   * refuses the third, and anything while it is not empty. */
  g_assert_true (eit_connection_send (connection, small));
  g_assert_true (eit_connection_send (connection, small));
  g_assert_false (eit_connection_send (connection, small));
  g_assert_false (eit_connection_send (connection, large));
  eit_flow_get_stats (flow, &stats);
  g_assert_cmpuint (stats.queued_bytes, ==, 2000);
  g_assert_cmpuint (stats.send_queue_bytes, ==, 2500);
  g_assert_cmpuint (stats.rejected, ==, 2);

  /* Once sent (the window has room for five), the queue is empty and takes
   * a message larger than its byte limit: the limit never locks one out. */
  g_assert_true (eit_test_wait_until ((eit_flow_get_stats (flow, &stats), stats.queue_depth == 0), 5000));
  g_assert_cmpuint (stats.queued_bytes, ==, 0);
  g_assert_true (eit_connection_send (connection, large));
  g_assert_false (eit_connection_send (connection, small));

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
test_peer_window_clamped (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  g_autoptr(GError) error = NULL;
  EitTransport *rogue;
  EitFlowStats stats;
  const char *hello = "{\"type\":\"hello\",\"instance\":\"greedy\",\"generation\":1,\"session\":null,"
                      "\"epoch\":null,\"recv\":0,\"ack\":0,"
                      "\"window\":{\"messages\":9007199254740991,\"bytes\":9007199254740991},"
                      "\"keepalive_ms\":0}";

  g_object_set (hub->server, "window-messages", 100, "window-bytes", (guint64) 65536, NULL);
  rogue = eit_test_transport_to_hub (hub, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (eit_transport_send (rogue, hello, strlen (hello)));
  g_assert_true (eit_test_wait_until (eit_hub_server_get_sessions (hub->server)->len == 1, 5000));
  eit_flow_get_stats (eit_hub_session_get_flow (only_session (hub)), &stats);
  /* A peer that announces 2^53-1 and never acks gets what we would grant. */
  g_assert_cmpuint (stats.peer_window_messages, ==, 100);
  g_assert_cmpuint (stats.peer_window_bytes, ==, 65536);

  eit_transport_close (rogue, 1000, "bye");
  g_assert_true (eit_test_transport_wait_closed (rogue, 5000));
  g_assert_finalize_object (rogue);
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
  g_test_add_func ("/flow/frames-bounded", test_frames_bounded);
  g_test_add_func ("/flow/slow-consumer-queue-delay", test_slow_consumer_queue_delay);
  g_test_add_func ("/flow/resume-in-bounded-frames", test_resume_in_bounded_frames);
  g_test_add_func ("/flow/send-queue-bytes", test_send_queue_bytes);
  g_test_add_func ("/flow/peer-window-clamped", test_peer_window_clamped);
  return g_test_run ();
}
