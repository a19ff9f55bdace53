/* SPDX-License-Identifier: GPL-3.0-or-later */
/* EitConnection's state machine without a hub: each connection attempt
 * goes through a connect function of the test (eit-connection-private.h)
 * that refuses it, lets it hang, or links it over a socketpair to a peer in
 * this process that answers hello with welcome and runs the session's
 * EitFlow, as a hub does. Every timing is set short through properties, so
 * each case runs in milliseconds. */
#include "config.h"

#include <string.h>

#include "eit-connection-private.h"
#include "eit-flow-private.h"
#include "eit-test-pair.h"
#include "eit-test-util.h"

#define WAIT_MS 2000
#define RECONNECT_BASE_MS 10
#define RECONNECT_CAP_MS  40

/* What the peer does with one connection attempt. */
typedef enum {
  ATTEMPT_ACCEPT,  /* link, then welcome */
  ATTEMPT_REFUSE,  /* a temporary error: back off and retry */
  ATTEMPT_DENY,    /* a permanent one (a wrong token): give up */
  ATTEMPT_HANG,    /* no answer until the attempt is cancelled */
} Attempt;

typedef struct _Fixture Fixture;

/* One link as the peer sees it. */
typedef struct {
  Fixture      *f;
  EitTransport *transport;
  gboolean      welcomed;
  gboolean      closed;
  gulong        frame_handler;
} Link;

struct _Fixture {
  guint          sources;
  EitConnection *connection;
  GArray        *states;          /* every state entered, in order */
  GArray        *backoff_delays;  /* backoff-delay on entering BACKING_OFF */
  GPtrArray     *received;        /* what the connection's application got */

  GArray        *plan;            /* Attempt per attempt; past its end: accept */
  guint          attempts;
  GTask         *hung;            /* a hanging attempt */
  gboolean       hung_cancelled;
  guint          client_transports_alive;

  /* The peer: the session's flow outlives links, as on a hub. */
  char          *session;
  guint          sessions;
  EitFlow       *flow;
  GPtrArray     *links;
  GArray        *bodies;
  GPtrArray     *peer_received;

  /* A resume closes the link before it (4004) and lets that close reach
   * the connection before the welcome does, as two sockets may. */
  gboolean       supersede_first;
  gboolean       refuse_after_supersede;  /* then the new link fails, once */
  Link          *superseded;
  Link          *welcome_link;
  char          *welcome;
  guint64        welcome_recv, welcome_ack, welcome_window_messages, welcome_window_bytes;
};

static void
peer_new_session (Fixture *f)
{
  if (f->flow != NULL)
    {
      eit_flow_detach (f->flow);
      g_assert_finalize_object (f->flow);
    }
  f->flow = g_object_new (EIT_TYPE_FLOW, "keepalive-interval", 0, "ack-delay", 5, NULL);
  eit_test_collect_texts (f->flow, "message", f->peer_received);
  g_free (f->session);
  f->session = g_strdup_printf ("s-%u", ++f->sessions);
}

static void
send_welcome (Fixture *f)
{
  Link *link = g_steal_pointer (&f->welcome_link);
  g_autofree char *welcome = g_steal_pointer (&f->welcome);

  g_assert_true (eit_transport_send (link->transport, welcome, strlen (welcome)));
  eit_flow_detach (f->flow);
  eit_flow_attach (f->flow, link->transport, f->welcome_recv, f->welcome_ack,
                   (guint) f->welcome_window_messages, f->welcome_window_bytes);
  link->welcomed = TRUE;
}

/* The welcome waits until the superseded link's close handshake is over. */
static gboolean
send_welcome_cb (gpointer user_data)
{
  Fixture *f = user_data;

  if (!f->superseded->closed)
    return G_SOURCE_CONTINUE;
  if (f->refuse_after_supersede)
    {
      f->refuse_after_supersede = FALSE;
      g_clear_pointer (&f->welcome, g_free);
      eit_transport_close (g_steal_pointer (&f->welcome_link)->transport, EIT_CLOSE_INTERNAL_ERROR,
                           "the test's peer fails the new link");
      return G_SOURCE_REMOVE;
    }
  send_welcome (f);
  return G_SOURCE_REMOVE;
}

/* Answers hello as PROTOCOL.md 4.2 says, resuming the session it names
 * when it is the peer's, and moves the session's flow onto this link. */
static void
peer_welcome (Link       *link,
              const char *text,
              gsize       len)
{
  Fixture *f = link->f;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) hello = eit_json_parse_object (text, len, &error);
  JsonObject *window;
  guint64 generation, recv, ack, window_messages, window_bytes;
  gboolean resumed;
  g_autofree char *welcome = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (eit_json_object_get_string (hello, "type"), ==, "hello");
  window = eit_json_object_get_object (hello, "window");
  g_assert_nonnull (window);
  g_assert_true (eit_json_object_get_uint (hello, "generation", &generation));
  g_assert_true (eit_json_object_get_uint (hello, "recv", &recv));
  g_assert_true (eit_json_object_get_uint (hello, "ack", &ack));
  g_assert_true (eit_json_object_get_uint (window, "messages", &window_messages));
  g_assert_true (eit_json_object_get_uint (window, "bytes", &window_bytes));

  resumed = f->flow != NULL &&
            g_strcmp0 (eit_json_object_get_string (hello, "session"), f->session) == 0;
  if (!resumed)
    {
      peer_new_session (f);
      recv = ack = 0;
    }
  welcome = g_strdup_printf ("{\"type\":\"welcome\",\"session\":\"%s\",\"epoch\":\"e-1\","
                             "\"resumed\":%s,\"generation\":%" G_GUINT64_FORMAT ","
                             "\"recv\":%" G_GUINT64_FORMAT ",\"ack\":%" G_GUINT64_FORMAT ","
                             "\"window\":{\"messages\":%u,\"bytes\":%u},"
                             "\"inactivity_ms\":5000,\"keepalive_ms\":0,"
                             "\"max_message_size\":%u}",
                             f->session, resumed ? "true" : "false", generation,
                             eit_flow_get_recv_seq (f->flow), eit_flow_get_consumed_seq (f->flow),
                             EIT_DEFAULT_WINDOW_MESSAGES, EIT_DEFAULT_WINDOW_BYTES,
                             EIT_DEFAULT_MAX_MESSAGE_SIZE);
  f->welcome_link = link;
  f->welcome = g_steal_pointer (&welcome);
  f->welcome_recv = recv;
  f->welcome_ack = ack;
  f->welcome_window_messages = window_messages;
  f->welcome_window_bytes = window_bytes;
  f->superseded = NULL;
  if (resumed && f->supersede_first && f->links->len >= 2)
    {
      Link *before = g_ptr_array_index (f->links, f->links->len - 2);

      if (!before->closed)
        {
          f->superseded = before;
          eit_transport_close (before->transport, EIT_CLOSE_SUPERSEDED, "superseded");
          g_timeout_add (1, send_welcome_cb, f);
          return;
        }
    }
  send_welcome (f);
}

static void
peer_frame_cb (EitTransport *transport,
               const char   *text,
               gulong        len,
               gpointer      user_data)
{
  Link *link = user_data;

  if (link->welcomed)
    eit_test_flow_receive_frame (link->f->flow, transport, text, len, link->f->bodies);
  else
    peer_welcome (link, text, len);
}

static void
link_free (gpointer data)
{
  Link *link = data;

  g_assert_finalize_object (link->transport);
  g_free (link);
}

static Link *
current_link (Fixture *f)
{
  g_assert_cmpuint (f->links->len, >, 0);
  return g_ptr_array_index (f->links, f->links->len - 1);
}

static void
client_transport_gone (gpointer  data,
                       GObject  *where_the_object_was)
{
  Fixture *f = data;

  f->client_transports_alive--;
}

static void
hung_cancelled_cb (GCancellable *cancellable,
                   Fixture      *f)
{
  g_autoptr(GTask) task = g_steal_pointer (&f->hung);

  f->hung_cancelled = TRUE;
  g_assert_true (g_task_return_error_if_cancelled (task));
}

/* The connection's way to its hub, in place of eit_transport_connect_async (). */
static void
connect_func (gpointer                   data,
              const EitTransportOptions *options,
              GCancellable              *cancellable,
              GAsyncReadyCallback        callback,
              gpointer                   user_data)
{
  Fixture *f = data;
  Attempt attempt = f->attempts < f->plan->len ? g_array_index (f->plan, Attempt, f->attempts)
                                               : ATTEMPT_ACCEPT;
  g_autoptr(GTask) task = eit_test_connect_task_new (cancellable, callback, user_data);

  f->attempts++;
  g_assert_cmpstr (options->url, ==, "wss://hub.invalid/");
  g_assert_true (options->offer_v1);

  switch (attempt)
    {
    case ATTEMPT_ACCEPT:
      {
        EitTransport *client;
        Link *link = g_new0 (Link, 1);

        eit_test_transport_pair (EIT_PROTOCOL_MODE_FULL, &client, &link->transport);
        link->f = f;
        link->frame_handler = g_signal_connect (link->transport, "frame",
                                                G_CALLBACK (peer_frame_cb), link);
        eit_test_flag_signal (link->transport, "closed", &link->closed);
        g_ptr_array_add (f->links, link);
        f->client_transports_alive++;
        g_object_weak_ref (G_OBJECT (client), client_transport_gone, f);
        g_task_return_pointer (task, client, g_object_unref);
        break;
      }
    case ATTEMPT_REFUSE:
      g_task_return_new_error (task, EIT_ERROR, EIT_ERROR_REFUSED, "refused by the test's peer");
      break;
    case ATTEMPT_DENY:
      g_task_return_new_error (task, EIT_ERROR, EIT_ERROR_AUTH, "invalid token (the test's peer)");
      break;
    case ATTEMPT_HANG:
      g_assert_null (f->hung);
      f->hung = g_steal_pointer (&task);
      g_cancellable_connect (cancellable, G_CALLBACK (hung_cancelled_cb), f, NULL);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
transition_cb (EitConnection      *connection,
               EitConnectionState  old,
               EitConnectionState  state,
               const char         *reason,
               gpointer            user_data)
{
  Fixture *f = user_data;

  g_array_append_val (f->states, state);
  if (state == EIT_CONNECTION_STATE_BACKING_OFF)
    {
      guint delay;

      g_object_get (connection, "backoff-delay", &delay, NULL);
      g_array_append_val (f->backoff_delays, delay);
    }
}

static void
fixture_init (Fixture       *f,
              const Attempt *plan,
              guint          plan_len)
{
  memset (f, 0, sizeof *f);
  f->sources = eit_test_count_sources ();
  f->states = g_array_new (FALSE, FALSE, sizeof (EitConnectionState));
  f->backoff_delays = g_array_new (FALSE, FALSE, sizeof (guint));
  f->received = g_ptr_array_new_with_free_func (g_free);
  f->plan = g_array_new (FALSE, FALSE, sizeof (Attempt));
  g_array_append_vals (f->plan, plan, plan_len);
  f->links = g_ptr_array_new_with_free_func (link_free);
  f->bodies = g_array_new (FALSE, FALSE, sizeof (EitJsonSpan));
  f->peer_received = g_ptr_array_new_with_free_func (g_free);

  f->connection = g_object_new (EIT_TYPE_CONNECTION,
                                "url", "wss://hub.invalid/",
                                "token", "test-token",
                                "reconnect-base", RECONNECT_BASE_MS,
                                "reconnect-cap", RECONNECT_CAP_MS,
                                "connect-timeout", 1000,
                                "inactivity-timeout", 0,
                                "keepalive-interval", 0,
                                "cycle-interval-min", 0,
                                "cycle-interval-max", 0,
                                NULL);
  _eit_connection_set_connect_func (f->connection, connect_func, f);
  g_signal_connect (f->connection, "transition", G_CALLBACK (transition_cb), f);
  eit_test_collect_texts (f->connection, "message", f->received);
}

/* The connection, its flow and every transport it had go away with the last
 * reference, and leave no source behind. */
static void
fixture_finish (Fixture *f)
{
  EitFlow *flow = eit_connection_get_flow (f->connection);

  if (flow != NULL)
    g_object_add_weak_pointer (G_OBJECT (flow), (gpointer *) &flow);
  g_assert_finalize_object (f->connection);
  g_assert_null (flow);
  g_assert_cmpuint (f->client_transports_alive, ==, 0);
  g_assert_null (f->hung);

  for (guint i = 0; i < f->links->len; i++)
    {
      Link *link = g_ptr_array_index (f->links, i);

      g_assert_true (eit_test_wait_until (link->closed, WAIT_MS));
    }
  if (f->flow != NULL)
    {
      eit_flow_detach (f->flow);
      g_assert_finalize_object (f->flow);
    }
  g_ptr_array_unref (f->links);
  g_free (f->session);
  g_array_unref (f->states);
  g_array_unref (f->backoff_delays);
  g_ptr_array_unref (f->received);
  g_array_unref (f->plan);
  g_array_unref (f->bodies);
  g_ptr_array_unref (f->peer_received);
  g_assert_true (eit_test_wait_until (eit_test_count_sources () == f->sources, WAIT_MS));
}

static void
assert_states (Fixture                  *f,
               const EitConnectionState *expected,
               guint                     n)
{
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GString) want = g_string_new (NULL);

  for (guint i = 0; i < f->states->len; i++)
    g_string_append_printf (got, "%s ", eit_connection_state_to_string (
                              g_array_index (f->states, EitConnectionState, i)));
  for (guint i = 0; i < n; i++)
    g_string_append_printf (want, "%s ", eit_connection_state_to_string (expected[i]));
  g_assert_cmpstr (got->str, ==, want->str);
}

static EitConnectionState
state_of (Fixture *f)
{
  return eit_connection_get_state (f->connection);
}

static guint
uint_property (Fixture    *f,
               const char *name)
{
  guint value;

  g_object_get (f->connection, name, &value, NULL);
  return value;
}

static gint64
next_retry_time (Fixture *f)
{
  gint64 value;

  g_object_get (f->connection, "next-retry-time", &value, NULL);
  return value;
}

/* connecting -> connected; the link drops (no close frame) -> backing off
 * for at most reconnect-base -> connecting -> connected again, resuming the
 * session: what was sent before the drop arrives once, and so does what is
 * sent after. */
static void
test_connection_lost_reconnects (void)
{
  static const EitConnectionState expected[] = {
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_CONNECTED,
    EIT_CONNECTION_STATE_BACKING_OFF,
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_CONNECTED,
  };
  Fixture f;
  g_autofree char *session = NULL;

  fixture_init (&f, NULL, 0);
  eit_connection_connect (f.connection);
  g_assert_cmpint (state_of (&f), ==, EIT_CONNECTION_STATE_CONNECTING);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (f.connection), WAIT_MS));
  g_object_get (f.connection, "session-id", &session, NULL);
  g_assert_cmpstr (session, ==, "s-1");

  g_assert_true (eit_connection_send (f.connection, "{\"n\":1}"));
  g_assert_true (eit_flow_send (f.flow, "{\"from\":\"peer\"}", -1));
  g_assert_true (eit_test_wait_until (f.peer_received->len == 1 && f.received->len == 1, WAIT_MS));
  g_assert_cmpstr (g_ptr_array_index (f.received, 0), ==, "{\"from\":\"peer\"}");

  eit_transport_abort (current_link (&f)->transport);
  g_assert_true (eit_test_wait_until (state_of (&f) == EIT_CONNECTION_STATE_BACKING_OFF, WAIT_MS));
  g_assert_false (eit_connection_is_connected (f.connection));
  g_assert_false (eit_connection_send (f.connection, "{\"n\":0}"));
  g_assert_cmpint (next_retry_time (&f), >, 0);
  g_assert_error (eit_connection_get_last_error (f.connection), EIT_ERROR, EIT_ERROR_CLOSED);

  g_assert_true (eit_test_wait_until (eit_connection_is_connected (f.connection), WAIT_MS));
  g_assert_true (eit_connection_send (f.connection, "{\"n\":2}"));
  g_assert_true (eit_test_wait_until (f.peer_received->len == 2, WAIT_MS));
  eit_test_run_for (20);

  assert_states (&f, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (f.backoff_delays->len, ==, 1);
  g_assert_cmpuint (g_array_index (f.backoff_delays, guint, 0), <=, RECONNECT_BASE_MS);
  g_assert_cmpuint (uint_property (&f, "reconnects"), ==, 1);
  g_assert_cmpuint (uint_property (&f, "session-resets"), ==, 0);
  g_assert_cmpuint (f.sessions, ==, 1);
  g_assert_cmpint (next_retry_time (&f), ==, 0);
  g_assert_null (eit_connection_get_last_error (f.connection));
  g_assert_cmpuint (f.peer_received->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f.peer_received, 0), ==, "{\"n\":1}");
  g_assert_cmpstr (g_ptr_array_index (f.peer_received, 1), ==, "{\"n\":2}");
  g_assert_cmpuint (f.received->len, ==, 1);

  eit_connection_disconnect (f.connection);
  g_assert_cmpint (state_of (&f), ==, EIT_CONNECTION_STATE_DISCONNECTED);
  fixture_finish (&f);
}

/* Failed attempts back off with full jitter under a ceiling that doubles
 * from reconnect-base up to reconnect-cap, then the connection gets in. */
static void
test_connection_backoff_grows (void)
{
  static const Attempt plan[] = {
    ATTEMPT_REFUSE, ATTEMPT_REFUSE, ATTEMPT_REFUSE, ATTEMPT_REFUSE,
  };
  static const EitConnectionState expected[] = {
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_BACKING_OFF,
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_BACKING_OFF,
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_BACKING_OFF,
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_BACKING_OFF,
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_CONNECTED,
  };
  static const guint ceilings[] = { 10, 20, 40, 40 };
  Fixture f;

  fixture_init (&f, plan, G_N_ELEMENTS (plan));
  eit_connection_connect (f.connection);
  g_assert_true (eit_test_wait_until (state_of (&f) == EIT_CONNECTION_STATE_BACKING_OFF, WAIT_MS));
  g_assert_error (eit_connection_get_last_error (f.connection), EIT_ERROR, EIT_ERROR_REFUSED);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (f.connection), WAIT_MS));

  assert_states (&f, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (f.attempts, ==, 5);
  g_assert_cmpuint (uint_property (&f, "reconnects"), ==, 4);
  g_assert_cmpuint (f.backoff_delays->len, ==, G_N_ELEMENTS (ceilings));
  for (guint i = 0; i < G_N_ELEMENTS (ceilings); i++)
    g_assert_cmpuint (g_array_index (f.backoff_delays, guint, i), <=, ceilings[i]);
  g_assert_null (eit_connection_get_last_error (f.connection));

  eit_connection_disconnect (f.connection);
  fixture_finish (&f);
}

/* An error that retrying cannot fix (a wrong token) ends in FAILED: no
 * retry is scheduled, and none happens. */
static void
test_connection_permanent_error_gives_up (void)
{
  static const Attempt plan[] = { ATTEMPT_DENY };
  static const EitConnectionState expected[] = {
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_FAILED,
  };
  Fixture f;

  fixture_init (&f, plan, G_N_ELEMENTS (plan));
  eit_connection_connect (f.connection);
  g_assert_true (eit_test_wait_until (state_of (&f) == EIT_CONNECTION_STATE_FAILED, WAIT_MS));
  g_assert_error (eit_connection_get_last_error (f.connection), EIT_ERROR, EIT_ERROR_AUTH);
  g_assert_cmpint (next_retry_time (&f), ==, 0);
  /* Several reconnect-caps: a retry would have come. */
  eit_test_run_for (3 * RECONNECT_CAP_MS);
  g_assert_cmpuint (f.attempts, ==, 1);
  assert_states (&f, expected, G_N_ELEMENTS (expected));

  /* The user fixed it: connect () starts over. */
  eit_connection_connect (f.connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (f.connection), WAIT_MS));
  g_assert_cmpuint (f.attempts, ==, 2);

  eit_connection_disconnect (f.connection);
  fixture_finish (&f);
}

/* disconnect () while backing off cancels the retry. */
static void
test_connection_disconnect_while_backing_off (void)
{
  static const Attempt plan[] = { ATTEMPT_REFUSE };
  static const EitConnectionState expected[] = {
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_BACKING_OFF,
    EIT_CONNECTION_STATE_DISCONNECTED,
  };
  Fixture f;

  fixture_init (&f, plan, G_N_ELEMENTS (plan));
  eit_connection_connect (f.connection);
  g_assert_true (eit_test_wait_until (state_of (&f) == EIT_CONNECTION_STATE_BACKING_OFF, WAIT_MS));
  eit_connection_disconnect (f.connection);
  g_assert_cmpint (state_of (&f), ==, EIT_CONNECTION_STATE_DISCONNECTED);
  g_assert_cmpint (next_retry_time (&f), ==, 0);
  eit_test_run_for (3 * RECONNECT_CAP_MS);
  g_assert_cmpuint (f.attempts, ==, 1);
  assert_states (&f, expected, G_N_ELEMENTS (expected));
  fixture_finish (&f);
}

/* disconnect () during an attempt cancels the attempt; its late answer does
 * not touch the connection. */
static void
test_connection_disconnect_while_connecting (void)
{
  static const Attempt plan[] = { ATTEMPT_HANG };
  static const EitConnectionState expected[] = {
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_DISCONNECTED,
  };
  Fixture f;

  fixture_init (&f, plan, G_N_ELEMENTS (plan));
  eit_connection_connect (f.connection);
  eit_test_run_for (20);
  g_assert_nonnull (f.hung);
  eit_connection_disconnect (f.connection);
  g_assert_true (f.hung_cancelled);
  eit_test_run_for (3 * RECONNECT_CAP_MS);
  g_assert_cmpint (state_of (&f), ==, EIT_CONNECTION_STATE_DISCONNECTED);
  g_assert_cmpuint (f.attempts, ==, 1);
  assert_states (&f, expected, G_N_ELEMENTS (expected));
  fixture_finish (&f);
}

/* The last reference dropped during an attempt: the attempt is cancelled
 * and the connection is gone at once. */
static void
test_connection_dispose_while_connecting (void)
{
  static const Attempt plan[] = { ATTEMPT_HANG };
  Fixture f;

  fixture_init (&f, plan, G_N_ELEMENTS (plan));
  eit_connection_connect (f.connection);
  eit_test_run_for (20);
  g_assert_nonnull (f.hung);
  fixture_finish (&f);
  g_assert_true (f.hung_cancelled);
}

/* An attempt that does not complete within connect-timeout fails as
 * temporary: back off, then the next attempt gets in. */
static void
test_connection_connect_timeout (void)
{
  static const Attempt plan[] = { ATTEMPT_HANG };
  static const EitConnectionState expected[] = {
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_BACKING_OFF,
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_CONNECTED,
  };
  Fixture f;

  fixture_init (&f, plan, G_N_ELEMENTS (plan));
  g_object_set (f.connection, "connect-timeout", 30, NULL);
  eit_connection_connect (f.connection);
  g_assert_true (eit_test_wait_until (state_of (&f) == EIT_CONNECTION_STATE_BACKING_OFF, WAIT_MS));
  g_assert_true (f.hung_cancelled);
  g_assert_error (eit_connection_get_last_error (f.connection), EIT_ERROR, EIT_ERROR_TIMEOUT);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (f.connection), WAIT_MS));
  assert_states (&f, expected, G_N_ELEMENTS (expected));

  eit_connection_disconnect (f.connection);
  fixture_finish (&f);
}

/* A peer that falls silent (no pongs, nothing) is given up after
 * inactivity-timeout with 4000 timeout, and the connection reconnects. */
static void
test_connection_inactivity (void)
{
  static const EitConnectionState expected[] = {
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_CONNECTED,
    EIT_CONNECTION_STATE_BACKING_OFF,
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_CONNECTED,
  };
  Fixture f;
  Link *silent;
  gint64 start;

  fixture_init (&f, NULL, 0);
  g_object_set (f.connection, "inactivity-timeout", 80, "keepalive-interval", 20, NULL);
  eit_connection_connect (f.connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (f.connection), WAIT_MS));
  /* Pongs keep it alive well past the timeout. */
  eit_test_run_for (200);
  g_assert_cmpint (state_of (&f), ==, EIT_CONNECTION_STATE_CONNECTED);

  silent = current_link (&f);
  g_clear_signal_handler (&silent->frame_handler, silent->transport);
  eit_flow_detach (f.flow);
  start = g_get_monotonic_time ();
  g_assert_true (eit_test_wait_until (state_of (&f) == EIT_CONNECTION_STATE_BACKING_OFF, WAIT_MS));
  /* Silence counts from the last pong, which left up to a keep-alive
   * interval (and a busy machine's timer slack) before the peer fell silent. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 40 * 1000);
  g_assert_error (eit_connection_get_last_error (f.connection), EIT_ERROR, EIT_ERROR_TIMEOUT);
  g_assert_cmpuint (uint_property (&f, "timeouts"), ==, 1);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (f.connection), WAIT_MS));
  assert_states (&f, expected, G_N_ELEMENTS (expected));

  eit_connection_disconnect (f.connection);
  fixture_finish (&f);
}

/* Sends {"n":first} .. {"n":last}, each accepted, letting the main loop
 * run every 10; a cycle starts before cycle_at (0: none). */
static void
send_numbered (Fixture *f,
               guint    first,
               guint    last,
               guint    cycle_at)
{
  for (guint n = first; n <= last; n++)
    {
      g_autofree char *text = g_strdup_printf ("{\"n\":%u}", n);

      if (n == cycle_at)
        eit_connection_cycle_now (f->connection);
      g_assert_true (eit_connection_send (f->connection, text));
      if (n % 10 == 0)
        eit_test_iterate ();
    }
}

/* The peer got {"n":1} .. {"n":count}, once each, in order. */
static void
assert_peer_got_numbered (Fixture *f,
                          guint    count)
{
  g_assert_cmpuint (f->peer_received->len, ==, count);
  for (guint n = 1; n <= count; n++)
    {
      g_autofree char *text = g_strdup_printf ("{\"n\":%u}", n);

      g_assert_cmpstr (g_ptr_array_index (f->peer_received, n - 1), ==, text);
    }
}

/* Make-before-break: the new link resumes the session, the old one closes,
 * and messages sent across the switch arrive once each, in order. The old
 * one closes with 1000 cycle, or, with superseded_first, the hub's 4004
 * reaches the connection before the new link's welcome (two sockets race,
 * either may come first): the cycle completes all the same, with no detour
 * through connecting, counted once. */
static void
run_cycle (gboolean superseded_first)
{
  static const EitConnectionState expected[] = {
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_CONNECTED,
    EIT_CONNECTION_STATE_CYCLING, EIT_CONNECTION_STATE_CONNECTED,
  };
  Fixture f;
  Link *old;

  fixture_init (&f, NULL, 0);
  f.supersede_first = superseded_first;
  eit_connection_connect (f.connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (f.connection), WAIT_MS));
  old = current_link (&f);
  send_numbered (&f, 1, 200, 100);
  g_assert_true (eit_test_wait_until (f.peer_received->len == 200 && old->closed &&
                                      state_of (&f) == EIT_CONNECTION_STATE_CONNECTED, WAIT_MS));
  g_assert_cmpint (state_of (&f), ==, EIT_CONNECTION_STATE_CONNECTED);
  g_assert_cmpuint (f.links->len, ==, 2);
  if (superseded_first)
    g_assert_cmpuint (eit_transport_get_close_code (old->transport), ==, EIT_CLOSE_SUPERSEDED);
  else
    {
      g_assert_cmpuint (eit_transport_get_close_code (old->transport), ==, EIT_CLOSE_NORMAL);
      g_assert_cmpstr (eit_transport_get_close_reason (old->transport), ==, "cycle");
    }
  assert_peer_got_numbered (&f, 200);
  g_assert_cmpuint (uint_property (&f, "cycles"), ==, 1);
  g_assert_cmpuint (uint_property (&f, "reconnects"), ==, 0);
  g_assert_cmpuint (f.sessions, ==, 1);
  assert_states (&f, expected, G_N_ELEMENTS (expected));

  eit_connection_disconnect (f.connection);
  fixture_finish (&f);
}

static void
test_connection_cycle (void)
{
  run_cycle (FALSE);
}

static void
test_connection_cycle_superseded_first (void)
{
  run_cycle (TRUE);
}

/* The same race, and then the new connection fails too: nothing is left,
 * so the connection backs off and resumes the session on a third one. */
static void
test_connection_cycle_superseded_then_failed (void)
{
  static const EitConnectionState expected[] = {
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_CONNECTED,
    EIT_CONNECTION_STATE_CYCLING, EIT_CONNECTION_STATE_BACKING_OFF,
    EIT_CONNECTION_STATE_CONNECTING, EIT_CONNECTION_STATE_CONNECTED,
  };
  Fixture f;
  gint64 since;

  fixture_init (&f, NULL, 0);
  f.supersede_first = TRUE;
  f.refuse_after_supersede = TRUE;
  eit_connection_connect (f.connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (f.connection), WAIT_MS));
  send_numbered (&f, 1, 100, 0);
  eit_connection_cycle_now (f.connection);
  g_assert_true (eit_test_wait_until (state_of (&f) == EIT_CONNECTION_STATE_BACKING_OFF, WAIT_MS));
  g_object_get (f.connection, "connected-since", &since, NULL);
  g_assert_cmpint (since, ==, 0);
  g_assert_true (eit_test_wait_until (state_of (&f) == EIT_CONNECTION_STATE_CONNECTED, WAIT_MS));
  send_numbered (&f, 101, 200, 0);
  g_assert_true (eit_test_wait_until (f.peer_received->len == 200, WAIT_MS));
  assert_peer_got_numbered (&f, 200);
  g_assert_cmpuint (f.links->len, ==, 3);
  g_assert_cmpuint (uint_property (&f, "cycles"), ==, 0);
  g_assert_cmpuint (uint_property (&f, "reconnects"), ==, 1);
  g_assert_cmpuint (f.sessions, ==, 1);
  assert_states (&f, expected, G_N_ELEMENTS (expected));

  eit_connection_disconnect (f.connection);
  fixture_finish (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connection/lost-reconnects", test_connection_lost_reconnects);
  g_test_add_func ("/connection/backoff-grows", test_connection_backoff_grows);
  g_test_add_func ("/connection/permanent-error-gives-up", test_connection_permanent_error_gives_up);
  g_test_add_func ("/connection/disconnect-while-backing-off",
                   test_connection_disconnect_while_backing_off);
  g_test_add_func ("/connection/disconnect-while-connecting",
                   test_connection_disconnect_while_connecting);
  g_test_add_func ("/connection/dispose-while-connecting", test_connection_dispose_while_connecting);
  g_test_add_func ("/connection/connect-timeout", test_connection_connect_timeout);
  g_test_add_func ("/connection/inactivity", test_connection_inactivity);
  g_test_add_func ("/connection/cycle", test_connection_cycle);
  g_test_add_func ("/connection/cycle-superseded-first", test_connection_cycle_superseded_first);
  g_test_add_func ("/connection/cycle-superseded-then-failed",
                   test_connection_cycle_superseded_then_failed);

  return g_test_run ();
}
