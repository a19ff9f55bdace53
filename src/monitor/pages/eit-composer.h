/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Composes one JSON message and sends it to the hub. Text that is not one
 * valid JSON value is refused before it leaves: the parse error is shown
 * with its line and column, and the cursor is put where it happened.
 * Actions: composer.send (Ctrl+Enter), composer.format. */
#pragma once

#include <gtk/gtk.h>
#include "eit-hub-watch.h"

G_BEGIN_DECLS

#define EIT_TYPE_COMPOSER (eit_composer_get_type ())
G_DECLARE_FINAL_TYPE (EitComposer, eit_composer, EIT, COMPOSER, GtkWidget)

void           eit_composer_set_watch     (EitComposer   *self,
                                             EitHubWatch *watch);
void           eit_composer_set_text        (EitComposer   *self,
                                             const char    *text);
char          *eit_composer_dup_text        (EitComposer   *self);
/* The message shown under the text: an error or "Sent", or NULL. */
const char    *eit_composer_get_status      (EitComposer   *self);
gboolean       eit_composer_has_error       (EitComposer   *self);
/* Byte offset of the last parse error, or -1. */
gssize         eit_composer_get_error_offset (EitComposer  *self);

G_END_DECLS
