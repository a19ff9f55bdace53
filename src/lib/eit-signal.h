/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-message signals (a frame, a message, a sent message) all carry
 * (const char *text, gsize len), and the transport's events (a pong, the
 * end) carry nothing; this is where they are defined alike. Not public
 * API. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A RUN_LAST signal (const char *text, gulong len). The text is static
 * scope, so it is never copied for the handlers, and the signal has a
 * va_list marshaller, so an emission boxes nothing. */
guint eit_text_signal_new (const char *name,
                           GType       itype);

/* A RUN_LAST signal without arguments. */
guint eit_event_signal_new (const char *name,
                            GType       itype);

G_END_DECLS
