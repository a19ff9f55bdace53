/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A hub that speaks only the base layer (authenticated wss + JSON, like the
 * user's MVP hubs): the app connects, shows "Base layer only", the
 * Back-off panel says why it has nothing to show, and what is sent is
 * counted and logged without a flow. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "eit-gui-test.h"
#include "eit-hub-config.h"
#include "eit-test-soup-peer.h"

#define TOKEN "base-hub-test-token"

typedef struct {
  EitTestSoupPeer *peer;
  guint            tick_id;
  guint            ticks;
} BaseHub;

static gboolean
tick_cb (gpointer user_data)
{
  BaseHub *hub = user_data;

  for (guint i = 0; i < hub->peer->websockets->len; i++)
    {
      SoupWebsocketConnection *connection = g_ptr_array_index (hub->peer->websockets, i);

      if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          g_autofree char *json = g_strdup_printf ("{\"type\":\"tick\",\"n\":%u}", ++hub->ticks);
          soup_websocket_connection_send_text (connection, json);
        }
    }
  return G_SOURCE_CONTINUE;
}

static BaseHub *
base_hub_new (void)
{
  BaseHub *hub = g_new0 (BaseHub, 1);

  /* No protocols: the handshake selects none, as a base-layer hub does. */
  hub->peer = eit_test_soup_peer_new (NULL, TOKEN, NULL, NULL, NULL);
  hub->tick_id = g_timeout_add (100, tick_cb, hub);
  return hub;
}

static void
base_hub_free (BaseHub *hub)
{
  g_clear_handle_id (&hub->tick_id, g_source_remove);
  eit_test_soup_peer_free (hub->peer);
  g_free (hub);
}

static void
base_hub_body (EitGuiTest *test)
{
  BaseHub *hub = base_hub_new ();
  EitHubStore *store = eit_monitor_application_get_store (test->app);
  EitConnectionPage *connection_page = eit_monitor_window_get_connection_page (test->window);
  EitBackoffPage *backoff_page = eit_monitor_window_get_backoff_page (test->window);
  g_autoptr(EitHubConfig) config = eit_hub_config_new_for_id ("hub-basetest");
  EitHubWatch *watch;
  const EitHubMetrics *m;
  g_autofree char *shot = NULL;

  g_object_set (config,
                "name", "Base-layer hub",
                "url", hub->peer->url,
                "trust-mode", EIT_TRUST_PINNED,
                "pinned-fingerprint", hub->peer->fingerprint,
                NULL);
  eit_hub_store_add (store, config);
  watch = eit_monitor_application_get_watch (test->app, config);
  g_assert_nonnull (watch);
  eit_hub_watch_set_token (watch, TOKEN);
  eit_monitor_window_select_hub (test->window, config);
  g_assert_true (eit_monitor_window_get_selected_watch (test->window) == watch);

  m = eit_hub_watch_get_metrics (watch);
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 15000));
  g_assert_cmpint (m->mode, ==, EIT_PROTOCOL_MODE_BASE);
  g_assert_true (eit_test_wait_until (m->messages_in >= 5, 5000));

  /* The Connection panel names the mode and what each layer can do. */
  g_assert_true (eit_test_wait_until (g_str_has_prefix (eit_connection_page_get_value (connection_page, "mode"),
                                                        "Base layer only"), 2000));
  g_assert_true (g_str_has_prefix (eit_connection_page_get_value (connection_page, "backoff-layer"),
                                   "Not available"));
  g_assert_true (g_str_has_prefix (eit_connection_page_get_value (connection_page, "connection-layer"),
                                   "Partly"));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "base-hub-connection");
  g_clear_pointer (&shot, g_free);

  /* The Back-off panel says why it is empty. */
  eit_monitor_window_show_view (test->window, "backoff");
  g_assert_false (eit_backoff_page_is_active (backoff_page));
  g_assert_nonnull (strstr (eit_backoff_page_get_inactive_reason (backoff_page), "only the base layer"));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "base-hub-backoff");
  g_clear_pointer (&shot, g_free);

  /* Traffic still works. */
  eit_monitor_window_show_view (test->window, "traffic");
  g_assert_true (eit_test_wait_until (
    g_list_model_get_n_items (eit_message_log_view_get_model (
      eit_traffic_page_get_log_view (eit_monitor_window_get_traffic_page (test->window)))) > 0, 3000));

  /* Without a flow the watch counts what is sent itself: a message sent
   * by code other than the composer is counted and logged as outgoing. */
  g_assert_cmpuint (m->messages_out, ==, 0);
  g_assert_true (eit_connection_send (eit_hub_watch_get_connection (watch),
                                      "{\"type\":\"base-out\"}"));
  eit_hub_watch_sample (watch);
  g_assert_cmpuint (m->messages_out, ==, 1);
  g_assert_cmpuint (m->bytes_out, ==, strlen ("{\"type\":\"base-out\"}"));
  {
    GListModel *log = eit_message_log_get_model (eit_hub_watch_get_log (watch));
    g_autoptr(EitLogEntry) newest = g_list_model_get_item (log, 0);

    g_assert_nonnull (newest);
    g_assert_cmpint (eit_log_entry_get_direction (newest), ==, EIT_LOG_DIRECTION_OUT);
    g_assert_cmpstr (eit_log_entry_get_message_type (newest), ==, "base-out");
  }

  eit_hub_store_remove (store, config);
  base_hub_free (hub);
}

static void
test_base_hub (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (base_hub_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/base-hub/layers-explained", test_base_hub);

  return g_test_run ();
}
