/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which messages the log shows (EitLogEntry items): one direction or both,
 * one message type or all, and those that contain a text (in any case).
 * With none of these set the filter matches everything and says so
 * (GTK_FILTER_MATCH_ALL), so that the log can skip it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EIT_TYPE_LOG_FILTER (eit_log_filter_get_type ())
G_DECLARE_FINAL_TYPE (EitLogFilter, eit_log_filter, EIT, LOG_FILTER, GtkFilter)

EitLogFilter *eit_log_filter_new           (void);
/* "all", "in" or "out"; anything else is taken as "all". */
const char   *eit_log_filter_get_direction (EitLogFilter *self);
/* The setters return TRUE when the filter changed. */
gboolean      eit_log_filter_set_direction (EitLogFilter *self,
                                            const char   *direction);
/* "" for every type. */
const char   *eit_log_filter_get_message_type (EitLogFilter *self);
gboolean      eit_log_filter_set_message_type (EitLogFilter *self,
                                               const char   *type);
/* Kept folded to lower case, white space stripped at both ends. */
const char   *eit_log_filter_get_search    (EitLogFilter *self);
gboolean      eit_log_filter_set_search    (EitLogFilter *self,
                                            const char   *text);

G_END_DECLS
