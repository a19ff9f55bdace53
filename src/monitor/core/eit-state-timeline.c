/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-state-timeline.h"

struct _EitStateTimeline
{
  GObject  parent_instance;
  GArray  *entries;  /* EitStateEntry, oldest first */
  guint    limit;
};

G_DEFINE_FINAL_TYPE (EitStateTimeline, eit_state_timeline, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
clear_entry (gpointer data)
{
  EitStateEntry *entry = data;
  g_clear_pointer (&entry->reason, g_free);
}

static void
eit_state_timeline_finalize (GObject *object)
{
  EitStateTimeline *self = EIT_STATE_TIMELINE (object);

  g_clear_pointer (&self->entries, g_array_unref);

  G_OBJECT_CLASS (eit_state_timeline_parent_class)->finalize (object);
}

static void
eit_state_timeline_class_init (EitStateTimelineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = eit_state_timeline_finalize;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
eit_state_timeline_init (EitStateTimeline *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (EitStateEntry));
  g_array_set_clear_func (self->entries, clear_entry);
}

EitStateTimeline *
eit_state_timeline_new (guint limit)
{
  EitStateTimeline *self = g_object_new (EIT_TYPE_STATE_TIMELINE, NULL);

  self->limit = MAX (limit, 2);
  return self;
}

void
eit_state_timeline_append (EitStateTimeline   *self,
                           gint64              time,
                           EitConnectionState  state,
                           const char         *reason)
{
  EitStateEntry entry = { time, state, g_strdup (reason) };

  g_return_if_fail (EIT_IS_STATE_TIMELINE (self));

  if (self->entries->len > 0)
    {
      const EitStateEntry *last = &g_array_index (self->entries, EitStateEntry,
                                                  self->entries->len - 1);
      if (entry.time < last->time)
        entry.time = last->time;
    }

  if (self->entries->len >= self->limit)
    g_array_remove_range (self->entries, 0, self->entries->len - self->limit + 1);
  g_array_append_val (self->entries, entry);

  g_signal_emit (self, signals[CHANGED], 0);
}

guint
eit_state_timeline_get_n_entries (EitStateTimeline *self)
{
  g_return_val_if_fail (EIT_IS_STATE_TIMELINE (self), 0);
  return self->entries->len;
}

const EitStateEntry *
eit_state_timeline_get_entry (EitStateTimeline *self,
                              guint             index)
{
  g_return_val_if_fail (EIT_IS_STATE_TIMELINE (self), NULL);
  g_return_val_if_fail (index < self->entries->len, NULL);
  return &g_array_index (self->entries, EitStateEntry, index);
}

const EitStateEntry *
eit_state_timeline_lookup (EitStateTimeline *self,
                           gint64            time)
{
  guint lo = 0, hi;

  g_return_val_if_fail (EIT_IS_STATE_TIMELINE (self), NULL);

  /* The last entry whose time is <= time. */
  hi = self->entries->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (self->entries, EitStateEntry, mid).time <= time)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo == 0 ? NULL : &g_array_index (self->entries, EitStateEntry, lo - 1);
}
