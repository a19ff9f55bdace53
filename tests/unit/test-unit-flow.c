/* SPDX-License-Identifier: GPL-3.0-or-later */
/* EitFlow on its own: two flows, each on one end of a real transport pair
 * over a socketpair (tests/support/eit-test-pair.c), no hub and no TLS, so
 * every case runs in milliseconds. Order, credit, resumption and
 * deduplication are checked on what the receiving application gets. */
#include "config.h"

#include <string.h>

#include "eit-flow-private.h"
#include "eit-flow-window.h"
#include "eit-test-pair.h"
#include "eit-test-util.h"

#define WAIT_MS 2000
/* A flow acknowledges what it consumed after this long at the latest. */
#define ACK_DELAY_MS 5

/* One flow on one end of the link, and what its application received. */
typedef struct {
  EitFlow      *flow;
  EitTransport *transport;
  GArray       *bodies;
  GPtrArray    *received;
  gulong        frame_handler;
  gboolean      closed;
} End;

typedef struct {
  guint sources;  /* attached to the main context before the test */
  End   a;        /* the client's end */
  End   b;        /* the hub's end */
} Fixture;

static void
frame_cb (EitTransport *transport,
          const char   *text,
          gulong        len,
          gpointer      user_data)
{
  End *end = user_data;

  eit_test_flow_receive_frame (end->flow, transport, text, len, end->bodies);
}

static void
end_init (End   *end,
          guint  window_messages)
{
  end->flow = g_object_new (EIT_TYPE_FLOW,
                            "window-messages", window_messages,
                            "keepalive-interval", 0,
                            "ack-delay", ACK_DELAY_MS,
                            NULL);
  end->bodies = g_array_new (FALSE, FALSE, sizeof (EitJsonSpan));
  end->received = g_ptr_array_new_with_free_func (g_free);
  eit_test_collect_texts (end->flow, "message", end->received);
}

/* Puts end on transport, which it takes, resuming from what the peer
 * reported. */
static void
end_attach (End          *end,
            EitTransport *transport,
            End          *peer)
{
  EitFlowStats peer_stats;

  eit_flow_get_stats (peer->flow, &peer_stats);
  end->transport = transport;
  end->closed = FALSE;
  end->frame_handler = g_signal_connect (transport, "frame", G_CALLBACK (frame_cb), end);
  eit_test_flag_signal (transport, "closed", &end->closed);
  eit_flow_attach (end->flow, transport,
                   eit_flow_get_recv_seq (peer->flow), eit_flow_get_consumed_seq (peer->flow),
                   peer_stats.window_messages, peer_stats.window_bytes);
}

/* Takes end off its transport, which must then go away. */
static void
end_unlink (End *end)
{
  EitTransport *transport = g_steal_pointer (&end->transport);

  eit_flow_detach (end->flow);
  g_assert_finalize_object (transport);
}

/* A new link between a and b, as after a reconnect that resumed the session. */
static void
fixture_link (Fixture *f)
{
  EitTransport *client, *hub;

  eit_test_transport_pair (EIT_PROTOCOL_MODE_FULL, &client, &hub);
  end_attach (&f->a, client, &f->b);
  end_attach (&f->b, hub, &f->a);
}

/* Drops the link without a close frame, as a network failure does, and
 * checks that both transports go away. */
static void
fixture_drop_link (Fixture *f)
{
  eit_transport_abort (f->a.transport);
  g_assert_true (eit_test_wait_until (f->a.closed && f->b.closed, WAIT_MS));
  end_unlink (&f->a);
  end_unlink (&f->b);
}

static void
fixture_init (Fixture *f,
              guint    window_messages)
{
  memset (f, 0, sizeof *f);
  f->sources = eit_test_count_sources ();
  end_init (&f->a, window_messages);
  end_init (&f->b, window_messages);
  fixture_link (f);
}

/* Closes the link cleanly and checks that nothing is left behind. */
static void
fixture_finish (Fixture *f)
{
  End *ends[] = { &f->a, &f->b };

  eit_transport_close (f->a.transport, EIT_CLOSE_NORMAL, "bye");
  g_assert_true (eit_test_wait_until (f->a.closed && f->b.closed, WAIT_MS));
  g_assert_cmpuint (eit_transport_get_close_code (f->b.transport), ==, EIT_CLOSE_NORMAL);
  for (guint i = 0; i < G_N_ELEMENTS (ends); i++)
    {
      end_unlink (ends[i]);
      g_assert_finalize_object (ends[i]->flow);
      g_array_unref (ends[i]->bodies);
      g_ptr_array_unref (ends[i]->received);
    }
  g_assert_true (eit_test_wait_until (eit_test_count_sources () == f->sources, WAIT_MS));
}

static char *
message_text (guint n)
{
  /* Sizes vary, so frames carry different numbers of bodies. */
  return g_strdup_printf ("{\"n\":%u,\"pad\":\"%.*s\"}", n, (int) (n * 37 % 300),
                          "................................................................"
                          "................................................................"
                          "................................................................"
                          "................................................................"
                          "............................................................");
}

static void
send_range (End   *end,
            guint  first,
            guint  last)
{
  for (guint n = first; n <= last; n++)
    {
      g_autofree char *text = message_text (n);

      g_assert_true (eit_flow_send (end->flow, text, -1));
    }
}

/* end received exactly messages first..last, once each, in order. */
static void
assert_received (End   *end,
                 guint  first,
                 guint  last)
{
  g_assert_cmpuint (end->received->len, ==, last - first + 1);
  for (guint n = first; n <= last; n++)
    {
      g_autofree char *text = message_text (n);

      g_assert_cmpstr (g_ptr_array_index (end->received, n - first), ==, text);
    }
}

static EitFlowStats
stats_of (End *end)
{
  EitFlowStats stats;

  eit_flow_get_stats (end->flow, &stats);
  return stats;
}

/* Messages arrive once each, in order, both ways at once, coalesced into
 * fewer frames than messages. */
static void
test_flow_in_order (void)
{
  Fixture f;
  EitFlowStats a, b;

  fixture_init (&f, 64);
  send_range (&f.a, 1, 500);
  send_range (&f.b, 1, 300);
  g_assert_true (eit_test_wait_until (f.b.received->len == 500 && f.a.received->len == 300, WAIT_MS));
  assert_received (&f.b, 1, 500);
  assert_received (&f.a, 1, 300);

  /* Everything gets acknowledged: nothing stays in flight. */
  g_assert_true (eit_test_wait_until (stats_of (&f.a).in_flight_messages == 0 &&
                                      stats_of (&f.b).in_flight_messages == 0, WAIT_MS));
  a = stats_of (&f.a);
  b = stats_of (&f.b);
  g_assert_cmpuint (a.messages_out, ==, 500);
  g_assert_cmpuint (b.messages_in, ==, 500);
  g_assert_cmpuint (b.messages_out, ==, 300);
  g_assert_cmpuint (a.messages_in, ==, 300);
  g_assert_cmpuint (a.frames_out, <, 500);
  g_assert_cmpuint (a.duplicates + a.resent + b.duplicates + b.resent, ==, 0);
  g_assert_cmpuint (a.credit_messages, ==, 64);
  fixture_finish (&f);
}

/* The sender never has more than the receiver's window in flight; acks for
 * what the receiver consumed release the rest. */
static void
test_flow_acks_release_window (void)
{
  Fixture f;
  EitFlowStats a, b;

  fixture_init (&f, 4);
  eit_flow_set_receiving_paused (f.b.flow, TRUE);
  send_range (&f.a, 1, 10);
  g_assert_true (eit_test_wait_until (stats_of (&f.b).inbound_pending == 4, WAIT_MS));
  /* Longer than the ack delay: a consumer that reads nothing grants nothing. */
  eit_test_run_for (5 * ACK_DELAY_MS);
  a = stats_of (&f.a);
  b = stats_of (&f.b);
  g_assert_cmpuint (b.inbound_pending, ==, 4);
  g_assert_cmpuint (f.b.received->len, ==, 0);
  g_assert_cmpuint (a.in_flight_messages, ==, 4);
  g_assert_cmpuint (a.queue_depth, ==, 6);
  g_assert_cmpuint (a.credit_messages, ==, 0);
  g_assert_true (a.waiting_for_credit);

  eit_flow_set_receiving_paused (f.b.flow, FALSE);
  g_assert_true (eit_test_wait_until (f.b.received->len == 10, WAIT_MS));
  assert_received (&f.b, 1, 10);
  g_assert_true (eit_test_wait_until (stats_of (&f.a).in_flight_messages == 0, WAIT_MS));
  a = stats_of (&f.a);
  g_assert_cmpuint (a.queue_depth, ==, 0);
  g_assert_cmpuint (a.credit_messages, ==, 4);
  g_assert_false (a.waiting_for_credit);
  g_assert_cmpint (a.credit_wait_time, >, 0);
  fixture_finish (&f);
}

/* A body of exactly 1000 bytes. */
static char *
kilobyte_text (guint n)
{
  g_autofree char *head = g_strdup_printf ("{\"n\":%u,\"pad\":\"", n);
  g_autofree char *pad = g_strnfill (1000 - strlen (head) - strlen ("\"}"), '.');

  return g_strdup_printf ("%s%s\"}", head, pad);
}

/* Before the first rate sample the window is 8192 bytes, and half as much
 * again during the window's probe, and a frame carries at most 4096.
 * Frames of four 1000-byte bodies are full by the bound and leave until the
 * window is: in the probe, 3 frames, 12000 bytes (a frame the bound filled
 * never waits for more credit: held, it left two frames in flight whatever
 * the window). Every data frame carries the sender's clock ("t"), and the
 * acks come back with the queueing delay the receiver measured ("qd"), from
 * which the sender knows the path's round trip. */
static void
test_flow_full_frames_fill_window (void)
{
  Fixture f;
  EitFlowStats a;

  fixture_init (&f, 1024);
  eit_flow_set_receiving_paused (f.b.flow, TRUE);
  /* The one flush comes at the start of the window's probe (before the
   * first sample a phase is EIT_FLOW_WINDOW_BUCKET_US, and one in
   * EIT_FLOW_WINDOW_PROBE_PERIOD has half a window more): outside it the
   * window holds just the two frames a held frame would leave too. */
  while ((g_get_monotonic_time () / EIT_FLOW_WINDOW_BUCKET_US) % EIT_FLOW_WINDOW_PROBE_PERIOD != 0)
    g_usleep (1000);
  for (guint n = 1; n <= 40; n++)
    {
      g_autofree char *text = kilobyte_text (n);

      g_assert_true (eit_flow_send (f.a.flow, text, -1));
    }
  g_assert_true (eit_test_wait_until (stats_of (&f.b).inbound_pending >= 12, WAIT_MS));
  eit_test_run_for (5 * ACK_DELAY_MS);
  a = stats_of (&f.a);
  /* Read in the probe or just after it. */
  g_assert_true (a.adapted_window == EIT_FLOW_WINDOW_INITIAL_BYTES ||
                 a.adapted_window == EIT_FLOW_WINDOW_INITIAL_BYTES * 3 / 2);
  g_assert_cmpuint (EIT_FLOW_WINDOW_INITIAL_BYTES, ==, 8192);
  g_assert_cmpuint (a.frame_bound, ==, EIT_FLOW_FRAME_FLOOR_BYTES);
  g_assert_cmpuint (a.frames_out, ==, 3);
  g_assert_cmpuint (a.in_flight_bytes, ==, 12000);
  g_assert_cmpuint (a.queue_depth, ==, 28);
  g_assert_cmpuint (stats_of (&f.b).inbound_pending, ==, 12);
  g_assert_cmpfloat (a.queue_delay, <, 0);

  eit_flow_set_receiving_paused (f.b.flow, FALSE);
  g_assert_true (eit_test_wait_until (f.b.received->len == 40, WAIT_MS));
  for (guint n = 1; n <= 40; n++)
    {
      g_autofree char *text = kilobyte_text (n);

      g_assert_cmpstr (g_ptr_array_index (f.b.received, n - 1), ==, text);
    }
  g_assert_true (eit_test_wait_until (stats_of (&f.a).in_flight_messages == 0, WAIT_MS));
  a = stats_of (&f.a);
  g_assert_cmpfloat (a.queue_delay, >=, 0);
  g_assert_cmpfloat (a.path_rtt, >=, 0);
  g_assert_cmpfloat (a.path_rtt, <=, a.ack_rtt + 1);
  fixture_finish (&f);
}

/* A link drops with messages in every state: 1-5 consumed and acked, 6-7
 * received but not consumed, 8-10 sent and lost. The next link re-sends
 * 8-10 only, and the application gets 1-10 once each, in order. */
static void
test_flow_resume_resends_unacknowledged (void)
{
  Fixture f;
  EitFlowStats a, b;

  fixture_init (&f, 64);
  send_range (&f.a, 1, 5);
  g_assert_true (eit_test_wait_until (f.b.received->len == 5 &&
                                      stats_of (&f.a).in_flight_messages == 0, WAIT_MS));

  eit_flow_set_receiving_paused (f.b.flow, TRUE);
  send_range (&f.a, 6, 7);
  g_assert_true (eit_test_wait_until (stats_of (&f.b).inbound_pending == 2, WAIT_MS));

  /* The link loses what is sent from now on. */
  g_clear_signal_handler (&f.b.frame_handler, f.b.transport);
  send_range (&f.a, 8, 10);
  g_assert_true (eit_test_wait_until (stats_of (&f.a).messages_out == 10, WAIT_MS));
  g_assert_cmpuint (eit_flow_get_recv_seq (f.b.flow), ==, 7);
  g_assert_cmpuint (eit_flow_get_consumed_seq (f.b.flow), ==, 5);
  fixture_drop_link (&f);

  fixture_link (&f);
  g_assert_true (eit_test_wait_until (eit_flow_get_recv_seq (f.b.flow) == 10, WAIT_MS));
  eit_flow_set_receiving_paused (f.b.flow, FALSE);
  g_assert_true (eit_test_wait_until (f.b.received->len == 10 &&
                                      stats_of (&f.a).in_flight_messages == 0, WAIT_MS));
  assert_received (&f.b, 1, 10);
  a = stats_of (&f.a);
  b = stats_of (&f.b);
  g_assert_cmpuint (a.resent, ==, 3);
  g_assert_cmpuint (a.messages_out, ==, 10);
  g_assert_cmpuint (b.duplicates, ==, 0);
  g_assert_cmpuint (b.messages_in, ==, 10);
  fixture_finish (&f);
}

/* A peer that reports less than it received (its report came through an
 * older connection) is sent some messages twice: it drops the copies by
 * sequence number, and its application sees each message once. */
static void
test_flow_duplicates_dropped (void)
{
  Fixture f;
  EitTransport *client, *hub;
  EitFlowStats a, b;

  fixture_init (&f, 64);
  eit_flow_set_receiving_paused (f.b.flow, TRUE);
  send_range (&f.a, 1, 5);
  g_assert_true (eit_test_wait_until (eit_flow_get_recv_seq (f.b.flow) == 5, WAIT_MS));
  fixture_drop_link (&f);

  eit_test_transport_pair (EIT_PROTOCOL_MODE_FULL, &client, &hub);
  end_attach (&f.b, hub, &f.a);
  f.a.transport = client;
  f.a.frame_handler = g_signal_connect (client, "frame", G_CALLBACK (frame_cb), &f.a);
  eit_test_flag_signal (client, "closed", &f.a.closed);
  /* b has 5; a is told 2. */
  eit_flow_attach (f.a.flow, client, 2, 0, 64, EIT_DEFAULT_WINDOW_BYTES);

  g_assert_true (eit_test_wait_until (stats_of (&f.b).duplicates == 3, WAIT_MS));
  eit_flow_set_receiving_paused (f.b.flow, FALSE);
  g_assert_true (eit_test_wait_until (f.b.received->len == 5 &&
                                      stats_of (&f.a).in_flight_messages == 0, WAIT_MS));
  assert_received (&f.b, 1, 5);
  a = stats_of (&f.a);
  b = stats_of (&f.b);
  g_assert_cmpuint (a.resent, ==, 3);
  g_assert_cmpuint (b.duplicates, ==, 3);
  g_assert_cmpuint (b.messages_in, ==, 5);
  fixture_finish (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/flow/in-order", test_flow_in_order);
  g_test_add_func ("/flow/acks-release-window", test_flow_acks_release_window);
  g_test_add_func ("/flow/full-frames-fill-window", test_flow_full_frames_fill_window);
  g_test_add_func ("/flow/resume-resends-unacknowledged", test_flow_resume_resends_unacknowledged);
  g_test_add_func ("/flow/duplicates-dropped", test_flow_duplicates_dropped);

  return g_test_run ();
}
