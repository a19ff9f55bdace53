/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What tests need from EitConnection beyond the public API. Not public API. */
#pragma once

#include "eit-connection.h"
#include "eit-transport.h"

G_BEGIN_DECLS

/* Opens one transport for a connection attempt, in place of
 * eit_transport_connect_async (): tests give one that links the connection
 * to an in-process peer over a socketpair, so the state machine runs
 * without a hub. It completes as eit_transport_connect_async () does:
 * callback gets a GTask whose source tag is eit_transport_connect_async and
 * whose result eit_transport_connect_finish () returns (an EitTransport, or
 * an error; G_IO_ERROR_CANCELLED once cancellable is cancelled). */
typedef void (*EitConnectFunc) (gpointer                   data,
                                const EitTransportOptions *options,
                                GCancellable              *cancellable,
                                GAsyncReadyCallback        callback,
                                gpointer                   user_data);

/* func NULL: back to eit_transport_connect_async (). Set it before connecting. */
void _eit_connection_set_connect_func (EitConnection  *self,
                                       EitConnectFunc  func,
                                       gpointer        data);

G_END_DECLS
