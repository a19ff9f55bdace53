/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hub: the server half of every layer. TLS only, token auth on the
 * upgrade (PROTOCOL.md 2.4), subprotocol selection, sessions keyed by
 * client instance with a grace period, generation checks, inactivity
 * timeout, per-token connection limit. The application sees sessions and
 * messages; eithub-hub echoes them. */
#pragma once

#include <gio/gio.h>
#include "eit-types.h"

G_BEGIN_DECLS

#define EIT_TYPE_HUB_SERVER (eit_hub_server_get_type ())
G_DECLARE_FINAL_TYPE (EitHubServer, eit_hub_server, EIT, HUB_SERVER, GObject)

/* tls-certificate is required. tokens: NULL-terminated accepted tokens. */
EitHubServer *eit_hub_server_new          (GTlsCertificate    *certificate,
                                           const char * const *tokens);

/* insecure-dev: accept connections without a token. Only in a
 * -Dprofile=development build; a release build returns FALSE with
 * EIT_ERROR_INSECURE_RELEASE. */
gboolean      eit_hub_server_set_insecure_dev (EitHubServer *self,
                                               gboolean      insecure,
                                               GError      **error);

/* Listens on address ("127.0.0.1", "0.0.0.0", "::1") and port (0 = any). */
gboolean      eit_hub_server_listen       (EitHubServer *self,
                                           const char   *address,
                                           guint         port,
                                           GError      **error);
guint         eit_hub_server_get_port     (EitHubServer *self);
/* A URL a client on this machine can use: "wss://127.0.0.1:PORT/",
 * "wss://[::1]:PORT/" (the loopback address when listening on every address). */
char         *eit_hub_server_get_url      (EitHubServer *self);
const char   *eit_hub_server_get_epoch    (EitHubServer *self);
char         *eit_hub_server_get_fingerprint (EitHubServer *self);

/* Closes every connection with 1001 "hub shutting down" and stops listening. */
void          eit_hub_server_shutdown     (EitHubServer *self);
/* Drops every connection without a close frame (tests, demo). */
void          eit_hub_server_abort_all    (EitHubServer *self);

/* Live sessions (element type EitHubSession), owned by the server. */
GPtrArray    *eit_hub_server_get_sessions (EitHubServer *self);
/* Connections open in any stage: being accepted or upgraded, refused and
 * closing, or upgraded. A shutdown is over when none is left. */
guint         eit_hub_server_get_n_connections (EitHubServer *self);

/* Properties:
 *   tls-certificate (GTlsCertificate, construct-only)
 *   tokens (GStrv), allowed-origins (GStrv; empty = no Origin check)
 *   insecure-dev (gboolean, read-only: use the setter)
 *   inactivity-timeout, keepalive-interval, session-grace (guint ms)
 *   window-messages (guint), window-bytes (guint64), send-queue-limit (guint)
 *   max-message-size (guint64), max-connections-per-token (guint)
 *   handshake-timeout (guint ms, default 10000): a TLS handshake not done
 *       this long after the connect is dropped
 *   max-connections (guint, 0 = the open-file limit minus 64),
 *   max-unauthenticated-per-address (guint, 64), first-byte-timeout (guint
 *       ms, 3000), request-timeout (guint ms, 10000): the bounds before
 *       authentication, enforced by EitHubListener (docs/SECURITY.md)
 *   port (guint, read-only), epoch (string, read-only)
 * Signals:
 *   "session-added" (EitHubSession*)
 *   "session-removed" (EitHubSession*): grace period over or hub shut down
 *   "message" (EitHubSession*, const char *json, gsize len)
 *   "log" (const char *line): one human-readable event (connection mode,
 *        refusals with their reason); eithub-hub prints these to stderr. */

G_END_DECLS
