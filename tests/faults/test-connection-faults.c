/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The connection layer under faults: the real hub over loopback TLS, with
 * the fault proxy between client and hub where a link must fail. Timings
 * are shortened through properties; nothing waits for production defaults. */
#include <libsoup/soup.h>
#include "config.h"

#include <string.h>

#include "eit-fault-proxy.h"
#include "eit-test-util.h"

/* Checks that numbered messages arrive once each, in order. */
typedef struct {
  guint64 next;        /* the number expected next */
  guint64 received;
  guint64 duplicates;
  guint64 out_of_order;
  gint64  last_time;
  gint64  max_gap;     /* µs between two deliveries */
} Sequence;

static void
sequence_init (Sequence *s)
{
  memset (s, 0, sizeof *s);
  s->next = 1;
}

static void
sequence_add (Sequence   *s,
              const char *json)
{
  const char *p = strstr (json, "\"n\":");
  guint64 n;
  gint64 now = g_get_monotonic_time ();

  g_assert_nonnull (p);
  n = g_ascii_strtoull (p + 4, NULL, 10);
  if (s->last_time != 0)
    s->max_gap = MAX (s->max_gap, now - s->last_time);
  s->last_time = now;
  s->received++;
  if (n == s->next)
    s->next++;
  else if (n < s->next)
    s->duplicates++;
  else
    s->out_of_order++;
}

static void
assert_sequence_complete (const Sequence *s,
                          guint64         total,
                          const char     *what)
{
  g_test_message ("%s: received %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                  ", duplicates %" G_GUINT64_FORMAT ", out of order %" G_GUINT64_FORMAT
                  ", largest gap %.1f ms",
                  what, s->received, total, s->duplicates, s->out_of_order, s->max_gap / 1000.0);
  g_assert_cmpuint (s->duplicates, ==, 0);
  g_assert_cmpuint (s->out_of_order, ==, 0);
  g_assert_cmpuint (s->next - 1, ==, total);
  g_assert_cmpuint (s->received, ==, total);
}

static void
on_client_message (EitConnection *connection,
                   const char    *json,
                   gulong         len,
                   gpointer       user_data)
{
  sequence_add (user_data, json);
}

static void
on_hub_message (EitHubServer  *server,
                EitHubSession *session,
                const char    *json,
                gulong         len,
                gpointer       user_data)
{
  sequence_add (user_data, json);
}

static gboolean
send_numbered (EitConnection *connection,
               guint64        n)
{
  g_autofree char *json = g_strdup_printf ("{\"n\":%" G_GUINT64_FORMAT ",\"pad\":\"0123456789abcdef\"}", n);
  return eit_connection_send (connection, json);
}

static EitFaultProxy *
proxy_for (EitTestHub *hub)
{
  g_autoptr(GError) error = NULL;
  EitFaultProxy *proxy = eit_fault_proxy_new ("127.0.0.1", eit_hub_server_get_port (hub->server));

  eit_fault_proxy_start (proxy, &error);
  g_assert_no_error (error);
  return proxy;
}

static char *
proxy_url (EitFaultProxy *proxy)
{
  return g_strdup_printf ("wss://127.0.0.1:%u/", eit_fault_proxy_get_port (proxy));
}

typedef struct {
  GArray *delays;     /* guint: each back-off delay chosen */
  GArray *attempts;   /* guint: generation when it was chosen */
} Delays;

static void
on_backoff_delay (EitConnection *connection,
                  GParamSpec    *pspec,
                  gpointer       user_data)
{
  Delays *d = user_data;
  guint delay;

  g_object_get (connection, "backoff-delay", &delay, NULL);
  g_array_append_val (d->delays, delay);
}

static void
test_hub_restart_backoff (void)
{
  EitTestHub *hub = eit_test_hub_new (TRUE);
  guint port = eit_hub_server_get_port (hub->server);
  g_autofree char *epoch = g_strdup (eit_hub_server_get_epoch (hub->server));
  g_autofree char *token = g_strdup (hub->token);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  Delays d = { g_array_new (FALSE, FALSE, sizeof (guint)), NULL };
  guint base = 10, cap = 160;
  guint resets = 0;

  g_object_set (connection, "reconnect-base", base, "reconnect-cap", cap, NULL);
  g_signal_connect (connection, "notify::backoff-delay", G_CALLBACK (on_backoff_delay), &d);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));

  /* Kill the hub: every attempt now fails, so the delays must grow. */
  eit_test_hub_free (hub);
  g_assert_true (eit_test_wait_until (d.delays->len >= 8, 10000));
  g_assert_cmpint (eit_connection_get_state (connection), !=, EIT_CONNECTION_STATE_FAILED);
  for (guint i = 0; i < d.delays->len; i++)
    {
      guint ceiling = MIN (cap, base << MIN (i, 20));
      guint delay = g_array_index (d.delays, guint, i);

      g_test_message ("attempt %u: delay %u ms (bound %u)", i, delay, ceiling);
      g_assert_cmpuint (delay, <=, ceiling);
    }

  /* The restarted hub is a new epoch: the session reset is reported. */
  hub = eit_test_hub_new_on_port (TRUE, port, token);
  g_assert_cmpstr (eit_hub_server_get_epoch (hub->server), !=, epoch);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  g_object_get (connection, "session-resets", &resets, NULL);
  g_assert_cmpuint (resets, ==, 1);
  {
    guint reconnects;
    g_object_get (connection, "reconnects", &reconnects, NULL);
    g_assert_cmpuint (reconnects, >=, 8);
  }

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
  eit_test_hub_free (hub);
  g_array_unref (d.delays);
}

static void
test_half_open_detected (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitFaultProxy *proxy = proxy_for (hub);
  g_autofree char *url = proxy_url (proxy);
  EitConnection *connection = eit_test_connection_new (hub, url);
  const guint inactivity = 400, keepalive = 100;
  gint64 start, detected;

  g_object_set (hub->server, "keepalive-interval", keepalive, NULL);
  g_object_set (connection, "inactivity-timeout", inactivity, "keepalive-interval", keepalive, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));

  /* Healthy but idle: keep-alives hold the link up past the timeout. */
  eit_test_run_for (inactivity * 2);
  g_assert_true (eit_connection_is_connected (connection));

  eit_fault_proxy_set_mode (proxy, EIT_FAULT_BLACKHOLE);
  start = g_get_monotonic_time ();
  g_assert_true (eit_test_wait_until (!eit_connection_is_connected (connection), 5000));
  detected = g_get_monotonic_time () - start;
  g_test_message ("half-open link detected after %.0f ms (timeout %u + keep-alive %u)",
                  detected / 1000.0, inactivity, keepalive);
  g_assert_cmpint (detected, <=, (gint64) (inactivity + keepalive + 200) * 1000);
  {
    guint timeouts;
    g_object_get (connection, "timeouts", &timeouts, NULL);
    g_assert_cmpuint (timeouts, ==, 1);
  }

  /* The link heals: the client comes back and resumes its session. */
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_PASS);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
  g_assert_finalize_object (proxy);
}

static void
test_hub_inactivity_close (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  guint code = 0, timeouts = 0;
  g_autofree char *reason = NULL;

  /* Nobody pings: the hub must close with the documented timeout. */
  g_object_set (hub->server, "inactivity-timeout", 300, "keepalive-interval", 0, NULL);
  g_object_set (connection, "keepalive-interval", 0, "inactivity-timeout", 0, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  g_assert_true (eit_test_wait_until (!eit_connection_is_connected (connection), 3000));
  g_object_get (connection, "last-close-code", &code, "last-close-reason", &reason,
                "timeouts", &timeouts, NULL);
  g_assert_cmpuint (code, ==, EIT_CLOSE_TIMEOUT);
  g_assert_cmpstr (reason, ==, "timeout");
  g_assert_cmpuint (timeouts, ==, 1);
  g_assert_true (eit_test_hub_log_contains (hub, "4000 timeout"));
  /* ...and the client starts over by itself. */
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 3000));

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
test_resume_after_reset (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitFaultProxy *proxy = proxy_for (hub);
  g_autofree char *url = proxy_url (proxy);
  EitConnection *connection = eit_test_connection_new (hub, url);
  Sequence at_hub, at_client;
  const guint64 total = 3000;
  guint64 sent = 0;
  guint resets = 0, reconnects = 0;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  sequence_init (&at_hub);
  sequence_init (&at_client);
  g_signal_connect (hub->server, "message", G_CALLBACK (on_hub_message), &at_hub);
  g_signal_connect (connection, "message", G_CALLBACK (on_client_message), &at_client);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));

  while (at_client.received < total && g_get_monotonic_time () < deadline)
    {
      for (guint i = 0; i < 50 && sent < total && eit_connection_is_connected (connection); i++)
        if (send_numbered (connection, sent + 1))
          sent++;
      if (sent == total / 2 && eit_fault_proxy_get_n_connections (proxy) > 0 &&
          reconnects == 0)
        {
          eit_fault_proxy_reset_all (proxy);
          reconnects = 1;
        }
      eit_test_iterate ();
    }
  g_object_get (connection, "session-resets", &resets, "reconnects", &reconnects, NULL);
  g_assert_cmpuint (reconnects, >=, 1);
  g_assert_cmpuint (resets, ==, 0);
  assert_sequence_complete (&at_hub, total, "hub");
  assert_sequence_complete (&at_client, total, "client");

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
  g_assert_finalize_object (proxy);
}

static void
test_auth_not_retried (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  guint reconnects = 99;
  const GError *error;

  g_object_set (connection, "token", "wrong", NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_get_state (connection) == EIT_CONNECTION_STATE_FAILED, 5000));
  eit_test_run_for (300);
  g_assert_cmpint (eit_connection_get_state (connection), ==, EIT_CONNECTION_STATE_FAILED);
  g_object_get (connection, "reconnects", &reconnects, NULL);
  g_assert_cmpuint (reconnects, ==, 0);
  error = eit_connection_get_last_error (connection);
  g_assert_error (error, EIT_ERROR, EIT_ERROR_AUTH);
  g_test_message ("failed state says: %s", error->message);

  g_assert_finalize_object (connection);
}

static void
test_cycle_under_load (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  Sequence at_hub, at_client;
  guint64 sent = 0;
  gint64 start, next_tick;
  guint cycles = 0, reconnects = 0;
  const guint rate = 1500;        /* messages/s */
  const guint seconds = 3;

  sequence_init (&at_hub);
  sequence_init (&at_client);
  g_signal_connect (hub->server, "message", G_CALLBACK (on_hub_message), &at_hub);
  g_signal_connect (connection, "message", G_CALLBACK (on_client_message), &at_client);
  g_object_set (connection, "cycle-interval-min", 150, "cycle-interval-max", 250, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));

  start = next_tick = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < (gint64) seconds * G_USEC_PER_SEC)
    {
      gint64 now = g_get_monotonic_time ();

      /* Keep the pace: send what the clock says is due. */
      while (sent < (guint64) ((now - start) * rate / G_USEC_PER_SEC))
        {
          g_assert_true (send_numbered (connection, sent + 1));
          sent++;
        }
      next_tick += 1000;
      eit_test_iterate ();
    }
  g_assert_true (eit_test_wait_until (at_client.received >= sent, 5000));
  g_object_get (connection, "cycles", &cycles, "reconnects", &reconnects, NULL);
  g_test_message ("%u cycles at %u msg/s; %" G_GUINT64_FORMAT " messages", cycles, rate, sent);
  g_assert_cmpuint (cycles, >=, 5);
  g_assert_cmpuint (reconnects, ==, 0);
  assert_sequence_complete (&at_hub, sent, "hub");
  assert_sequence_complete (&at_client, sent, "client");

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
count_foreign_close (EitConnection      *connection,
                     EitConnectionState  old_state,
                     EitConnectionState  new_state,
                     const char         *reason,
                     gpointer            user_data)
{
  if (new_state != EIT_CONNECTION_STATE_CONNECTED && new_state != EIT_CONNECTION_STATE_CYCLING)
    (*(guint *) user_data)++;
}

static void
test_two_instances_one_token (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitConnection *a = eit_test_connection_new (hub, NULL);
  EitConnection *b = eit_test_connection_new (hub, NULL);
  guint a_lost = 0, b_lost = 0, a_cycles = 0, b_cycles = 0;
  g_autofree char *a_id = NULL, *b_id = NULL;

  /* Two browser tabs with one token: the seed's "fight of the clients". */
  g_object_get (a, "instance-id", &a_id, NULL);
  g_object_get (b, "instance-id", &b_id, NULL);
  g_assert_cmpstr (a_id, !=, b_id);
  g_object_set (a, "cycle-interval-min", 5, "cycle-interval-max", 15, NULL);
  g_object_set (b, "cycle-interval-min", 5, "cycle-interval-max", 15, NULL);
  eit_connection_connect (a);
  eit_connection_connect (b);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (a) && eit_connection_is_connected (b), 5000));
  g_signal_connect (a, "transition", G_CALLBACK (count_foreign_close), &a_lost);
  g_signal_connect (b, "transition", G_CALLBACK (count_foreign_close), &b_lost);

  g_assert_true (eit_test_wait_until (
    (g_object_get (a, "cycles", &a_cycles, NULL), g_object_get (b, "cycles", &b_cycles, NULL),
     a_cycles >= 100 && b_cycles >= 100), 60000));
  g_test_message ("cycles: a %u, b %u; lost: a %u, b %u", a_cycles, b_cycles, a_lost, b_lost);
  g_assert_cmpuint (a_lost, ==, 0);
  g_assert_cmpuint (b_lost, ==, 0);
  g_assert_true (eit_connection_is_connected (a));
  g_assert_true (eit_connection_is_connected (b));
  g_assert_cmpuint (eit_hub_server_get_sessions (hub->server)->len, ==, 2);

  eit_connection_disconnect (a);
  eit_connection_disconnect (b);
  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
}

static void
on_raw_frame (EitTransport *transport,
              const char   *text,
              gulong        len,
              gpointer      user_data)
{
  (*(guint *) user_data)++;
}

static void
test_stale_generation (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *instance = NULL;
  g_autofree char *hello = NULL;
  EitTransport *stale;
  guint cycles = 0, frames = 0;

  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  eit_connection_cycle_now (connection);
  g_assert_true (eit_test_wait_until ((g_object_get (connection, "cycles", &cycles, NULL), cycles == 1), 5000));

  /* A late connection of generation 1 arrives after generation 2 took over. */
  g_object_get (connection, "instance-id", &instance, NULL);
  stale = eit_test_transport_to_hub (hub, TRUE, &error);
  g_assert_no_error (error);
  g_signal_connect (stale, "frame", G_CALLBACK (on_raw_frame), &frames);
  hello = g_strdup_printf ("{\"type\":\"hello\",\"instance\":\"%s\",\"generation\":1,\"session\":null,"
                           "\"epoch\":null,\"recv\":0,\"ack\":0,"
                           "\"window\":{\"messages\":8,\"bytes\":8192},\"keepalive_ms\":0}", instance);
  g_assert_true (eit_transport_send (stale, hello, strlen (hello)));
  g_assert_true (eit_test_transport_wait_closed (stale, 5000));
  g_assert_cmpuint (eit_transport_get_close_code (stale), ==, EIT_CLOSE_STALE_GENERATION);
  g_test_message ("stale connection closed: %u %s", eit_transport_get_close_code (stale),
                  eit_transport_get_close_reason (stale));
  g_assert_cmpuint (frames, ==, 0);

  /* The newer connection was not knocked out. */
  eit_test_run_for (200);
  g_assert_true (eit_connection_is_connected (connection));
  g_assert_true (send_numbered (connection, 1));

  g_assert_finalize_object (stale);
  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

/* The user's existing MVP hubs: authenticated wss + JSON, no subprotocol. */
typedef struct {
  SoupServer *server;
  GPtrArray  *connections;
  guint       port;
} MvpHub;

static void
mvp_message (SoupWebsocketConnection *ws,
             SoupWebsocketDataType    type,
             GBytes                  *message,
             gpointer                 user_data)
{
  soup_websocket_connection_send_message (ws, type, message);
}

static void
mvp_websocket (SoupServer              *server,
               SoupServerMessage       *msg,
               const char              *path,
               SoupWebsocketConnection *ws,
               gpointer                 user_data)
{
  MvpHub *mvp = user_data;

  g_ptr_array_add (mvp->connections, g_object_ref (ws));
  g_signal_connect (ws, "message", G_CALLBACK (mvp_message), NULL);
}

static void
test_base_layer_hub (void)
{
  MvpHub mvp = { NULL, g_ptr_array_new_with_free_func (g_object_unref), 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = eit_tls_certificate_fingerprint (eit_test_certificate ());
  g_autofree char *url = NULL;
  EitConnection *connection;
  GSList *uris;
  guint reconnects = 0;
  Sequence at_client;

  mvp.server = soup_server_new ("tls-certificate", eit_test_certificate (), NULL);
  soup_server_add_websocket_handler (mvp.server, NULL, NULL, NULL, mvp_websocket, &mvp, NULL);
  soup_server_listen_local (mvp.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (mvp.server);
  url = g_strdup_printf ("wss://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  connection = g_object_new (EIT_TYPE_CONNECTION, "url", url, "token", "anything",
                             "trust-mode", EIT_TRUST_PINNED, "pinned-fingerprint", fingerprint,
                             "reconnect-base", 20, "reconnect-cap", 100, NULL);
  sequence_init (&at_client);
  g_signal_connect (connection, "message", G_CALLBACK (on_client_message), &at_client);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  g_assert_cmpint (eit_connection_get_mode (connection), ==, EIT_PROTOCOL_MODE_BASE);
  /* Resumption and flow control are reported as unavailable. */
  g_assert_null (eit_connection_get_flow (connection));
  g_assert_true (send_numbered (connection, 1));
  g_assert_true (eit_test_wait_until (at_client.received == 1, 5000));

  /* The MVP hub drops everyone: the client still comes back with back-off. */
  for (guint i = 0; i < mvp.connections->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (mvp.connections, i), 1001, "restart");
  g_ptr_array_set_size (mvp.connections, 0);
  g_assert_true (eit_test_wait_until (!eit_connection_is_connected (connection), 5000));
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  g_object_get (connection, "reconnects", &reconnects, NULL);
  g_assert_cmpuint (reconnects, >=, 1);
  g_assert_true (send_numbered (connection, 2));
  g_assert_true (eit_test_wait_until (at_client.received == 2, 5000));

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
  eit_test_run_for (50);
  g_ptr_array_unref (mvp.connections);
  soup_server_disconnect (mvp.server);
  g_assert_finalize_object (mvp.server);
}

static void
test_slow_sliced_link (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitFaultProxy *proxy = proxy_for (hub);
  g_autofree char *url = proxy_url (proxy);
  EitConnection *connection = eit_test_connection_new (hub, url);
  Sequence at_client;

  sequence_init (&at_client);
  g_signal_connect (connection, "message", G_CALLBACK (on_client_message), &at_client);
  g_object_set (proxy, "slice-bytes", 3, "delay-ms", 20, NULL);
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_SLICE | EIT_FAULT_DELAY);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 10000));
  for (guint64 n = 1; n <= 100; n++)
    g_assert_true (send_numbered (connection, n));
  g_assert_true (eit_test_wait_until (at_client.received == 100, 20000));
  assert_sequence_complete (&at_client, 100, "client over a sliced, delayed link");

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
  g_assert_finalize_object (proxy);
}

static gboolean
drop_at_once (GSocketService    *service,
              GSocketConnection *connection,
              GObject           *source,
              gpointer           user_data)
{
  (*(guint *) user_data)++;
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
test_handshake_dropped_is_retried (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  EitConnection *connection;
  guint16 port;
  guint accepted = 0;
  guint reconnects = 0;

  /* A hub going down mid-handshake: the TCP connection ends before TLS
   * completes. Retrying fixes that, so it must not be a permanent failure. */
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (drop_at_once), &accepted);
  url = g_strdup_printf ("wss://127.0.0.1:%u/", port);
  connection = g_object_new (EIT_TYPE_CONNECTION, "url", url, "token", "t",
                             "trust-mode", EIT_TRUST_PINNED,
                             "pinned-fingerprint", "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                             "reconnect-base", 10, "reconnect-cap", 40, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until ((g_object_get (connection, "reconnects", &reconnects, NULL), reconnects >= 3), 5000));
  g_assert_cmpint (eit_connection_get_state (connection), !=, EIT_CONNECTION_STATE_FAILED);
  g_assert_cmpuint (accepted, >=, 3);
  g_assert_false (eit_error_is_permanent (eit_connection_get_last_error (connection)));
  g_test_message ("while retrying: %s", eit_connection_get_last_error (connection)->message);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/faults/hub-restart-backoff", test_hub_restart_backoff);
  g_test_add_func ("/faults/half-open-detected", test_half_open_detected);
  g_test_add_func ("/faults/hub-inactivity-close", test_hub_inactivity_close);
  g_test_add_func ("/faults/resume-after-reset", test_resume_after_reset);
  g_test_add_func ("/faults/auth-not-retried", test_auth_not_retried);
  g_test_add_func ("/faults/cycle-under-load", test_cycle_under_load);
  g_test_add_func ("/faults/two-instances-one-token", test_two_instances_one_token);
  g_test_add_func ("/faults/stale-generation", test_stale_generation);
  g_test_add_func ("/faults/base-layer-hub", test_base_layer_hub);
  g_test_add_func ("/faults/slow-sliced-link", test_slow_sliced_link);
  g_test_add_func ("/faults/handshake-dropped-is-retried", test_handshake_dropped_is_retried);
  return g_test_run ();
}
