/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client side of the WebSocket upgrade (RFC 6455 4.1) on a connection
 * that is already TLS: writes the GET with its Sec-WebSocket-Key, reads the
 * answer's head and checks a 101 the way RFC 6455 4.2.2 says. A refusal
 * (401, 403, 429...) is not an error here: the caller reads its status and
 * headers to say what to fix. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  guint status;
  char *reason_phrase;
  SoupMessageHeaders *headers;
  char *protocol;   /* the subprotocol a 101 chose, or NULL */
  GBytes *leftover; /* frames that came right behind a 101's head */
} EitUpgradeResponse;

/* path_and_query: what follows the authority in the URL ("/" at least).
 * request_headers: Authorization, Origin and the like; may be NULL. */
void                eit_upgrade_async  (GIOStream           *stream,
                                        const char          *host,
                                        const char          *path_and_query,
                                        const char * const  *protocols,
                                        SoupMessageHeaders  *request_headers,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* G_IO_ERROR for I/O, G_IO_ERROR_INVALID_DATA for an answer that is not
 * HTTP or a 101 that breaks RFC 6455 (the message says how). */
EitUpgradeResponse *eit_upgrade_finish (GAsyncResult  *result,
                                        GError       **error);
void                eit_upgrade_response_free (EitUpgradeResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EitUpgradeResponse, eit_upgrade_response_free)

G_END_DECLS
