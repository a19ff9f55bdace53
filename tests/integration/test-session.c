/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The connection layer end to end: EitConnection against the real hub over
 * loopback TLS. */
#include "config.h"

#include "eit-test-util.h"

typedef struct {
  GPtrArray *messages;
} Received;

static void
on_message (EitConnection *connection,
            const char    *json,
            gulong         len,
            gpointer       user_data)
{
  Received *received = user_data;

  g_assert_cmpuint (strlen (json), ==, len);
  g_ptr_array_add (received->messages, g_strdup (json));
}

static void
on_sent (EitConnection *connection,
         const char    *json,
         gulong         len,
         gpointer       user_data)
{
  g_assert_cmpuint (strlen (json), ==, len);
  g_ptr_array_add (user_data, g_strdup (json));
}

static void
test_round_trip (void)
{
  guint sources_before = eit_test_count_sources ();
  EitTestHub *hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  Received received = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);

  g_signal_connect (connection, "message", G_CALLBACK (on_message), &received);
  g_signal_connect (connection, "sent", G_CALLBACK (on_sent), sent);
  g_assert_false (eit_connection_send (connection, "{\"early\":true}"));
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  g_assert_cmpint (eit_connection_get_mode (connection), ==, EIT_PROTOCOL_MODE_FULL);

  g_assert_true (eit_connection_send (connection, "{\"hello\":\"world\",\"n\":[1,2,3]}"));
  g_assert_false (eit_connection_send (connection, "{not json"));
  g_assert_true (eit_test_wait_until (received.messages->len == 1, 5000));
  g_assert_cmpstr (g_ptr_array_index (received.messages, 0), ==, "{\"hello\":\"world\",\"n\":[1,2,3]}");
  g_assert_true (eit_test_hub_log_contains (hub, "mode=v1"));
  /* "sent" reports what was accepted, and only that. */
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (sent, 0), ==, "{\"hello\":\"world\",\"n\":[1,2,3]}");

  eit_connection_disconnect (connection);
  g_assert_cmpint (eit_connection_get_state (connection), ==, EIT_CONNECTION_STATE_DISCONNECTED);
  g_assert_finalize_object (connection);
  eit_test_hub_free (hub);
  eit_test_run_for (50);
  g_assert_cmpuint (eit_test_count_sources (), <=, sources_before);
  g_ptr_array_unref (received.messages);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/round-trip", test_round_trip);
  return g_test_run ();
}
