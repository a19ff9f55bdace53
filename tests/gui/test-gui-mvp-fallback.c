/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An MVP hub that selects eithub.v1 without speaking it (a libsoup server
 * that lists the subprotocol and echoes, as a Node `ws` hub does): the app
 * falls back to the base layer, the Connection panel says it fell back and
 * why, and a hub set to "base layer only" in its settings says that instead. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "eit-gui-test.h"
#include "eit-hub-config.h"
#include "eit-tls.h"

#define TOKEN "mvp-fallback-test-token"

typedef struct {
  SoupServer *server;
  GPtrArray  *connections;
  char       *url;
  char       *fingerprint;
} MvpHub;

static void
early_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");

  if (g_strcmp0 (auth, "Bearer " TOKEN) != 0)
    soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
}

static void
echo_cb (SoupWebsocketConnection *connection,
         int                      type,
         GBytes                  *message,
         gpointer                 user_data)
{
  if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_message (connection, type, message);
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  MvpHub *hub = user_data;

  g_ptr_array_add (hub->connections, g_object_ref (connection));
  g_signal_connect (connection, "message", G_CALLBACK (echo_cb), NULL);
}

static MvpHub *
mvp_hub_new (void)
{
  const char *protocols[] = { EIT_SUBPROTOCOL_V1, EIT_SUBPROTOCOL_JSON, NULL };
  MvpHub *hub = g_new0 (MvpHub, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  hub->connections = g_ptr_array_new_with_free_func (g_object_unref);
  hub->server = soup_server_new ("tls-certificate", eit_test_certificate (), NULL);
  soup_server_add_early_handler (hub->server, "/", early_cb, hub, NULL);
  soup_server_add_websocket_handler (hub->server, "/", NULL, (char **) protocols, websocket_cb,
                                     hub, NULL);
  g_assert_true (soup_server_listen_local (hub->server, 0,
                                           SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (hub->server);
  hub->url = g_strdup_printf ("wss://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  hub->fingerprint = eit_tls_certificate_fingerprint (eit_test_certificate ());
  return hub;
}

static void
mvp_hub_free (MvpHub *hub)
{
  for (guint i = 0; i < hub->connections->len; i++)
    {
      SoupWebsocketConnection *connection = g_ptr_array_index (hub->connections, i);
      if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    }
  soup_server_disconnect (hub->server);
  g_ptr_array_unref (hub->connections);
  g_object_unref (hub->server);
  g_free (hub->url);
  g_free (hub->fingerprint);
  g_free (hub);
}

static void
mvp_body (EitGuiTest *test)
{
  EitProtocolPreference preference = GPOINTER_TO_INT (test->user_data);
  MvpHub *hub = mvp_hub_new ();
  EitHubStore *store = eit_monitor_application_get_store (test->app);
  EitConnectionPage *connection_page = eit_monitor_window_get_connection_page (test->window);
  g_autoptr(EitHubConfig) config = eit_hub_config_new_for_id ("hub-mvptest");
  EitHubWatch *watch;
  const EitHubMetrics *m;
  const char *expected;
  g_autofree char *shot = NULL;

  g_object_set (config,
                "name", "MVP hub",
                "url", hub->url,
                "trust-mode", EIT_TRUST_PINNED,
                "pinned-fingerprint", hub->fingerprint,
                "protocol-mode", preference,
                NULL);
  eit_hub_store_add (store, config);
  watch = eit_monitor_application_get_watch (test->app, config);
  eit_hub_watch_set_token (watch, TOKEN);
  eit_monitor_window_select_hub (test->window, config);

  m = eit_hub_watch_get_metrics (watch);
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 15000));
  g_assert_cmpint (m->mode, ==, EIT_PROTOCOL_MODE_BASE);
  g_assert_cmpuint (hub->connections->len, ==, 1);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (g_ptr_array_index (hub->connections, 0)),
                   ==, preference == EIT_PROTOCOL_PREFERENCE_BASE ? EIT_SUBPROTOCOL_JSON
                                                                   : EIT_SUBPROTOCOL_V1);

  expected = preference == EIT_PROTOCOL_PREFERENCE_BASE
             ? "Base layer only: this hub is set to the base layer in its settings"
             : "Base layer only: this hub selected the full protocol (eithub.v1) but answered with "
               "something else, so the app fell back to the base layer for it";
  g_assert_true (eit_test_wait_until (
    g_strcmp0 (eit_connection_page_get_value (connection_page, "mode"), expected) == 0, 3000));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window),
                                  preference == EIT_PROTOCOL_PREFERENCE_BASE ? "mvp-hub-base-chosen"
                                                                             : "mvp-hub-fallback");

  /* Messages go both ways on the base layer. */
  g_assert_true (eit_connection_send (eit_hub_watch_get_connection (watch), "{\"type\":\"mvp\"}"));
  g_assert_true (eit_test_wait_until ((eit_hub_watch_sample (watch), m->messages_in >= 1), 3000));

  eit_hub_store_remove (store, config);
  mvp_hub_free (hub);
}

static void
test_fallback (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (mvp_body, GINT_TO_POINTER (EIT_PROTOCOL_PREFERENCE_AUTO));
}

static void
test_base_chosen (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (mvp_body, GINT_TO_POINTER (EIT_PROTOCOL_PREFERENCE_BASE));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/mvp-hub/fallback-explained", test_fallback);
  g_test_add_func ("/gui/mvp-hub/base-mode-explained", test_base_chosen);

  return g_test_run ();
}
