/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the rest of src/lib needs from the transport object
 * (eit-transport.c): the connector (eit-transport-connect.c) and the hub
 * make transports, the connection layer watches them for life. Not public
 * API. */
#pragma once

#include <libsoup/soup.h>

#include "eit-transport.h"
#include "eit-websocket-private.h"

G_BEGIN_DECLS

/* Wraps a client WebSocket that libsoup opened. msg is the upgrade request
 * (for its TLS details), or NULL for a link without one (a test's
 * socketpair); socket is the TCP socket under it (for the kernel's receive
 * counter), or NULL when unknown. */
EitTransport *_eit_transport_new_for_client (SoupWebsocketConnection *websocket,
                                             SoupMessage             *msg,
                                             GSocket                 *socket,
                                             EitProtocolMode          mode,
                                             guint64                  max_message_size);

/* stream: the connection after the hub wrote its 101. mode is what the hub
 * negotiated. */
EitTransport *eit_transport_new_for_server (GIOStream       *stream,
                                            EitProtocolMode  mode,
                                            guint64          max_message_size);

/* For a client that finds the hub does not speak what it selected
 * (PROTOCOL.md 2.3): the frames from now on are read in mode. */
void          eit_transport_set_mode       (EitTransport    *self,
                                            EitProtocolMode  mode);

/* monotonic µs of the last frame (any kind, pongs included) received */
gint64        eit_transport_get_last_receive_time (EitTransport *self);
/* The kernel's count of bytes received on the TCP connection (Linux TCP_INFO
 * tcpi_bytes_received): it moves while a large frame is still arriving,
 * before any frame is delivered. FALSE when it cannot be read. */
gboolean      eit_transport_get_kernel_bytes_received (EitTransport *self,
                                                       guint64      *bytes);

/* WebSocket-level keepalive pings (base-layer mode); 0 disables. */
void          eit_transport_set_ws_keepalive (EitTransport *self,
                                              guint         interval_ms);
/* The hub's framing (NULL on a client) and a client's libsoup WebSocket
 * (NULL on the hub). */
EitWebsocket *eit_transport_get_websocket  (EitTransport *self);
SoupWebsocketConnection *eit_transport_get_soup_websocket (EitTransport *self);

G_END_DECLS
