/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-test-soup-peer.h"
#include "eit-test-util.h"

typedef struct {
  EitTestSoupPeer         public;
  char                   *authorization;
  EitTestSoupPeerAccepted accepted;
  gpointer                user_data;
} Peer;

/* The token check, before the upgrade, as an MVP hub does it. */
static void
early_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Peer *peer = user_data;
  const char *authorization =
    soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");

  if (g_strcmp0 (authorization, peer->authorization) != 0)
    soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *websocket,
              gpointer                 user_data)
{
  Peer *peer = user_data;

  /* libsoup drops its reference when this returns. */
  g_ptr_array_add (peer->public.websockets, g_object_ref (websocket));
  if (peer->accepted != NULL)
    peer->accepted (websocket, peer->user_data);
}

EitTestSoupPeer *
eit_test_soup_peer_new (GTlsCertificate         *certificate,
                        const char              *token,
                        const char * const      *protocols,
                        EitTestSoupPeerAccepted  accepted,
                        gpointer                 user_data)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  if (certificate == NULL)
    certificate = eit_test_certificate ();
  peer->accepted = accepted;
  peer->user_data = user_data;
  peer->public.websockets = g_ptr_array_new_with_free_func (g_object_unref);
  peer->public.fingerprint = eit_tls_certificate_fingerprint (certificate);
  peer->public.server = soup_server_new ("tls-certificate", certificate, NULL);
  if (token != NULL)
    {
      peer->authorization = g_strconcat ("Bearer ", token, NULL);
      soup_server_add_early_handler (peer->public.server, "/", early_cb, peer, NULL);
    }
  soup_server_add_websocket_handler (peer->public.server, "/", NULL, (char **) protocols,
                                     websocket_cb, peer, NULL);
  g_assert_true (soup_server_listen_local (peer->public.server, 0,
                                           SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (peer->public.server);
  peer->public.url = g_strdup_printf ("wss://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return &peer->public;
}

static void
echo_cb (SoupWebsocketConnection *websocket,
         int                      type,
         GBytes                  *message,
         gpointer                 user_data)
{
  if (soup_websocket_connection_get_state (websocket) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_message (websocket, type, message);
}

void
eit_test_soup_peer_echo (SoupWebsocketConnection *websocket,
                         gpointer                 user_data)
{
  g_signal_connect (websocket, "message", G_CALLBACK (echo_cb), NULL);
}

void
eit_test_soup_peer_free (EitTestSoupPeer *public)
{
  Peer *peer = (Peer *) public;

  for (guint i = 0; i < public->websockets->len; i++)
    {
      SoupWebsocketConnection *websocket = g_ptr_array_index (public->websockets, i);

      if (soup_websocket_connection_get_state (websocket) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    }
  soup_server_disconnect (public->server);
  g_ptr_array_unref (public->websockets);
  g_object_unref (public->server);
  g_free (public->url);
  g_free (public->fingerprint);
  g_free (peer->authorization);
  g_free (peer);
}
