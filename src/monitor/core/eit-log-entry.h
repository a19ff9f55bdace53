/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One message in the live log: when, which way, its "type" member (if the
 * message is an object that has one), its size and its text (kept up to
 * EIT_LOG_ENTRY_MAX_TEXT bytes). The summary and the pretty-printed form are
 * made on demand, for the few rows on screen. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EIT_LOG_ENTRY_MAX_TEXT (16 * 1024)

typedef enum {
  EIT_LOG_DIRECTION_IN,
  EIT_LOG_DIRECTION_OUT,
} EitLogDirection;

#define EIT_TYPE_LOG_ENTRY (eit_log_entry_get_type ())
G_DECLARE_FINAL_TYPE (EitLogEntry, eit_log_entry, EIT, LOG_ENTRY, GObject)

EitLogEntry     *eit_log_entry_new           (gint64           real_time,
                                              EitLogDirection  direction,
                                              const char      *json,
                                              gsize            len);
gint64           eit_log_entry_get_time      (EitLogEntry *self);
EitLogDirection  eit_log_entry_get_direction (EitLogEntry *self);
/* NULL when the message has no string "type" (or "kind", "event") member. */
const char      *eit_log_entry_get_message_type (EitLogEntry *self);
gsize            eit_log_entry_get_size      (EitLogEntry *self);
/* The kept text (possibly cut at EIT_LOG_ENTRY_MAX_TEXT bytes). */
const char      *eit_log_entry_get_text      (EitLogEntry *self);
gboolean         eit_log_entry_is_truncated  (EitLogEntry *self);
/* One line, white space collapsed, at most max_chars characters. */
char            *eit_log_entry_dup_summary   (EitLogEntry *self,
                                              guint        max_chars);
/* Indented JSON, or the raw text when it cannot be parsed (truncated). */
char            *eit_log_entry_dup_pretty    (EitLogEntry *self);
/* Case-insensitive match of needle (already folded to lower case) in the
 * type and the text. */
gboolean         eit_log_entry_matches       (EitLogEntry *self,
                                              const char  *needle_lower);

const char      *eit_log_direction_to_string (EitLogDirection direction);

G_END_DECLS
