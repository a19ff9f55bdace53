/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Two ends of one link inside the test process, over socketpair (AF_UNIX):
 * no TLS, no hub, no port, so a unit test drives a layer in milliseconds.
 * The transports are the real ones: a client's on libsoup's WebSocket, the
 * hub's on EitWebsocket, exactly as after an upgrade over the network. */
#pragma once

#include <gio/gio.h>

#include "eit-transport.h"

G_BEGIN_DECLS

/* Two connected stream sockets. */
void          eit_test_socket_pair       (GSocketConnection **a,
                                          GSocketConnection **b);

/* A client transport and the hub transport at the other end of its link,
 * speaking mode (full: eithub.v1 frames with envelopes; base: bare JSON). */
void          eit_test_transport_pair    (EitProtocolMode     mode,
                                          EitTransport      **client,
                                          EitTransport      **hub);

/* Hands one frame of transport to flow, as the connection layer and the
 * hub's session do; the frame must be a valid envelope. bodies: scratch
 * (element type EitJsonSpan). */
void          eit_test_flow_receive_frame (EitFlow          *flow,
                                           EitTransport     *transport,
                                           const char       *text,
                                           gsize             len,
                                           GArray           *bodies);

/* The task an EitConnectFunc (eit-connection-private.h) completes: with
 * g_task_return_pointer (task, transport, g_object_unref) or
 * g_task_return_error (). The connection finishes it with
 * eit_transport_connect_finish (), as a connection over the network. */
GTask        *eit_test_connect_task_new  (GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);

G_END_DECLS
