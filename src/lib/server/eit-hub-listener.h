/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hub's front door, everything before authentication: accepts TCP
 * connections under a global cap and a per-address cap, waits for a first
 * byte before it spends a TLS worker on a peer, runs the TLS handshake,
 * reads the upgrade request's head within a size and time bound, lets the
 * hub decide ("request"), and answers: a refusal with Connection: close, a
 * refusal a page can read (101, then close 4401/4403/4429), or a 101 whose
 * connection it hands over as an EitTransport ("upgraded").
 * docs/SECURITY.md "Before authentication" gives every bound. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "eit-transport.h"
#include "eit-types.h"

G_BEGIN_DECLS

#define EIT_DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS 64
#define EIT_DEFAULT_FIRST_BYTE_TIMEOUT_MS           3000
#define EIT_DEFAULT_HANDSHAKE_TIMEOUT_MS            10000
#define EIT_DEFAULT_REQUEST_TIMEOUT_MS              10000

#define EIT_TYPE_HUB_LISTENER (eit_hub_listener_get_type ())
G_DECLARE_FINAL_TYPE (EitHubListener, eit_hub_listener, EIT, HUB_LISTENER, GObject)

/* One upgrade request, for the "request" handler to decide on. */
typedef struct
{
  /* Set by the listener. */
  const char         *peer;              /* the client's IP address */
  SoupMessageHeaders *request_headers;
  gboolean            is_upgrade;        /* it asks for "Upgrade: websocket" */
  const char         *upgrade_error;     /* why it breaks RFC 6455 4.2.1, or NULL */

  /* Set by the handler. */
  guint               status;            /* SOUP_STATUS_SWITCHING_PROTOCOLS to upgrade */
  char               *body;              /* a refusal's text: what to do */
  SoupMessageHeaders *response_headers;  /* extra headers (WWW-Authenticate, Retry-After,
                                          * Sec-WebSocket-Protocol) */
  EitProtocolMode     mode;              /* of an upgrade */
  guint64             max_message_size;  /* of an upgrade */
  guint               tag;               /* given back with "upgraded" */
} EitHubRequest;

/* Whether the request offers protocol in Sec-WebSocket-Protocol. */
gboolean        eit_hub_request_offers_protocol (EitHubRequest *request,
                                                 const char    *protocol);

EitHubListener *eit_hub_listener_new       (void);
/* address: an IP address; "0.0.0.0" and "::" listen on every address. */
gboolean        eit_hub_listener_listen    (EitHubListener *self,
                                            const char     *address,
                                            guint           port,
                                            GError        **error);
guint           eit_hub_listener_get_port  (EitHubListener *self);
/* A URL a client on this machine can use: "wss://127.0.0.1:PORT/",
 * "wss://[::1]:PORT/"; the loopback address of the family when listening on
 * every address. NULL before listen(). */
char           *eit_hub_listener_get_url   (EitHubListener *self);
/* The max-connections in force: the property, or the default derived from
 * the open-file limit when it is 0. */
guint           eit_hub_listener_get_effective_max_connections (EitHubListener *self);
/* Accepted connections that are open: not yet upgraded, refused and
 * closing, or upgraded and not yet closed. */
guint           eit_hub_listener_get_n_connections (EitHubListener *self);
/* Stops listening and drops every connection that is not upgraded, except
 * one whose 101 is on its way when code is not 0: its client will take it
 * for a WebSocket, so once the 101 is out it is closed with code and
 * reason, like every open connection. */
void            eit_hub_listener_stop      (EitHubListener *self,
                                            gushort         code,
                                            const char     *reason);

/* Properties:
 *   tls-certificate (GTlsCertificate)
 *   max-connections (guint, 0 = open-file limit minus headroom): at the
 *       cap the listener stops accepting until a connection ends
 *   max-unauthenticated-per-address (guint, default 64): over it, a new
 *       connection from that address is closed at once
 *   first-byte-timeout (guint ms, default 3000): TCP without a first byte
 *   handshake-timeout (guint ms, default 10000): from the connect to the
 *       end of the TLS handshake
 *   request-timeout (guint ms, default 10000): from TLS done to a complete
 *       request head
 * Signals:
 *   "request" (EitHubRequest *): decide; set at least status (and body)
 *   "upgraded" (EitTransport *, guint tag, const char *peer,
 *       const char *protocol): a 101 went out, selecting protocol (or none);
 *       the transport is the connection's from here on
 *   "log" (const char *line) */

G_END_DECLS
