/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-format.h"
#include "eit-state-band.h"
#include "eit-state-style.h"
#include "eit-widget-util.h"

#define N_STATES (EIT_CONNECTION_STATE_FAILED + 1)

struct _EitStateBand
{
  GtkWidget         parent_instance;

  EitStateTimeline *timeline;
  EitSampleSeries  *clock;
  GSignalGroup     *timeline_signals;
  GSignalGroup     *clock_signals;
  guint             tick_id;
  guint             window;
  gint64            end;
  gint64            last_description;
  char             *description;
};

G_DEFINE_FINAL_TYPE (EitStateBand, eit_state_band, GTK_TYPE_WIDGET)

static void
update_description (EitStateBand *self)
{
  gint64 start = self->end - (gint64) self->window * G_USEC_PER_SEC;
  gint64 totals[N_STATES] = { 0 };
  gint64 span = 0;
  guint n;
  GString *text;
  const EitStateEntry *current;

  if (self->timeline == NULL)
    return;

  n = eit_state_timeline_get_n_entries (self->timeline);
  for (guint i = 0; i < n; i++)
    {
      const EitStateEntry *entry = eit_state_timeline_get_entry (self->timeline, i);
      gint64 from = MAX (entry->time, start);
      gint64 to = i + 1 < n ? eit_state_timeline_get_entry (self->timeline, i + 1)->time : self->end;

      if (to > from)
        {
          totals[MIN ((guint) entry->state, N_STATES - 1)] += to - from;
          span += to - from;
        }
    }

  text = g_string_new (NULL);
  current = n > 0 ? eit_state_timeline_get_entry (self->timeline, n - 1) : NULL;
  if (current != NULL)
    {
      g_autofree char *since = eit_format_duration (g_get_monotonic_time () - current->time);
      /* Translators: e.g. "Now connected, for 2 min 05 s." */
      g_string_append_printf (text, _("Now %s, for %s."),
                              eit_connection_state_get_label (current->state), since);
    }
  for (guint s = 0; span > 0 && s < N_STATES; s++)
    {
      if (totals[s] == 0)
        continue;
      /* Translators: share of the chart window spent in a state */
      g_string_append_printf (text, _(" %s %.0f%% of the time."),
                              eit_connection_state_get_label (s), 100.0 * totals[s] / span);
    }

  g_free (self->description);
  self->description = g_string_free (text, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description,
                                  -1);
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  EitStateBand *self = EIT_STATE_BAND (widget);
  gint64 now = g_get_monotonic_time ();

  self->tick_id = 0;
  self->end = now;
  if (now - self->last_description >= G_USEC_PER_SEC)
    {
      self->last_description = now;
      update_description (self);
    }
  gtk_widget_queue_draw (widget);
  return G_SOURCE_REMOVE;
}

static void
schedule_update (EitStateBand *self)
{
  if (self->tick_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

static void
eit_state_band_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  EitStateBand *self = EIT_STATE_BAND (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  gint64 span = (gint64) self->window * G_USEC_PER_SEC;
  gint64 start = self->end - span;
  guint n;

  if (self->timeline == NULL || width <= 0)
    return;

  n = eit_state_timeline_get_n_entries (self->timeline);
  for (guint i = 0; i < n; i++)
    {
      const EitStateEntry *entry = eit_state_timeline_get_entry (self->timeline, i);
      gint64 to = i + 1 < n ? eit_state_timeline_get_entry (self->timeline, i + 1)->time : self->end;
      gint64 from = MAX (entry->time, start);
      double x0, x1;
      GdkRGBA color;

      if (to <= start)
        continue;
      if (from >= self->end)
        break;

      x0 = floor ((from - start) / (double) span * width);
      x1 = ceil ((MIN (to, self->end) - start) / (double) span * width);
      if (x1 <= x0)
        x1 = x0 + 1;
      gdk_rgba_parse (&color, eit_connection_state_get_color (entry->state));
      gtk_snapshot_append_color (snapshot, &color, &GRAPHENE_RECT_INIT (x0, 0, x1 - x0, height));
    }
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  EitStateBand *self = EIT_STATE_BAND (widget);
  double width = gtk_widget_get_width (widget);
  gint64 span = (gint64) self->window * G_USEC_PER_SEC;
  const EitStateEntry *entry;
  g_autofree char *text = NULL;
  g_autofree char *clock = NULL;
  gint64 t;

  if (self->timeline == NULL || width <= 0)
    return FALSE;

  t = keyboard ? self->end : self->end - span + (gint64) (x / width * span);
  entry = eit_state_timeline_lookup (self->timeline, t);
  if (entry == NULL)
    return FALSE;

  clock = self->clock != NULL
          ? eit_format_clock (eit_sample_series_to_real_time (self->clock, entry->time))
          : g_strdup ("");
  /* Translators: a state in the timeline, "since" a clock time, and why */
  text = g_strdup_printf (_("%s since %s\n%s"), eit_connection_state_get_label (entry->state),
                          clock, entry->reason != NULL ? entry->reason : "");
  gtk_tooltip_set_text (tooltip, g_strstrip (text));
  return TRUE;
}

static void
changed_cb (EitStateBand *self)
{
  schedule_update (self);
}

static void
eit_state_band_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (eit_state_band_parent_class)->map (widget);
  EIT_STATE_BAND (widget)->last_description = 0;
  schedule_update (EIT_STATE_BAND (widget));
}

static void
eit_state_band_unmap (GtkWidget *widget)
{
  EitStateBand *self = EIT_STATE_BAND (widget);

  eit_widget_clear_tick_callback (widget, &self->tick_id);
  GTK_WIDGET_CLASS (eit_state_band_parent_class)->unmap (widget);
}

static void
eit_state_band_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 100 : 16;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 400 : 20;
}

static void
eit_state_band_dispose (GObject *object)
{
  EitStateBand *self = EIT_STATE_BAND (object);

  g_clear_object (&self->timeline_signals);
  g_clear_object (&self->clock_signals);
  g_clear_object (&self->timeline);
  g_clear_object (&self->clock);
  eit_widget_clear_tick_callback (GTK_WIDGET (self), &self->tick_id);

  G_OBJECT_CLASS (eit_state_band_parent_class)->dispose (object);
}

static void
eit_state_band_finalize (GObject *object)
{
  g_free (EIT_STATE_BAND (object)->description);
  G_OBJECT_CLASS (eit_state_band_parent_class)->finalize (object);
}

static void
eit_state_band_class_init (EitStateBandClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = eit_state_band_dispose;
  object_class->finalize = eit_state_band_finalize;
  widget_class->snapshot = eit_state_band_snapshot;
  widget_class->measure = eit_state_band_measure;
  widget_class->map = eit_state_band_map;
  widget_class->unmap = eit_state_band_unmap;

  gtk_widget_class_set_css_name (widget_class, "stateband");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
eit_state_band_init (EitStateBand *self)
{
  self->window = 60;
  self->end = g_get_monotonic_time ();
  self->timeline_signals = g_signal_group_new (EIT_TYPE_STATE_TIMELINE);
  g_signal_group_connect_object (self->timeline_signals, "changed",
                                 G_CALLBACK (changed_cb), self, G_CONNECT_SWAPPED);
  self->clock_signals = g_signal_group_new (EIT_TYPE_SAMPLE_SERIES);
  g_signal_group_connect_object (self->clock_signals, "sampled",
                                 G_CALLBACK (changed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("State timeline"),
                                  -1);
}

GtkWidget *
eit_state_band_new (void)
{
  return g_object_new (EIT_TYPE_STATE_BAND, NULL);
}

void
eit_state_band_set_timeline (EitStateBand     *self,
                             EitStateTimeline *timeline,
                             EitSampleSeries  *clock)
{
  g_return_if_fail (EIT_IS_STATE_BAND (self));

  g_set_object (&self->timeline, timeline);
  g_set_object (&self->clock, clock);
  g_signal_group_set_target (self->timeline_signals, timeline);
  g_signal_group_set_target (self->clock_signals, clock);
  self->last_description = 0;
  schedule_update (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
eit_state_band_set_window (EitStateBand *self,
                           guint         seconds)
{
  g_return_if_fail (EIT_IS_STATE_BAND (self));

  self->window = MAX (seconds, 1);
  self->last_description = 0;
  schedule_update (self);
}

const char *
eit_state_band_get_description (EitStateBand *self)
{
  g_return_val_if_fail (EIT_IS_STATE_BAND (self), NULL);
  return self->description;
}
