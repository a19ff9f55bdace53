/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the log's GtkColumnView shows: a list of stable row slots over the
 * live log (newest first, optionally filtered). The slots never change
 * identity; when the log moves on, the model says "contents-changed" and the
 * rows on screen rebind their text. GTK 4.8's list views destroy and create
 * row widgets whenever the items on screen change identity, which at 20,000
 * messages a second costs more than a frame; slots keep the same widgets
 * and cost a few text updates per frame. Only the number of rows changes
 * through items-changed (at the end). */
#pragma once

#include <gio/gio.h>
#include "eit-log-entry.h"

G_BEGIN_DECLS

#define EIT_TYPE_LOG_SLOT (eit_log_slot_get_type ())
G_DECLARE_FINAL_TYPE (EitLogSlot, eit_log_slot, EIT, LOG_SLOT, GObject)

#define EIT_TYPE_LOG_SLOT_MODEL (eit_log_slot_model_get_type ())
G_DECLARE_FINAL_TYPE (EitLogSlotModel, eit_log_slot_model, EIT, LOG_SLOT_MODEL, GObject)

typedef gboolean (*EitLogFilterFunc) (EitLogEntry *entry,
                                      gpointer     user_data);

/* The row's position (fixed for the slot's life). */
guint            eit_log_slot_get_position     (EitLogSlot *self);
/* The message the slot shows now (a new reference), or NULL. */
EitLogEntry     *eit_log_slot_dup_entry        (EitLogSlot *self);

EitLogSlotModel *eit_log_slot_model_new        (void);
/* source: newest first, element type EitLogEntry (EitMessageLog's model). */
void             eit_log_slot_model_set_source (EitLogSlotModel *self,
                                                GListModel      *source);
/* func NULL: every message. Call refilter() when func's answer changes. */
void             eit_log_slot_model_set_filter (EitLogSlotModel  *self,
                                                EitLogFilterFunc  func,
                                                gpointer          user_data);
void             eit_log_slot_model_refilter   (EitLogSlotModel *self);
/* The message at a row, a new reference, or NULL. */
EitLogEntry     *eit_log_slot_model_dup_entry  (EitLogSlotModel *self,
                                                guint            position);
/* The row showing entry now, or GTK_INVALID_LIST_POSITION (G_MAXUINT). */
guint            eit_log_slot_model_find       (EitLogSlotModel *self,
                                                EitLogEntry     *entry);

/* Signals: "contents-changed" (): rows show other messages now. */

G_END_DECLS
