/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hub's sessions (PROTOCOL.md 5.5): keyed by (token identity, client
 * instance), so two instances sharing a token never replace each other and
 * nothing crosses tokens; the rules that admit a hello into its instance's
 * session (multi-tab: stale, in use, takeover storm, generation jumps); and
 * the hub-wide budget for queued bytes (docs/SECURITY.md). It owns the
 * sessions; the server emits what changes. Not public API. */
#pragma once

#include "eit-handshake.h"
#include "eit-hub-private.h"

G_BEGIN_DECLS

typedef struct {
  const EitHubSettings    *settings;  /* the server's */
  const EitHubSessionHost *host;      /* given to every session */
  gpointer                 owner;
  /* "identity/instance" -> full-protocol EitHubSession: base-layer sessions
   * have no name a hello could use, so they are not in it. */
  GHashTable              *by_instance;
  GHashTable              *by_id;     /* session id -> full EitHubSession, not owned */
  GPtrArray               *sessions;  /* every session, base layer too, in order of arrival */
  guint64                  max_queued_bytes;
  guint64                  queued_total;  /* cached for a millisecond: summing is O(sessions) */
  gint64                   queued_total_time;
  guint                    base_counter;
} EitHubRegistry;

/* What the session rules say about a hello. */
typedef struct {
  gushort        refusal_code;  /* 0: admitted */
  char          *refusal;       /* the close reason when refused; the caller frees it */
  EitHubSession *session;       /* the instance's session (not owned), NULL: none */
  gboolean       resumed;       /* session continues; otherwise a new one replaces it */
  guint64        generation;    /* the generation the hub gives the connection */
} EitHubAdmission;

void           eit_hub_registry_init    (EitHubRegistry          *registry,
                                         const EitHubSettings    *settings,
                                         const EitHubSessionHost *host,
                                         gpointer                 owner);
/* Disposes every session and forgets them. */
void           eit_hub_registry_dispose  (EitHubRegistry         *registry);
void           eit_hub_registry_finalize (EitHubRegistry         *registry);
EitHubSession *eit_hub_registry_add     (EitHubRegistry          *registry,
                                         const char              *identity,
                                         const char              *instance,
                                         EitProtocolMode          mode);
/* A name for a base-layer session: "base-N". */
char          *eit_hub_registry_next_base_instance (EitHubRegistry *registry);
/* FALSE when the session was not (or no longer) registered. */
gboolean       eit_hub_registry_remove  (EitHubRegistry          *registry,
                                         EitHubSession           *session);
/* Applies PROTOCOL.md 5.5 to hello from a connection of identity; records
 * the takeover it allows. epoch: the hub's. */
void           eit_hub_registry_admit   (EitHubRegistry          *registry,
                                         const char              *identity,
                                         const EitHello          *hello,
                                         const char              *epoch,
                                         EitHubAdmission         *admission);
/* FALSE when the hub is over its budget and session holds at least its
 * fair share; *own and *fair then say how much. */
gboolean       eit_hub_registry_may_queue (EitHubRegistry        *registry,
                                           EitHubSession         *session,
                                           gsize                  len,
                                           guint64               *own,
                                           guint64               *fair);

G_END_DECLS
