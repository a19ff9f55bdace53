/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The back-off layer, both sides alike (docs/PROTOCOL.md 4.3-4.5 and 6):
 * sequence numbers and cumulative acks, credit windows, the bounded send
 * queue, coalescing into "data" frames, keep-alive pings and round-trip
 * time. A flow outlives transports: the connection layer attaches it to each
 * new transport of the same session. */
#pragma once

#include "eit-types.h"
#include "eit-json.h"

G_BEGIN_DECLS

/* Bytes of accepted, not yet sent messages (PROTOCOL.md 6.2). */
#define EIT_DEFAULT_SEND_QUEUE_BYTES     8388608
/* A data frame carries at most what the path delivers in this long ... */
#define EIT_FLOW_FRAME_TIME_MS           100
/* ... and at most this many bytes of bodies (always at least one body). */
#define EIT_FLOW_MAX_FRAME_BODIES_BYTES  65536

#define EIT_TYPE_FLOW (eit_flow_get_type ())
G_DECLARE_FINAL_TYPE (EitFlow, eit_flow, EIT, FLOW, GObject)

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

/* Holding delivery models a consumer that stops reading: messages wait (up
 * to the window), are not acknowledged, and the sender runs out of credit. */
void      eit_flow_set_receiving_paused (EitFlow *self,
                                         gboolean paused);

/* Properties (settings, read-write):
 *   window-messages (guint), window-bytes (guint64): our receive window
 *   send-queue-limit (guint): messages; send-queue-bytes (guint64)
 *   queue-delay-target (guint, ms): the delivery-rate window's target
 *   keepalive-interval (guint, ms, 0 = off),
 *   rtt-interval (guint, ms, 0 = off): ping at least this often, busy or not,
 *   ack-delay (guint, ms), max-message-size (guint64), receiving-paused (gboolean)
 * Properties (metrics, read-only; they change per message, so they do not
 * notify: poll them, or eit_flow_get_stats ()):
 *   peer-window-messages (guint), peer-window-bytes (guint64)
 *   credit-messages (guint), credit-bytes (guint64): what we may still send
 *   in-flight-messages (guint), in-flight-bytes (guint64): sent, not acked
 *   queue-depth (guint): accepted by send(), not yet sent
 *   inbound-pending (guint): received, not yet consumed
 *   credit-wait-time (gint64, µs): total time messages waited for credit
 *   adapted-window (guint64): the byte window we send within, the peer's
 *     narrowed to the delivery-rate window (PROTOCOL.md 6.4)
 *   delivery-rate (double, bytes/s; 0 before the first sample)
 *   frame-bound (guint64): bytes of bodies the next data frame may carry
 *   queued-bytes (guint64): bytes accepted by send(), not yet sent
 *   pings-sent, pongs-received, pings-received (guint64)
 *   rtt-last, rtt-smoothed, rtt-p50, rtt-p99 (double, ms; -1 before a sample)
 *   messages-in, messages-out, bytes-in, bytes-out (guint64): application messages
 *   frames-out (guint64), duplicates (guint64), resent (guint64), rejected (guint64)
 * Signals:
 *   "message" (const char *json, gsize len): one application message, in
 *             order; json is NUL-terminated and valid during emission only.
 */

/* A cheap copy of every metric, for exports and benchmarks. */
typedef struct {
  guint   window_messages, peer_window_messages, credit_messages, in_flight_messages;
  guint64 window_bytes, peer_window_bytes, credit_bytes, in_flight_bytes;
  guint   queue_depth, inbound_pending;
  gint64  credit_wait_time;
  gboolean waiting_for_credit;    /* a message is ready and credit is out */
  guint64 adapted_window, frame_bound, queued_bytes, send_queue_bytes;
  double  delivery_rate, rtt_min, ack_rtt;
  guint64 pings_sent, pongs_received, pings_received;
  double  rtt_last, rtt_smoothed, rtt_p50, rtt_p99;
  guint64 messages_in, messages_out, bytes_in, bytes_out;
  guint64 frames_out, duplicates, resent, rejected;
} EitFlowStats;

void      eit_flow_get_stats          (EitFlow      *self,
                                       EitFlowStats *stats);

G_END_DECLS
