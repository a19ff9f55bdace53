/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live message log of one hub: a virtualized GtkColumnView (time,
 * direction, type, size, summary) over the bounded EitMessageLog, with
 * pause, filters by direction and type, text search and a pretty-printed
 * view of the selected message. New messages are spliced into the log once
 * per frame; the rows are stable slots (EitLogSlotModel) that rebind their
 * text, so GTK keeps its row widgets. Scrolling down holds the log still.
 * It fits any width from 300 px: the toolbar wraps to two rows (or, short
 * of height, puts the filters in a menu), the table drops its size column,
 * and the detail takes the table's place while it shows a message.
 * Actions: log.pause (bool state), log.direction ("all" | "in" | "out"),
 * log.type (message type, "" for all), log.clear, log.search. */
#pragma once

#include <gtk/gtk.h>
#include "eit-hub-watch.h"

G_BEGIN_DECLS

#define EIT_TYPE_MESSAGE_LOG_VIEW (eit_message_log_view_get_type ())
G_DECLARE_FINAL_TYPE (EitMessageLogView, eit_message_log_view, EIT, MESSAGE_LOG_VIEW, GtkWidget)

void           eit_message_log_view_set_watch   (EitMessageLogView *self,
                                                   EitHubWatch     *watch);
EitHubWatch *eit_message_log_view_get_watch   (EitMessageLogView *self);
/* What the column view shows: the log after the filters, as row slots
 * (EitLogSlot); eit_message_log_view_dup_entry() gives a row's message. */
GListModel    *eit_message_log_view_get_model     (EitMessageLogView *self);
EitLogEntry   *eit_message_log_view_dup_entry     (EitMessageLogView *self,
                                                   guint              position);
gboolean       eit_message_log_view_get_paused    (EitMessageLogView *self);
void           eit_message_log_view_set_search    (EitMessageLogView *self,
                                                   const char        *text);
/* Selects a row of the filtered model and shows it in the detail view. */
void           eit_message_log_view_select        (EitMessageLogView *self,
                                                   guint              position);
/* The pretty-printed text of the selected message, or NULL. */
char          *eit_message_log_view_dup_detail    (EitMessageLogView *self);
void           eit_message_log_view_focus_search  (EitMessageLogView *self);

/* Properties: watch, paused (gboolean), direction (string), type (string),
 * search (string). */

G_END_DECLS
