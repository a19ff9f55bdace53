/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The two frames that open a session of the full protocol, for both ends:
 * the client's hello (PROTOCOL.md 4.1) and the hub's welcome (4.2), built
 * and checked in one place. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char    *instance;
  guint64  generation;
  char    *session;          /* NULL: a new session */
  char    *epoch;            /* NULL: a new session */
  guint64  recv;
  guint64  ack;
  guint64  window_messages;
  guint64  window_bytes;
  guint    keepalive_ms;     /* informative: sent, never read */
  /* Parsing only: the frame's "type" when the frame is an object ("?" when
   * it is not a plain word), so a refusal can name what came instead. */
  char    *type;
} EitHello;

typedef struct {
  char     *session;
  char     *epoch;
  gboolean  resumed;
  guint64   generation;      /* 0 when an older hub did not say */
  guint64   recv;
  guint64   ack;
  guint64   window_messages;
  guint64   window_bytes;
  /* Informative: sent, never read. */
  guint     inactivity_ms;
  guint     keepalive_ms;
  guint64   max_message_size;
} EitWelcome;

/* The ids must satisfy eit_protocol_id_is_valid (): they go in unescaped. */
char     *eit_hello_build    (const EitHello *hello);
/* FALSE with EIT_ERROR_INVALID_JSON (close 1007) or EIT_ERROR_PROTOCOL
 * (close 4002) whose message is the close reason PROTOCOL.md 4.1 names. */
gboolean  eit_hello_parse    (const char     *text,
                              gsize           len,
                              EitHello       *hello,
                              GError        **error);
void      eit_hello_clear    (EitHello       *hello);

char     *eit_welcome_build  (const EitWelcome *welcome);
/* FALSE with an error whose message is the close reason: not JSON
 * (EIT_ERROR_INVALID_JSON) or not a valid welcome (EIT_ERROR_PROTOCOL); the
 * client closes with 4002 either way. */
gboolean  eit_welcome_parse  (const char     *text,
                              gsize           len,
                              EitWelcome     *welcome,
                              GError        **error);
void      eit_welcome_clear  (EitWelcome     *welcome);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EitHello, eit_hello_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EitWelcome, eit_welcome_clear)

G_END_DECLS
