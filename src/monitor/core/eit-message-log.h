/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bounded live message log. Messages are appended to a pending array
 * (cheap, per message) and spliced into the GListStore once per frame by
 * eit_message_log_flush() (g_list_store_splice), newest first, trimming to
 * the limit; while paused the model stays still and the pending array keeps
 * only the newest messages. Memory is bounded by the limit (entries) and a
 * byte budget (kept text), however many messages pass. */
#pragma once

#include <gio/gio.h>
#include "eit-log-entry.h"

G_BEGIN_DECLS

#define EIT_TYPE_MESSAGE_LOG (eit_message_log_get_type ())
G_DECLARE_FINAL_TYPE (EitMessageLog, eit_message_log, EIT, MESSAGE_LOG, GObject)

EitMessageLog *eit_message_log_new          (guint limit);
/* Element type EitLogEntry, newest first. */
GListModel    *eit_message_log_get_model    (EitMessageLog *self);

/* Takes ownership of entry. */
void           eit_message_log_append       (EitMessageLog *self,
                                             EitLogEntry   *entry);
void           eit_message_log_append_text  (EitMessageLog   *self,
                                             EitLogDirection  direction,
                                             const char      *json,
                                             gsize            len);
/* Moves the pending messages into the model (unless paused). Returns how
 * many were added. */
guint          eit_message_log_flush        (EitMessageLog *self);
void           eit_message_log_clear        (EitMessageLog *self);

gboolean       eit_message_log_get_paused   (EitMessageLog *self);
void           eit_message_log_set_paused   (EitMessageLog *self,
                                             gboolean       paused);
guint          eit_message_log_get_limit    (EitMessageLog *self);
void           eit_message_log_set_limit    (EitMessageLog *self,
                                             guint          limit);
guint          eit_message_log_get_n_pending (EitMessageLog *self);
/* Every message ever appended, and those that left before being shown. */
guint64        eit_message_log_get_n_appended (EitMessageLog *self);
guint64        eit_message_log_get_n_skipped  (EitMessageLog *self);
/* Distinct message types seen so far (at most 64), in order of appearance. */
const char * const *eit_message_log_get_types (EitMessageLog *self);

/* Properties: paused (gboolean), limit (guint).
 * Signals: "type-added" (const char *type): a new message type was shown.
 *          "pending" (): the first message of a new batch arrived (emitted
 *          once until the next flush): time to schedule one. */

G_END_DECLS
