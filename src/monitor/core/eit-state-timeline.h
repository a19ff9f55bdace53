/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The history of a connection's states: one entry per transition, each with
 * its monotonic start time and the library's reason, bounded (the oldest
 * entries go first). The state band draws it; exports write it. */
#pragma once

#include <glib-object.h>
#include "eit-types.h"

G_BEGIN_DECLS

#define EIT_TYPE_STATE_TIMELINE (eit_state_timeline_get_type ())
G_DECLARE_FINAL_TYPE (EitStateTimeline, eit_state_timeline, EIT, STATE_TIMELINE, GObject)

typedef struct {
  gint64              time;    /* monotonic µs when the state began */
  EitConnectionState  state;
  char               *reason;
} EitStateEntry;

EitStateTimeline    *eit_state_timeline_new         (guint limit);
/* Emits "changed". */
void                 eit_state_timeline_append      (EitStateTimeline   *self,
                                                     gint64              time,
                                                     EitConnectionState  state,
                                                     const char         *reason);
guint                eit_state_timeline_get_n_entries (EitStateTimeline *self);
const EitStateEntry *eit_state_timeline_get_entry   (EitStateTimeline *self,
                                                     guint             index);
/* The entry in force at time, or NULL before the first. */
const EitStateEntry *eit_state_timeline_lookup      (EitStateTimeline *self,
                                                     gint64            time);

/* Signals: "changed" (). */

G_END_DECLS
