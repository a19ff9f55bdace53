/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the connector (eit-transport-connect.c) needs from the transport
 * object (eit-transport.c). Not public API. */
#pragma once

#include <libsoup/soup.h>

#include "eit-transport.h"

G_BEGIN_DECLS

/* Wraps a client WebSocket that libsoup opened. msg is the upgrade request
 * (for its TLS details); socket is the TCP socket under it (for the kernel's
 * receive counter), or NULL when unknown. */
EitTransport *_eit_transport_new_for_client (SoupWebsocketConnection *websocket,
                                             SoupMessage             *msg,
                                             GSocket                 *socket,
                                             EitProtocolMode          mode,
                                             guint64                  max_message_size);

G_END_DECLS
