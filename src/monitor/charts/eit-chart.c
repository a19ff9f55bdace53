/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "eit-chart.h"
#include "eit-format.h"
#include "eit-line-layer.h"
#include "eit-widget-util.h"

#define DESCRIPTION_INTERVAL (G_USEC_PER_SEC)
#define PAD_TOP 24.0
#define PAD_BOTTOM 4.0

typedef struct {
  EitSampleSeries *series;
  gulong           handler;
} SeriesWatch;

struct _EitChart
{
  GtkWidget      parent_instance;

  GPtrArray     *layers;    /* EitChartLayer */
  GArray        *watches;   /* SeriesWatch */
  char          *title;
  char          *description;
  EitChartUnit   unit;
  guint          window;    /* seconds */

  double         range;     /* the value at the top of the plot */
  gint64         start, end;
  gint64         last_description;
  guint          tick_id;
  guint          n_draws;

  double         hover_x;   /* < 0 when the pointer is away */
  double         plot_top;  /* below the legend, from the last snapshot */
  PangoLayout   *layout;
};

G_DEFINE_FINAL_TYPE (EitChart, eit_chart, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_TITLE, PROP_UNIT, PROP_WINDOW, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void schedule_update (EitChart *self);

char *
eit_chart_format_value (EitChart *self,
                        double    value)
{
  g_autofree char *number = NULL;

  if (isnan (value))
    return g_strdup ("–");

  switch (self->unit)
    {
    case EIT_CHART_UNIT_PER_SECOND:
      number = eit_format_count (value);
      /* Translators: a rate; %s is a number such as "1.2 k" */
      return g_strdup_printf (_("%s/s"), number);
    case EIT_CHART_UNIT_BYTES_PER_SECOND:
      number = eit_format_bytes (value);
      return g_strdup_printf (_("%s/s"), number);
    case EIT_CHART_UNIT_MILLISECONDS:
      return eit_format_millis (value);
    case EIT_CHART_UNIT_COUNT:
    default:
      return eit_format_count (value);
    }
}

static char *
format_window (guint seconds)
{
  if (seconds >= 3600 && seconds % 3600 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour", "%u hours", seconds / 3600),
                            seconds / 3600);
  if (seconds >= 60 && seconds % 60 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes", seconds / 60),
                            seconds / 60);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds", seconds),
                          seconds);
}

/* 1, 2, 5 × 10^k at or above value. */
static double
nice_ceiling (double value)
{
  double magnitude, scaled;

  if (!(value > 0))
    return 1;
  magnitude = pow (10, floor (log10 (value)));
  scaled = value / magnitude;
  if (scaled <= 1)
    return magnitude;
  if (scaled <= 2)
    return 2 * magnitude;
  if (scaled <= 5)
    return 5 * magnitude;
  return 10 * magnitude;
}

static gint64
latest_time (EitChart *self)
{
  gint64 latest = 0;

  for (guint i = 0; i < self->watches->len; i++)
    {
      EitSampleSeries *series = g_array_index (self->watches, SeriesWatch, i).series;
      guint64 n = eit_sample_series_get_n_rows (series);
      if (n > 0)
        latest = MAX (latest, eit_sample_series_get_time (series, n - 1));
    }
  return latest != 0 ? latest : g_get_monotonic_time ();
}

static void
update_description (EitChart *self)
{
  g_autofree char *span = format_window (self->window);
  GString *text = g_string_new (NULL);

  /* Translators: "%s" is a chart title, then a time span such as "1 minute" */
  g_string_append_printf (text, _("%s over the last %s."), self->title != NULL ? self->title : "",
                          span);
  for (guint i = 0; i < self->layers->len; i++)
    {
      EitChartLayer *layer = g_ptr_array_index (self->layers, i);
      g_autofree char *now = eit_chart_format_value (self, eit_chart_layer_get_last_value (layer));
      g_autofree char *peak = eit_chart_format_value (self, eit_chart_layer_get_max (layer, self->start,
                                                                                     self->end));
      g_string_append_c (text, ' ');
      /* Translators: a chart series: its name, its value now, its peak */
      g_string_append_printf (text, _("%s: now %s, peak %s."),
                              eit_chart_layer_get_label (layer), now, peak);
    }

  if (g_strcmp0 (text->str, self->description) != 0)
    {
      g_free (self->description);
      self->description = g_string_free (text, FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description,
                                      -1);
    }
  else
    g_string_free (text, TRUE);
}

/* The chart's one step of work per frame: new window, new range, newly
 * appended rows normalized; then one redraw. */
static void
update (EitChart *self)
{
  double max = 0, range;
  gint64 now;

  self->end = latest_time (self);
  self->start = self->end - (gint64) self->window * G_USEC_PER_SEC;

  for (guint i = 0; i < self->layers->len; i++)
    max = MAX (max, eit_chart_layer_get_max (g_ptr_array_index (self->layers, i),
                                             self->start, self->end));
  range = nice_ceiling (max * 1.1);
  self->range = range;

  for (guint i = 0; i < self->layers->len; i++)
    {
      EitNormalizedSeries *normalized =
        eit_chart_layer_get_normalized (g_ptr_array_index (self->layers, i));
      eit_normalized_series_set_range (normalized, range);
      eit_normalized_series_update (normalized);
    }

  now = g_get_monotonic_time ();
  if (now - self->last_description >= DESCRIPTION_INTERVAL)
    {
      self->last_description = now;
      update_description (self);
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  EitChart *self = EIT_CHART (widget);

  self->tick_id = 0;
  update (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_update (EitChart *self)
{
  if (self->tick_id != 0)
    return;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;  /* map() brings it up to date */
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

static void
sampled_cb (EitSampleSeries *series,
            EitChart        *self)
{
  schedule_update (self);
}

static void
set_text (EitChart   *self,
          const char *text)
{
  pango_layout_set_text (self->layout, text, -1);
}

static void
append_text (EitChart      *self,
             GtkSnapshot   *snapshot,
             double         x,
             double         y,
             const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, self->layout, color);
  gtk_snapshot_restore (snapshot);
}

/* The legend: one entry per layer with its value now, laid out from the
 * right in as many rows as the width needs. Returns the rows' height. */
static double
append_legend (EitChart      *self,
               GtkSnapshot   *snapshot,
               double         width,
               const GdkRGBA *fg)
{
  double x = width - 4, y = 2, row_height = 0;
  int tw, th;

  for (guint i = self->layers->len; i > 0; i--)
    {
      EitChartLayer *layer = g_ptr_array_index (self->layers, i - 1);
      g_autofree char *value = eit_chart_format_value (self, eit_chart_layer_get_last_value (layer));
      g_autofree char *text = g_strdup_printf ("%s %s", eit_chart_layer_get_label (layer), value);
      double entry;

      set_text (self, text);
      pango_layout_get_pixel_size (self->layout, &tw, &th);
      row_height = MAX (row_height, th + 4);
      entry = tw + 12;
      /* Wrap to a new row when this entry would cross the left edge. */
      if (x - entry < 4 && x < width - 4)
        {
          x = width - 4;
          y += row_height;
        }
      x -= tw;
      append_text (self, snapshot, x, y, fg);
      x -= 12;
      gtk_snapshot_append_color (snapshot, eit_chart_layer_get_color (layer),
                                 &GRAPHENE_RECT_INIT (x, y + th / 2.0 - 4, 8, 8));
      x -= 14;
    }
  return y + row_height + 2;
}

static void
eit_chart_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  EitChart *self = EIT_CHART (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GdkRGBA fg = dark ? (GdkRGBA) { 1, 1, 1, 1 } : (GdkRGBA) { 0, 0, 0, 1 };
  GdkRGBA grid = fg, dim = fg;
  EitChartView view;
  g_autofree char *top = NULL;
  g_autofree char *span = NULL;
  double plot_top, plot_h;
  int tw, th;

  self->n_draws++;
  if (width < 4 || height < 4)
    return;

  grid.alpha = 0.08;
  dim.alpha = 0.55;

  plot_top = MAX (PAD_TOP, append_legend (self, snapshot, width, &fg));
  plot_h = height - plot_top - PAD_BOTTOM;
  self->plot_top = plot_top;
  if (plot_h < 4)
    return;

  /* Grid: four bands, and the baseline slightly stronger. */
  for (guint i = 0; i <= 4; i++)
    {
      double y = plot_top + round (plot_h * i / 4.0);
      GdkRGBA c = grid;
      if (i == 4)
        c.alpha = 0.2;
      gtk_snapshot_append_color (snapshot, &c, &GRAPHENE_RECT_INIT (0, MIN (y, height - 1), width, 1));
    }

  /* Layers. */
  view.width = width;
  view.height = plot_h;
  view.start = self->start;
  view.end = self->end;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, plot_top));
  for (guint i = 0; i < self->layers->len; i++)
    eit_chart_layer_snapshot (g_ptr_array_index (self->layers, i), snapshot, &view);
  gtk_snapshot_restore (snapshot);

  /* The top of the scale inside the plot, top left; the span, bottom left. */
  top = eit_chart_format_value (self, self->range);
  set_text (self, top);
  append_text (self, snapshot, 4, plot_top + 2, &dim);

  span = format_window (self->window);
  set_text (self, span);
  pango_layout_get_pixel_size (self->layout, &tw, &th);
  append_text (self, snapshot, 4, height - PAD_BOTTOM - th - 2, &dim);

  if (self->layers->len > 0 &&
      eit_sample_series_get_n_rows (eit_chart_layer_get_series (g_ptr_array_index (self->layers, 0))) == 0)
    {
      set_text (self, _("Waiting for samples…"));
      pango_layout_get_pixel_size (self->layout, &tw, &th);
      append_text (self, snapshot, (width - tw) / 2, plot_top + (plot_h - th) / 2, &dim);
    }

  /* Hover: a vertical rule and a dot on each line. */
  if (self->hover_x >= 0 && self->hover_x < width)
    {
      gint64 t = self->start + (gint64) (self->hover_x / width * (self->end - self->start));
      GdkRGBA rule = fg;

      rule.alpha = 0.35;
      gtk_snapshot_append_color (snapshot, &rule,
                                 &GRAPHENE_RECT_INIT (floor (self->hover_x), plot_top, 1, plot_h));
      for (guint i = 0; i < self->layers->len; i++)
        {
          EitChartLayer *layer = g_ptr_array_index (self->layers, i);
          double v = eit_chart_layer_get_value_at (layer, t);
          double y;

          if (isnan (v))
            continue;
          y = plot_top + (1.0 - CLAMP (v / self->range, 0, 1)) * (plot_h - 1);
          gtk_snapshot_append_color (snapshot, eit_chart_layer_get_color (layer),
                                     &GRAPHENE_RECT_INIT (floor (self->hover_x) - 2.5, y - 2.5, 6, 6));
        }
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
  EitChart *self = EIT_CHART (widget);
  double width = gtk_widget_get_width (widget);
  GString *text;
  gint64 t;
  g_autofree char *clock = NULL;

  if (self->layers->len == 0 || width <= 0)
    return FALSE;

  if (keyboard)
    x = width - 1;
  t = self->start + (gint64) (x / width * (self->end - self->start));
  clock = eit_format_clock (eit_sample_series_to_real_time (
                              eit_chart_layer_get_series (g_ptr_array_index (self->layers, 0)), t));
  text = g_string_new (clock);
  for (guint i = 0; i < self->layers->len; i++)
    {
      EitChartLayer *layer = g_ptr_array_index (self->layers, i);
      g_autofree char *value = eit_chart_format_value (self, eit_chart_layer_get_value_at (layer, t));
      g_string_append_printf (text, "\n%s: %s", eit_chart_layer_get_label (layer), value);
    }
  gtk_tooltip_set_text (tooltip, text->str);
  g_string_free (text, TRUE);
  return TRUE;
}

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           EitChart                 *self)
{
  self->hover_x = x;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave_cb (GtkEventControllerMotion *motion,
          EitChart                 *self)
{
  self->hover_x = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dark_changed_cb (EitChart *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
eit_chart_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (eit_chart_parent_class)->map (widget);
  update (EIT_CHART (widget));
}

static void
eit_chart_unmap (GtkWidget *widget)
{
  EitChart *self = EIT_CHART (widget);

  eit_widget_clear_tick_callback (widget, &self->tick_id);
  GTK_WIDGET_CLASS (eit_chart_parent_class)->unmap (widget);
}

static void
eit_chart_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 400;
    }
  else
    {
      *minimum = 96;
      *natural = 140;
    }
}

static void
eit_chart_dispose (GObject *object)
{
  EitChart *self = EIT_CHART (object);

  eit_chart_remove_all (self);
  eit_widget_clear_tick_callback (GTK_WIDGET (self), &self->tick_id);
  g_signal_handlers_disconnect_by_func (adw_style_manager_get_default (), dark_changed_cb, self);
  g_clear_object (&self->layout);

  G_OBJECT_CLASS (eit_chart_parent_class)->dispose (object);
}

static void
eit_chart_finalize (GObject *object)
{
  EitChart *self = EIT_CHART (object);

  g_clear_pointer (&self->layers, g_ptr_array_unref);
  g_clear_pointer (&self->watches, g_array_unref);
  g_free (self->title);
  g_free (self->description);

  G_OBJECT_CLASS (eit_chart_parent_class)->finalize (object);
}

static void
eit_chart_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  EitChart *self = EIT_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_UNIT: g_value_set_int (value, self->unit); break;
    case PROP_WINDOW: g_value_set_uint (value, self->window); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_chart_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  EitChart *self = EIT_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE: eit_chart_set_title (self, g_value_get_string (value)); break;
    case PROP_UNIT: eit_chart_set_unit (self, g_value_get_int (value)); break;
    case PROP_WINDOW: eit_chart_set_window (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_chart_class_init (EitChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = eit_chart_dispose;
  object_class->finalize = eit_chart_finalize;
  object_class->get_property = eit_chart_get_property;
  object_class->set_property = eit_chart_set_property;

  widget_class->snapshot = eit_chart_snapshot;
  widget_class->measure = eit_chart_measure;
  widget_class->map = eit_chart_map;
  widget_class->unmap = eit_chart_unmap;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNIT] =
    g_param_spec_int ("unit", NULL, NULL, EIT_CHART_UNIT_COUNT, EIT_CHART_UNIT_MILLISECONDS,
                      EIT_CHART_UNIT_COUNT,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WINDOW] =
    g_param_spec_uint ("window", NULL, NULL, 1, 24 * 3600, 60,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
eit_chart_init (EitChart *self)
{
  GtkEventController *motion;

  self->layers = g_ptr_array_new_with_free_func (g_object_unref);
  self->watches = g_array_new (FALSE, FALSE, sizeof (SeriesWatch));
  self->window = 60;
  self->range = 1;
  self->hover_x = -1;
  self->end = g_get_monotonic_time ();
  self->start = self->end - self->window * G_USEC_PER_SEC;
  self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (dark_changed_cb), self);
}

guint
eit_chart_span_get_seconds (EitChartSpan span)
{
  switch (span)
    {
    case EIT_CHART_SPAN_FIVE_MINUTES: return 5 * 60;
    case EIT_CHART_SPAN_ONE_HOUR:     return 60 * 60;
    case EIT_CHART_SPAN_ONE_MINUTE:
    default:                          return 60;
    }
}

GtkWidget *
eit_chart_new (void)
{
  return g_object_new (EIT_TYPE_CHART, NULL);
}

void
eit_chart_add_layer (EitChart      *self,
                     EitChartLayer *layer)
{
  EitSampleSeries *series;
  gboolean watched = FALSE;

  g_return_if_fail (EIT_IS_CHART (self));
  g_return_if_fail (EIT_IS_CHART_LAYER (layer));

  g_ptr_array_add (self->layers, g_object_ref (layer));

  series = eit_chart_layer_get_series (layer);
  for (guint i = 0; i < self->watches->len; i++)
    watched |= g_array_index (self->watches, SeriesWatch, i).series == series;
  if (!watched)
    {
      SeriesWatch watch = { g_object_ref (series), 0 };
      watch.handler = g_signal_connect (series, "sampled", G_CALLBACK (sampled_cb), self);
      g_array_append_val (self->watches, watch);
    }

  self->last_description = 0;
  schedule_update (self);
}

void
eit_chart_add_line (EitChart        *self,
                    EitSampleSeries *series,
                    guint            column,
                    const char      *label,
                    const char      *color)
{
  g_autoptr(EitChartLayer) layer = eit_line_layer_new (series, column, label, color);

  eit_chart_add_layer (self, layer);
}

void
eit_chart_remove_all (EitChart *self)
{
  g_return_if_fail (EIT_IS_CHART (self));

  for (guint i = 0; i < self->watches->len; i++)
    {
      SeriesWatch *watch = &g_array_index (self->watches, SeriesWatch, i);
      g_clear_signal_handler (&watch->handler, watch->series);
      g_clear_object (&watch->series);
    }
  g_array_set_size (self->watches, 0);
  g_ptr_array_set_size (self->layers, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
eit_chart_get_n_layers (EitChart *self)
{
  g_return_val_if_fail (EIT_IS_CHART (self), 0);
  return self->layers->len;
}

const char *
eit_chart_get_title (EitChart *self)
{
  g_return_val_if_fail (EIT_IS_CHART (self), NULL);
  return self->title;
}

void
eit_chart_set_title (EitChart   *self,
                     const char *title)
{
  g_return_if_fail (EIT_IS_CHART (self));

  if (g_strcmp0 (self->title, title) != 0)
    {
      g_free (self->title);
      self->title = g_strdup (title);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                      -1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
    }
}

EitChartUnit
eit_chart_get_unit (EitChart *self)
{
  g_return_val_if_fail (EIT_IS_CHART (self), EIT_CHART_UNIT_COUNT);
  return self->unit;
}

void
eit_chart_set_unit (EitChart     *self,
                    EitChartUnit  unit)
{
  g_return_if_fail (EIT_IS_CHART (self));

  if (self->unit == unit)
    return;
  self->unit = unit;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNIT]);
}

guint
eit_chart_get_window (EitChart *self)
{
  g_return_val_if_fail (EIT_IS_CHART (self), 0);
  return self->window;
}

void
eit_chart_set_window (EitChart *self,
                      guint     seconds)
{
  g_return_if_fail (EIT_IS_CHART (self));

  seconds = MAX (seconds, 1);
  if (self->window == seconds)
    return;
  self->window = seconds;
  self->last_description = 0;
  schedule_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW]);
}

const char *
eit_chart_get_description (EitChart *self)
{
  g_return_val_if_fail (EIT_IS_CHART (self), NULL);
  return self->description;
}

guint
eit_chart_get_n_draws (EitChart *self)
{
  g_return_val_if_fail (EIT_IS_CHART (self), 0);
  return self->n_draws;
}
