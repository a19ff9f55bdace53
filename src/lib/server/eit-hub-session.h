/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One client instance on the hub: its session (for resumption), its current
 * connection and generation, and its EitFlow. Base-layer clients get a
 * session too (without resumption), so the application treats both alike. */
#pragma once

#include "eit-types.h"
#include "eit-flow.h"

G_BEGIN_DECLS

#define EIT_TYPE_HUB_SESSION (eit_hub_session_get_type ())
G_DECLARE_FINAL_TYPE (EitHubSession, eit_hub_session, EIT, HUB_SESSION, GObject)

/* FALSE when the message is refused (see eit_flow_send) or the session has no
 * connection in base-layer mode. In full mode a session in its grace period
 * still queues. */
gboolean        eit_hub_session_send           (EitHubSession *self,
                                                const char    *json,
                                                gssize         len);
const char     *eit_hub_session_get_id         (EitHubSession *self);
const char     *eit_hub_session_get_instance   (EitHubSession *self);
guint64         eit_hub_session_get_generation (EitHubSession *self);
EitProtocolMode eit_hub_session_get_mode       (EitHubSession *self);
gboolean        eit_hub_session_is_attached    (EitHubSession *self);
/* NULL in base-layer mode. */
EitFlow        *eit_hub_session_get_flow       (EitHubSession *self);
/* Closes the session's current connection (if any) with code and reason. */
void            eit_hub_session_close          (EitHubSession *self,
                                                gushort        code,
                                                const char    *reason);

G_END_DECLS
