/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What EitHubServer and EitHubSession tell each other; not public API. */
#pragma once

#include "eit-hub-server.h"
#include "eit-hub-session.h"
#include "eit-transport.h"

G_BEGIN_DECLS

typedef struct {
  guint   inactivity_timeout;
  guint   keepalive_interval;
  guint   session_grace;
  guint   window_messages;
  guint64 window_bytes;
  guint   send_queue_limit;
  guint64 max_message_size;
} EitHubSettings;

EitHubSession *eit_hub_session_new_internal (EitHubServer         *server,
                                             const char           *instance,
                                             EitProtocolMode       mode,
                                             const EitHubSettings *settings);
/* Full protocol: the welcome has been sent on transport; it becomes current
 * and every older connection of the instance is superseded. */
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

G_END_DECLS
