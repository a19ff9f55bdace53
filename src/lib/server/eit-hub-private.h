/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What EitHubServer and EitHubSession tell each other; not public API. */
#pragma once

#include "eit-hub-server.h"
#include "eit-hub-session.h"
#include "eit-transport.h"

G_BEGIN_DECLS

/* Takeover storm (PROTOCOL.md 5.5): an instance whose live connection was
 * taken over this many times within the window refuses the next takeover. */
#define EIT_DEFAULT_TAKEOVER_STORM_LIMIT     5
#define EIT_DEFAULT_TAKEOVER_STORM_WINDOW_MS 60000
/* How far a hello's generation may pass the greatest one accepted. */
#define EIT_MAX_GENERATION_JUMP      65536

/* After authentication (docs/SECURITY.md): unsent bytes per connection
 * before the hub stops reading it, how long that may last before 4009, pings
 * and pongs per second before 1008, and bytes queued hub-wide. */
#define EIT_DEFAULT_OUTPUT_LIMIT              (4 * 1024 * 1024)
#define EIT_DEFAULT_SLOW_CONSUMER_TIMEOUT_MS  10000
#define EIT_DEFAULT_CONTROL_FRAME_LIMIT       100
#define EIT_DEFAULT_MAX_QUEUED_BYTES          ((guint64) 512 * 1024 * 1024)

typedef struct {
  guint   inactivity_timeout;
  guint   keepalive_interval;
  guint   session_grace;
  guint   window_messages;
  guint64 window_bytes;
  guint   send_queue_limit;
  guint64 max_message_size;
  guint64 output_limit;
  guint   slow_consumer_timeout;
  guint   control_frame_limit;
  guint   takeover_storm_limit;   /* 0: no limit */
  guint   takeover_storm_window;
} EitHubSettings;

/* identity: the token's SHA-256 digest in hex (logs show 8 digits). */
EitHubSession *eit_hub_session_new_internal (EitHubServer         *server,
                                             const char           *identity,
                                             const char           *instance,
                                             EitProtocolMode       mode,
                                             const EitHubSettings *settings);
const char    *eit_hub_session_get_identity (EitHubSession *self);
/* Open and heard from (any bytes) within inactivity-timeout. */
gboolean       eit_hub_session_has_live_connection (EitHubSession *self);
/* Takeovers of a live connection within the storm window. */
guint          eit_hub_session_count_takeovers (EitHubSession *self);
void           eit_hub_session_record_takeover (EitHubSession *self);
/* A new session of the same instance keeps the old one's greatest
 * generation and takeover history. */
void           eit_hub_session_inherit        (EitHubSession *self,
                                               EitHubSession *old);
/* Bytes queued for the peer: the flow's queue and window in flight, and
 * what the WebSockets have not written. */
guint64        eit_hub_session_get_queued_bytes (EitHubSession *self);
/* Full protocol: the welcome has been sent on transport; it becomes current
 * and the connection it replaces is closed with 4004 at once. */
void           eit_hub_session_take_transport (EitHubSession *self,
                                               EitTransport  *transport,
                                               guint64        generation,
                                               guint64        peer_recv,
                                               guint64        peer_ack,
                                               guint          peer_window_messages,
                                               guint64        peer_window_bytes);
guint64        eit_hub_session_get_max_generation (EitHubSession *self);
gboolean       eit_hub_session_is_expired     (EitHubSession *self);
/* Closes every connection of the session with code and reason. */
void           eit_hub_session_close_all      (EitHubSession *self,
                                               gushort        code,
                                               const char    *reason);
void           eit_hub_session_abort_all      (EitHubSession *self);

/* Called by sessions. */
void           eit_hub_server_deliver         (EitHubServer  *self,
                                               EitHubSession *session,
                                               const char    *json,
                                               gsize          len);
void           eit_hub_server_session_expired (EitHubServer  *self,
                                               EitHubSession *session);
void           eit_hub_server_log             (EitHubServer  *self,
                                               const char    *format,
                                               ...) G_GNUC_PRINTF (2, 3);
/* At most one line a second per kind ("supersede", "session-refusal",
 * "queue-budget"); the next one says how many were left out. */
void           eit_hub_server_log_limited     (EitHubServer  *self,
                                               const char    *kind,
                                               const char    *format,
                                               ...) G_GNUC_PRINTF (3, 4);
/* The hub-wide budget for queued bytes (docs/SECURITY.md): FALSE when the
 * hub is over it and session holds at least its fair share. */
gboolean       eit_hub_server_may_queue       (EitHubServer  *self,
                                               EitHubSession *session,
                                               gsize          len);

G_END_DECLS
