/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "eit-line-layer.h"

struct _EitLineLayer
{
  EitChartLayer parent_instance;
};

G_DEFINE_FINAL_TYPE (EitLineLayer, eit_line_layer, EIT_TYPE_CHART_LAYER)

/* Builds the path; returns FALSE when there is nothing to draw. */
static gboolean
build_path (EitChartLayer      *layer,
            cairo_t            *cr,
            const EitChartView *view)
{
  EitNormalizedSeries *normalized = eit_chart_layer_get_normalized (layer);
  EitSampleSeries *series = eit_chart_layer_get_series (layer);
  guint64 n_rows = eit_sample_series_get_n_rows (series);
  guint64 row = eit_sample_series_find_row (series, view->start);
  double span = (double) (view->end - view->start);
  gboolean open = FALSE, any = FALSE;
  int column = G_MININT;
  double col_min = 0, col_max = 0, col_last = 0;

  /* Start one row before the window so the line enters from the edge. */
  if (row > eit_sample_series_get_first_row (series))
    row--;

  for (; row < n_rows; row++)
    {
      float v = eit_normalized_series_get (normalized, row);
      double x = (eit_sample_series_get_time (series, row) - view->start) / span * view->width;
      double y;
      int px = (int) floor (x);

      if (isnan (v))
        {
          if (open && column != G_MININT)
            cairo_line_to (cr, column + 0.5, col_last);
          open = FALSE;
          column = G_MININT;
          continue;
        }

      y = round ((1.0 - v) * (view->height - 1)) + 0.5;

      if (open && px == column)
        {
          col_min = MIN (col_min, y);
          col_max = MAX (col_max, y);
          col_last = y;
          continue;
        }

      if (open && column != G_MININT)
        {
          /* Flush the finished pixel column: its extremes, then its last. */
          if (col_min != col_max)
            {
              cairo_line_to (cr, column + 0.5, col_min);
              cairo_line_to (cr, column + 0.5, col_max);
            }
          cairo_line_to (cr, column + 0.5, col_last);
          cairo_line_to (cr, px + 0.5, y);
        }
      else
        cairo_move_to (cr, px + 0.5, y);

      open = TRUE;
      any = TRUE;
      column = px;
      col_min = col_max = col_last = y;
    }

  if (open && column != G_MININT)
    cairo_line_to (cr, column + 0.5, col_last);

  return any;
}

static void
eit_line_layer_snapshot (EitChartLayer      *layer,
                         GtkSnapshot        *snapshot,
                         const EitChartView *view)
{
  const GdkRGBA *color = eit_chart_layer_get_color (layer);
  cairo_t *cr;

  if (view->width < 2 || view->height < 2 || view->end <= view->start)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, view->width, view->height));
  if (build_path (layer, cr, view))
    {
      cairo_set_line_width (cr, 1.5);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      gdk_cairo_set_source_rgba (cr, color);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
eit_line_layer_class_init (EitLineLayerClass *klass)
{
  EIT_CHART_LAYER_CLASS (klass)->snapshot = eit_line_layer_snapshot;
}

static void
eit_line_layer_init (EitLineLayer *self)
{
}

EitChartLayer *
eit_line_layer_new (EitSampleSeries *series,
                    guint            column,
                    const char      *label,
                    const char      *color)
{
  GdkRGBA rgba = { 0.21, 0.52, 0.89, 1.0 };

  if (color != NULL)
    gdk_rgba_parse (&rgba, color);
  return g_object_new (EIT_TYPE_LINE_LAYER,
                       "series", series,
                       "column", column,
                       "label", label,
                       "color", &rgba,
                       NULL);
}
