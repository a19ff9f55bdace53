/* SPDX-License-Identifier: GPL-3.0-or-later */
/* No timer, handler or pending connect outlives its object or its
 * connection: objects dropped in every state finalize, and the main
 * context's source count returns to where it started. */
#include "config.h"

#include "eit-fault-proxy.h"
#include "eit-test-util.h"

static void
assert_sources_back (guint before)
{
  /* libsoup finishes closing streams from idle callbacks: let them run. */
  eit_test_run_for (100);
  g_assert_cmpuint (eit_test_count_sources (), <=, before);
}

static void
test_dispose_while_connecting (void)
{
  guint before = eit_test_count_sources ();
  EitTestHub *hub = eit_test_hub_new (FALSE);
  EitFaultProxy *proxy = eit_fault_proxy_new ("127.0.0.1", eit_hub_server_get_port (hub->server));
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  EitConnection *connection;

  eit_fault_proxy_start (proxy, &error);
  g_assert_no_error (error);
  /* TCP connects, TLS never completes: the connect stays pending. */
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_BLACKHOLE);
  url = g_strdup_printf ("wss://127.0.0.1:%u/", eit_fault_proxy_get_port (proxy));
  connection = eit_test_connection_new (hub, url);
  eit_connection_connect (connection);
  eit_test_run_for (100);
  g_assert_cmpint (eit_connection_get_state (connection), ==, EIT_CONNECTION_STATE_CONNECTING);
  g_assert_finalize_object (connection);
  eit_test_run_for (100);
  g_assert_finalize_object (proxy);
  eit_test_hub_free (hub);
  assert_sources_back (before);
}

static void
test_dispose_while_backing_off (void)
{
  guint before = eit_test_count_sources ();
  EitConnection *connection =
    g_object_new (EIT_TYPE_CONNECTION, "url", "wss://127.0.0.1:1/", "token", "t",
                  "reconnect-base", 5000, "reconnect-cap", 5000, NULL);

  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (
    eit_connection_get_state (connection) == EIT_CONNECTION_STATE_BACKING_OFF, 5000));
  g_assert_finalize_object (connection);
  assert_sources_back (before);
}

static void
test_dispose_while_cycling (void)
{
  guint before = eit_test_count_sources ();
  EitTestHub *hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);

  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  g_assert_true (eit_connection_send (connection, "{\"queued\":true}"));
  eit_connection_cycle_now (connection);
  g_assert_cmpint (eit_connection_get_state (connection), ==, EIT_CONNECTION_STATE_CYCLING);
  g_assert_finalize_object (connection);
  eit_test_hub_free (hub);
  assert_sources_back (before);
}

static void
test_connect_timer_cleared (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  guint cycles = 0, reconnects = 0;

  /* A connect timer left armed after the attempt succeeded would close the
   * NEW connection when it fires: the classic reconnecting-client bug. */
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  g_object_set (connection, "connect-timeout", 400, NULL);
  eit_connection_cycle_now (connection);
  g_assert_true (eit_test_wait_until ((g_object_get (connection, "cycles", &cycles, NULL), cycles == 1), 5000));
  eit_test_run_for (800);
  g_object_get (connection, "reconnects", &reconnects, NULL);
  g_assert_cmpuint (reconnects, ==, 0);
  g_assert_cmpint (eit_connection_get_state (connection), ==, EIT_CONNECTION_STATE_CONNECTED);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
test_hub_with_sessions_in_grace (void)
{
  guint before = eit_test_count_sources ();
  EitTestHub *hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);

  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
  /* The session waits for its client to come back... */
  g_assert_true (eit_test_wait_until (
    !eit_hub_session_is_attached (g_ptr_array_index (eit_hub_server_get_sessions (hub->server), 0)), 5000));
  /* ...and the hub still goes away cleanly. */
  eit_test_hub_free (hub);
  assert_sources_back (before);
}

static void
test_session_grace_expires (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  guint resets = 0;

  g_object_set (hub->server, "session-grace", 100, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  eit_connection_disconnect (connection);
  g_assert_true (eit_test_wait_until (eit_hub_server_get_sessions (hub->server)->len == 0, 5000));
  g_assert_true (eit_test_hub_log_contains (hub, "grace period over"));

  /* Coming back after the grace period: a new session, reported as such. */
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  g_object_get (connection, "session-resets", &resets, NULL);
  g_assert_cmpuint (resets, ==, 1);

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
}

static void
count_message (EitConnection *connection,
               const char    *json,
               gulong         len,
               gpointer       user_data)
{
  (*(guint *) user_data)++;
}

static void
test_demo_hub (void)
{
  guint before = eit_test_count_sources ();
  EitDemoHub *demo = g_object_new (EIT_TYPE_DEMO_HUB, "drop-interval", 0, NULL);
  EitConnection *connection = eit_connection_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  EitFlowStats stats;
  guint received = 0;

  g_assert_true (eit_demo_hub_start (demo, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (eit_demo_hub_get_url (demo), "wss://127.0.0.1:"));
  g_assert_true (g_str_has_prefix (eit_demo_hub_get_fingerprint (demo), "sha256:"));
  g_assert_cmpstr (eit_demo_hub_get_phase (demo), ==, "steady");

  eit_demo_hub_drive (demo, connection);
  g_signal_connect (connection, "message", G_CALLBACK (count_message), &received);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  /* Traffic both ways within a second or two. */
  g_assert_true (eit_test_wait_until (received >= 10, 3000));
  g_assert_true (eit_test_wait_until (
    (eit_flow_get_stats (eit_connection_get_flow (connection), &stats), stats.messages_out >= 5), 3000));

  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
  eit_demo_hub_stop (demo);
  g_assert_false (eit_demo_hub_is_running (demo));
  g_assert_finalize_object (demo);
  assert_sources_back (before);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lifecycle/dispose-while-connecting", test_dispose_while_connecting);
  g_test_add_func ("/lifecycle/dispose-while-backing-off", test_dispose_while_backing_off);
  g_test_add_func ("/lifecycle/dispose-while-cycling", test_dispose_while_cycling);
  g_test_add_func ("/lifecycle/connect-timer-cleared-after-cycle", test_connect_timer_cleared);
  g_test_add_func ("/lifecycle/hub-with-sessions-in-grace", test_hub_with_sessions_in_grace);
  g_test_add_func ("/lifecycle/session-grace-expires", test_session_grace_expires);
  g_test_add_func ("/lifecycle/demo-hub", test_demo_hub);
  return g_test_run ();
}
