/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client connection layer (docs/PROTOCOL.md 5): the seed's
 * isConnected / send / onMessage, reconnect with exponential back-off and
 * full jitter, inactivity detection, make-before-break cycling and session
 * resumption. Every timing is a property, so tests run in milliseconds. */
#pragma once

#include "eit-types.h"
#include "eit-flow.h"

G_BEGIN_DECLS

/* Which layers a client asks a hub for (PROTOCOL.md 2.3). */
typedef enum {
  EIT_PROTOCOL_PREFERENCE_AUTO, /* offer eithub.v1; fall back to the base layer when the hub does
                                 * not speak what it selected */
  EIT_PROTOCOL_PREFERENCE_FULL, /* offer eithub.v1; never fall back */
  EIT_PROTOCOL_PREFERENCE_BASE, /* never offer eithub.v1 */
} EitProtocolPreference;

/* The connection's mode-reason when it runs the base layer only. */
#define EIT_MODE_REASON_FELL_BACK    "hub selected eithub.v1 but does not speak it"
#define EIT_MODE_REASON_BASE_CHOSEN  "protocol mode set to base"
#define EIT_MODE_REASON_NOT_SELECTED "hub did not select eithub.v1"

#define EIT_TYPE_CONNECTION (eit_connection_get_type ())
G_DECLARE_FINAL_TYPE (EitConnection, eit_connection, EIT, CONNECTION, GObject)

EitConnection *eit_connection_new          (const char *url,
                                            const char *token);

void           eit_connection_connect      (EitConnection *self);
void           eit_connection_disconnect   (EitConnection *self);
/* Make-before-break now, as if cycle-interval had passed. */
void           eit_connection_cycle_now    (EitConnection *self);

/* TRUE in CONNECTED and CYCLING. */
gboolean       eit_connection_is_connected (EitConnection *self);
/* The seed's send(msg): bool. FALSE when not connected, when json is not
 * one valid JSON value or too large, or when the send queue is full. */
gboolean       eit_connection_send         (EitConnection *self,
                                            const char    *json);

EitConnectionState eit_connection_get_state (EitConnection *self);
EitProtocolMode    eit_connection_get_mode  (EitConnection *self);
/* NULL until the first full-protocol connection. */
EitFlow           *eit_connection_get_flow  (EitConnection *self);
/* Why the last attempt failed or the connection was lost; NULL if none. */
const GError      *eit_connection_get_last_error (EitConnection *self);

/* Properties (settings, read-write; construct-time or any time):
 *   url (string), token (string), origin (string)
 *   trust-mode (EitTrustMode), ca-file (string), pinned-fingerprint (string)
 *   inactivity-timeout, keepalive-interval (guint ms)
 *   cycle-interval-min, cycle-interval-max (guint ms; 0 = no cycling)
 *   reconnect-base, reconnect-cap, stable-period, connect-timeout (guint ms)
 *   window-messages (guint), window-bytes (guint64), send-queue-limit (guint)
 *   protocol-mode (EitProtocolPreference: auto, full, base)
 * Properties (read-only, notify on change):
 *   state (EitConnectionState), mode (EitProtocolMode), connected (gboolean)
 *   mode-reason (string): why a connection runs the base layer only, e.g.
 *       "hub selected eithub.v1 but does not speak it"; NULL in full mode
 *   instance-id (string), generation (guint64)
 *   session-id (string), session-epoch (string)
 *   reconnects, cycles, timeouts, session-resets (guint)
 *   backoff-delay (guint ms: the delay chosen for the pending retry)
 *   next-retry-time (gint64 monotonic µs; 0 when no retry is pending)
 *   connected-since (gint64 real-time µs; 0 when not connected)
 *   last-close-code (guint), last-close-reason (string), last-error-message (string)
 *   tls-version, tls-cipher, peer-fingerprint (string)
 *   flow (EitFlow)
 *   messages-in, messages-out, bytes-in, bytes-out (guint64; application
 *       messages in either mode; they change per message, so poll them)
 * Signals:
 *   "message" (const char *json, gsize len): the seed's onMessage.
 *   "sent" (const char *json, gsize len): send () accepted json, whoever
 *       called it (for logs and monitors).
 *   "session-reset" (guint resent): the hub lost our session (restart or
 *       grace period over); resent unacknowledged messages were renumbered.
 *   "transition" (EitConnectionState old, EitConnectionState new,
 *       const char *reason): every state change, with a human reason. */

G_END_DECLS
