/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The base layer: one authenticated WebSocket over TLS carrying JSON text
 * frames. A client transport is made by eit_transport_connect_async() and
 * runs on libsoup's SoupWebsocketConnection; the hub wraps the connections
 * it accepts, which run on our own EitWebsocket (eit-transport-private.h).
 * Either way the protocol's size limit is enforced (close 1009 with a
 * reason), binary frames are refused (1003) and TLS details are reported.
 * It knows nothing of envelopes or sessions. */
#pragma once

#include <gio/gio.h>
#include "eit-types.h"

G_BEGIN_DECLS

#define EIT_TYPE_TRANSPORT (eit_transport_get_type ())
G_DECLARE_FINAL_TYPE (EitTransport, eit_transport, EIT, TRANSPORT, GObject)

typedef struct {
  const char   *url;            /* wss://host:port/path */
  const char   *token;          /* sent as Authorization: Bearer; NULL for none */
  EitTrustMode  trust_mode;
  const char   *ca_file;        /* EIT_TRUST_CA_FILE: PEM file */
  const char   *pin;            /* EIT_TRUST_PINNED: "sha256:<hex>" (any form eit_tls_normalize_pin takes) */
  gboolean      offer_v1;       /* offer eithub.v1; FALSE offers eithub.json (base layer) */
  const char   *origin;         /* NULL for none */
  guint64       max_message_size; /* 0 for the default */
} EitTransportOptions;

/* Connects. Errors (EIT_ERROR): AUTH (401), FORBIDDEN (403), TOO_MANY (429),
 * TLS (untrusted certificate), TLS_HANDSHAKE (no TLS on that port, or the
 * handshake broke off: retried), PIN_MISMATCH, REFUSED (network), NOT_WEBSOCKET,
 * CONFIG (bad URL, unreadable CA file, bad pin). Messages say what to fix. */
void          eit_transport_connect_async  (const EitTransportOptions *options,
                                            GCancellable              *cancellable,
                                            GAsyncReadyCallback        callback,
                                            gpointer                   user_data);
EitTransport *eit_transport_connect_finish (GAsyncResult  *result,
                                            GError       **error);

EitProtocolMode eit_transport_get_mode          (EitTransport *self);
gboolean        eit_transport_is_open           (EitTransport *self);
/* Sends one text frame; FALSE (and nothing sent) when not open. */
gboolean        eit_transport_send              (EitTransport *self,
                                                 const char   *text,
                                                 gsize         len);
/* Closes once; later calls and calls on a closed transport do nothing. */
void            eit_transport_close             (EitTransport *self,
                                                 gushort       code,
                                                 const char   *reason);
/* Drops the TCP connection without a close frame (for tests and for giving
 * up on a half-open link). */
void            eit_transport_abort             (EitTransport *self);

/* After "closed": the peer's close code and reason, or the code and reason
 * we sent when we closed first (eit_transport_get_closed_locally()). 0 when
 * the connection dropped without a close frame. */
gushort         eit_transport_get_close_code    (EitTransport *self);
const char     *eit_transport_get_close_reason  (EitTransport *self);
gboolean        eit_transport_get_closed_locally (EitTransport *self);

const char     *eit_transport_get_tls_version   (EitTransport *self);
const char     *eit_transport_get_tls_cipher    (EitTransport *self);
const char     *eit_transport_get_peer_fingerprint (EitTransport *self);
guint64         eit_transport_get_bytes_in      (EitTransport *self);
guint64         eit_transport_get_bytes_out     (EitTransport *self);
guint64         eit_transport_get_frames_in     (EitTransport *self);
guint64         eit_transport_get_frames_out    (EitTransport *self);

/* Signals:
 *   "frame"  (const char *text, gsize len): one text frame, within the size
 *            limit. text is NUL-terminated and valid only during emission.
 *   "pong"   (): a WebSocket pong arrived (activity in base-layer mode).
 *   "closed" (): emitted once, when the connection is gone. */

G_END_DECLS
