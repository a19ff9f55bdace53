/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hub's HTTP gate: decides each upgrade request in the order of
 * PROTOCOL.md 2.4 (origin, token, upgrade, the token's connection limit,
 * RFC 6455), answers a refusal with a status and a body that says what to
 * do, selects the subprotocol, and counts the open connections per token.
 * The server's properties write its fields. Not public API. */
#pragma once

#include "eit-hub-listener.h"

G_BEGIN_DECLS

/* The token index of a connection accepted without a token (insecure-dev). */
#define EIT_HUB_GATE_NO_TOKEN G_MAXUINT

typedef struct {
  char       **tokens;
  char       **token_digests;    /* SHA-256 of each token, in hex */
  char       **allowed_origins;  /* NULL or empty: no Origin check */
  gboolean     insecure_dev;
  guint        max_connections_per_token;
  GHashTable  *per_token;        /* token index -> open connections */
} EitHubGate;

void  eit_hub_gate_init       (EitHubGate         *gate);
void  eit_hub_gate_clear      (EitHubGate         *gate);
void  eit_hub_gate_set_tokens (EitHubGate         *gate,
                               const char * const *tokens);
/* Sets the request's status and body; for an upgrade also its mode,
 * Sec-WebSocket-Protocol and tag (the token's index). */
void  eit_hub_gate_decide     (EitHubGate         *gate,
                               EitHubRequest      *request);
/* Who a connection belongs to: the SHA-256 of its token, never the token;
 * "none" without one. */
char *eit_hub_gate_identity   (EitHubGate         *gate,
                               guint               index);
/* A connection of the token opened (+1) or closed (-1). */
void  eit_hub_gate_count      (EitHubGate         *gate,
                               guint               index,
                               int                 delta);

G_END_DECLS
