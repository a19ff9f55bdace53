/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the hub's parts share: the settings every session gets, and how a
 * session reports to its owner without knowing it. Not public API. */
#pragma once

#include "eit-flow-private.h"
#include "eit-hub-session.h"
#include "eit-transport-private.h"

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

/* What a session tells its owner (the server); owner is the first argument
 * of each. Knowledge flows one way: the session never calls the server. */
typedef struct {
  /* The hub-wide budget for queued bytes (docs/SECURITY.md): FALSE when the
   * hub is over it and session holds at least its fair share. */
  gboolean (*may_queue) (gpointer       owner,
                         EitHubSession *session,
                         gsize          len);
  /* An application message from the session's client. */
  void     (*deliver)   (gpointer       owner,
                         EitHubSession *session,
                         const char    *json,
                         gsize          len);
  /* The session is over: its grace period ran out, or it cannot resume. */
  void     (*expired)   (gpointer       owner,
                         EitHubSession *session);
  /* One event line. kind: at most one line a second of it ("supersede"),
   * or NULL for every line. */
  void     (*log)       (gpointer       owner,
                         const char    *kind,
                         const char    *format,
                         va_list        args) G_GNUC_PRINTF (3, 0);
} EitHubSessionHost;

/* identity: the token's SHA-256 digest in hex (logs show 8 digits). */
EitHubSession *eit_hub_session_new_internal (const EitHubSessionHost *host,
                                             gpointer                 owner,
                                             const char              *identity,
                                             const char              *instance,
                                             EitProtocolMode          mode,
                                             const EitHubSettings    *settings);
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

G_END_DECLS
