/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An MVP hub that selects eithub.v1 without speaking it (a libsoup server
 * that lists the subprotocol and echoes, as a Node `ws` hub does): the app
 * falls back to the base layer, the Connection panel says it fell back and
 * why, and a hub set to "base layer only" in its settings says that instead. */
#include "config.h"

#include <libsoup/soup.h>

#include "eit-gui-test.h"
#include "eit-hub-config.h"
#include "eit-test-soup-peer.h"

#define TOKEN "mvp-fallback-test-token"

static EitTestSoupPeer *
mvp_hub_new (void)
{
  const char *protocols[] = { EIT_SUBPROTOCOL_V1, EIT_SUBPROTOCOL_JSON, NULL };

  return eit_test_soup_peer_new (NULL, TOKEN, protocols, eit_test_soup_peer_echo, NULL);
}

static void
mvp_body (EitGuiTest *test)
{
  EitProtocolPreference preference = GPOINTER_TO_INT (test->user_data);
  EitTestSoupPeer *hub = mvp_hub_new ();
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
  g_assert_cmpuint (hub->websockets->len, ==, 1);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (g_ptr_array_index (hub->websockets, 0)),
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
  eit_test_soup_peer_free (hub);
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
