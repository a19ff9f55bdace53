/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RFC 6455 framing over an established stream (TLS on a socket), for text
 * messages only, as the Eit protocol is: the hub's side of every
 * connection, under EitTransport. Not public API: only src/lib and the
 * tests use it. Both roles: a client masks what it sends, a server insists
 * on masks; the client role is a raw peer for tests only. The HTTP upgrade
 * is done before this object exists (by EitHubListener on the hub).
 *
 * Why not SoupWebsocketConnection: on GLib 2.74 its stack of nested pollable
 * sources writes the main context's wakeup fd eight times per message
 * (docs/ARCHITECTURE.md, the base layer). This reads through one flat
 * source on the socket, drains the stream on every wake-up and writes each
 * frame at once. Reading is fair: each dispatch reads at most 64 KiB and
 * handles at most 256 frames, then yields to the rest of the loop. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  EIT_WEBSOCKET_ROLE_CLIENT,
  EIT_WEBSOCKET_ROLE_SERVER,
} EitWebsocketRole;

typedef enum {
  EIT_WEBSOCKET_STATE_OPEN,
  EIT_WEBSOCKET_STATE_CLOSING, /* a close frame went out; waiting for the peer's */
  EIT_WEBSOCKET_STATE_CLOSED,
} EitWebsocketState;

#define EIT_TYPE_WEBSOCKET (eit_websocket_get_type ())
G_DECLARE_FINAL_TYPE (EitWebsocket, eit_websocket, EIT, WEBSOCKET, GObject)

/* stream is the upgraded connection; leftover is what was read past the
 * end of the HTTP handshake (NULL for none), handled before anything else.
 * max_message_size: a text message above it is refused with 1009. */
EitWebsocket     *eit_websocket_new              (GIOStream        *stream,
                                                  EitWebsocketRole  role,
                                                  guint64           max_message_size,
                                                  GBytes           *leftover);

EitWebsocketState eit_websocket_get_state        (EitWebsocket *self);
EitWebsocketRole  eit_websocket_get_role         (EitWebsocket *self);
GIOStream        *eit_websocket_get_io_stream    (EitWebsocket *self);

/* One text frame. FALSE (and nothing sent) unless OPEN or text is not UTF-8. */
gboolean          eit_websocket_send_text        (EitWebsocket *self,
                                                  const char   *text,
                                                  gsize         len);
void              eit_websocket_send_ping        (EitWebsocket *self);
/* Sends a close frame (once) and waits close-timeout for the peer's. */
void              eit_websocket_close            (EitWebsocket *self,
                                                  gushort       code,
                                                  const char   *reason);
/* Closes the socket at once: no close frame, no TLS alert. */
void              eit_websocket_abort            (EitWebsocket *self);
/* reason made valid UTF-8 and cut at a character boundary to what a
 * close frame holds (123 bytes); NULL stays NULL. */
char             *eit_websocket_close_reason_dup (const char   *reason);

/* After "closed": the peer's close code and reason, or the ones we sent when
 * we closed first or refused a frame; 0 when it dropped without a frame. */
gushort           eit_websocket_get_close_code   (EitWebsocket *self);
const char       *eit_websocket_get_close_reason (EitWebsocket *self);
gboolean          eit_websocket_get_closed_locally (EitWebsocket *self);

/* Pings every interval_ms (0: never). */
void              eit_websocket_set_keepalive_interval (EitWebsocket *self,
                                                        guint         interval_ms);
/* How long a close waits for the peer's close frame (default 5000 ms). */
void              eit_websocket_set_close_timeout (EitWebsocket *self,
                                                   guint         timeout_ms);

/* Output limit: with more than limit_bytes queued and unsent the peer is not
 * read from; if that lasts deadline_ms it is dropped with close code 4009
 * (its close frame could not get past the unsent bytes). 0: no limit. */
void              eit_websocket_set_output_limit (EitWebsocket *self,
                                                  gsize         limit_bytes,
                                                  guint         deadline_ms);
gsize             eit_websocket_get_unsent_bytes (EitWebsocket *self);
gboolean          eit_websocket_get_output_blocked (EitWebsocket *self);
/* More pings and pongs than this within 1 s close with 1008 (default 100;
 * 0: no limit). */
void              eit_websocket_set_control_frame_limit (EitWebsocket *self,
                                                         guint         per_second);
/* Monotonic µs when bytes last arrived, whole frames or not ("progress
 * counts as life", PROTOCOL.md 5.3); now while we are the ones not reading. */
gint64            eit_websocket_get_last_progress_time (EitWebsocket *self);

/* Walks down wrapper streams (TLS, libsoup's, GIO's TCP wrapper) to the
 * first of type; NULL if there is none. Not a new reference. */
GIOStream        *eit_io_stream_find_base        (GIOStream *stream,
                                                  GType      type);

/* Signals:
 *   "message" (const char *text, gsize len): one whole text message within
 *             the size limit, valid UTF-8, NUL-terminated, valid only during
 *             emission.
 *   "pong"    (): a pong arrived.
 *   "closing" (): once, when the connection stops being OPEN: a close frame
 *             went out or came in, or the stream broke. The end of the
 *             connection is known from here; "closed" follows.
 *   "closed"  (): once, when the stream is closed. */

G_END_DECLS
