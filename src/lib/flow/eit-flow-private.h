/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the layers around a flow do with it: the connection layer (client)
 * and the hub's session make one per session, attach it to each transport,
 * hand it the back-off layer's frames and send through it. Not public API. */
#pragma once

#include "eit-flow.h"
#include "eit-json-private.h"

G_BEGIN_DECLS

/* A data frame carries at most what the path delivers in this long ... */
#define EIT_FLOW_FRAME_TIME_MS           100
/* ... and at most this many bytes of bodies (always at least one body). */
#define EIT_FLOW_MAX_FRAME_BODIES_BYTES  65536

EitFlow  *eit_flow_new                (void);

/* Accepts one JSON message for sending. FALSE, and nothing accepted, when the
 * text is not one valid JSON value, is larger than max-message-size, or the
 * send queue is full in messages or bytes (policy: reject new, PROTOCOL.md
 * 6.2; an empty queue takes any message up to max-message-size). */
gboolean  eit_flow_send               (EitFlow    *self,
                                       const char *json,
                                       gssize      len);

/* Starts using transport: re-sends every message the peer has not received
 * (seq > peer_recv) through the usual bounded frames, within credit, forgets
 * what it consumed (seq <= peer_ack), and adopts the peer's receive window,
 * clamped to our own window settings. The delivery-rate window carries over
 * from the previous transport of the session. */
void      eit_flow_attach             (EitFlow      *self,
                                       EitTransport *transport,
                                       guint64       peer_recv,
                                       guint64       peer_ack,
                                       guint         peer_window_messages,
                                       guint64       peer_window_bytes);
/* Stops sending on the current transport (frames from it are still taken). */
void      eit_flow_detach             (EitFlow      *self);
EitTransport *eit_flow_get_transport  (EitFlow      *self);

/* A frame of the back-off layer (data, ack, ping, pong) from any transport of
 * this session. Closes the transport with the documented code on a
 * violation. Returns FALSE if it closed the transport. */
gboolean  eit_flow_receive            (EitFlow           *self,
                                       EitTransport      *from,
                                       const EitEnvelope *envelope,
                                       GArray            *bodies);

/* A new session: both directions restart at sequence 1. Messages sent and
 * not acknowledged are renumbered, in order, and sent again. Returns how many. */
guint     eit_flow_reset_session      (EitFlow *self);

/* For hello / welcome. */
guint64   eit_flow_get_recv_seq       (EitFlow *self);
guint64   eit_flow_get_consumed_seq   (EitFlow *self);

G_END_DECLS
