/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A peer we did not write: a bare libsoup WebSocket server over real TLS on
 * 127.0.0.1, as a base-layer or MVP hub is, checking the token before the
 * upgrade and keeping every WebSocket it accepts. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Called for each accepted WebSocket, after the peer took its reference. */
typedef void (*EitTestSoupPeerAccepted) (SoupWebsocketConnection *websocket,
                                         gpointer                 user_data);

typedef struct {
  SoupServer *server;
  GPtrArray  *websockets;   /* every SoupWebsocketConnection accepted */
  char       *url;          /* wss://127.0.0.1:PORT/ */
  char       *fingerprint;  /* of its certificate, to pin */
} EitTestSoupPeer;

/* Listens on 127.0.0.1:0 with certificate (NULL: eit_test_certificate ()).
 * token: the upgrade needs "Authorization: Bearer token", else 401 (NULL:
 * no check). protocols: what the handshake selects from (NULL: none, as a
 * base-layer hub). accepted: may be NULL. */
EitTestSoupPeer *eit_test_soup_peer_new  (GTlsCertificate         *certificate,
                                          const char              *token,
                                          const char * const      *protocols,
                                          EitTestSoupPeerAccepted  accepted,
                                          gpointer                 user_data);
/* An EitTestSoupPeerAccepted that echoes every message back, as MVP hubs do. */
void             eit_test_soup_peer_echo (SoupWebsocketConnection *websocket,
                                          gpointer                 user_data);
/* Closes the WebSockets still open (going away) and stops listening. */
void             eit_test_soup_peer_free (EitTestSoupPeer         *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EitTestSoupPeer, eit_test_soup_peer_free)

G_END_DECLS
