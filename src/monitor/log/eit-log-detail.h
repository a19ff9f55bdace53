/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The message log's detail pane: the selected message pretty-printed (with
 * a note when the log kept only its start), or a hint to select one. Beside
 * the table it is always there; in a narrow log it takes the table's place
 * while it shows a message, with a button back to the table, and keyboard
 * focus moves along with the part it was in. The pane's widgets are the
 * log's template children; the detail holds no reference to them. */
#pragma once

#include <gtk/gtk.h>
#include "eit-log-entry.h"

G_BEGIN_DECLS

/* The detail's width beside the table. */
#define EIT_LOG_DETAIL_WIDTH 260

#define EIT_TYPE_LOG_DETAIL (eit_log_detail_get_type ())
G_DECLARE_FINAL_TYPE (EitLogDetail, eit_log_detail, EIT, LOG_DETAIL, GObject)

/* pane: the detail's outermost widget; stack: its pages "empty" and
 * "message"; close_button: back to the table; table: the table's outermost
 * widget, and table_focus the part of it that takes the focus back. */
EitLogDetail *eit_log_detail_new              (GtkWidget    *pane,
                                               GtkStack     *stack,
                                               GtkTextView  *text_view,
                                               GtkWidget    *close_button,
                                               GtkWidget    *table,
                                               GtkWidget    *table_focus);
/* Shows entry, or the hint for NULL. */
void          eit_log_detail_show             (EitLogDetail *self,
                                               EitLogEntry  *entry);
void          eit_log_detail_set_side_by_side (EitLogDetail *self,
                                               gboolean      side_by_side);
/* The text shown for the message, or NULL when none is shown. */
char         *eit_log_detail_dup_text         (EitLogDetail *self);

G_END_DECLS
