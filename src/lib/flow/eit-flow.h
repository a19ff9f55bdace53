/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The back-off layer, both sides alike (docs/PROTOCOL.md 4.3-4.5 and 6):
 * sequence numbers and cumulative acks, credit windows, the bounded send
 * queue, coalescing into "data" frames, keep-alive pings and round-trip
 * time. A flow outlives transports: the connection layer attaches it to each
 * new transport of the same session. An application gets its flow from
 * eit_connection_get_flow () and reads it; what the layers above do with a
 * flow (send, attach, receive) is in eit-flow-private.h. */
#pragma once

#include "eit-types.h"

G_BEGIN_DECLS

/* Bytes of accepted, not yet sent messages (PROTOCOL.md 6.2). */
#define EIT_DEFAULT_SEND_QUEUE_BYTES     8388608

#define EIT_TYPE_FLOW (eit_flow_get_type ())
G_DECLARE_FINAL_TYPE (EitFlow, eit_flow, EIT, FLOW, GObject)

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
 * Metrics change per message, so they are not properties: read them with
 * eit_flow_get_stats ().
 * Signals:
 *   "message" (const char *json, gsize len): one application message, in
 *             order; json is NUL-terminated and valid during emission only.
 */

/* A cheap copy of every metric, for exports, benchmarks and monitors. */
typedef struct {
  /* Windows: ours (what we grant), the peer's (what it granted us, clamped
   * to ours), the credit we may still send within it, and what is in
   * flight (sent, not acknowledged). */
  guint   window_messages, peer_window_messages, credit_messages, in_flight_messages;
  guint64 window_bytes, peer_window_bytes, credit_bytes, in_flight_bytes;
  /* queue_depth: accepted by send (), not yet sent; inbound_pending:
   * received, not yet consumed. */
  guint   queue_depth, inbound_pending;
  gint64  credit_wait_time;       /* µs, total time messages waited for credit */
  gboolean waiting_for_credit;    /* a message is ready and credit is out */
  /* adapted_window: the byte window we send within, the peer's narrowed to
   * the delivery-rate window (PROTOCOL.md 6.4); frame_bound: bytes of
   * bodies the next data frame may carry; queued_bytes: accepted by
   * send (), not yet sent; send_queue_bytes: the setting. */
  guint64 adapted_window, frame_bound, queued_bytes, send_queue_bytes;
  /* delivery_rate in bytes/s (0 before the first sample); rtt_min and
   * ack_rtt in ms; queue_delay: ms our data last queued on its way, as the
   * peer measured it, and path_rtt: the ack RTT without it (-1 while the
   * peer reports none). */
  double  delivery_rate, rtt_min, ack_rtt, queue_delay, path_rtt;
  guint64 pings_sent, pongs_received, pings_received;
  double  rtt_last, rtt_smoothed, rtt_p50, rtt_p99; /* ms; -1 before a sample */
  guint64 messages_in, messages_out, bytes_in, bytes_out; /* application messages */
  guint64 frames_out, duplicates, resent, rejected;
} EitFlowStats;

void      eit_flow_get_stats          (EitFlow      *self,
                                       EitFlowStats *stats);

G_END_DECLS
