/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A chart layer (Sysprof's third stage): one column of a sample series,
 * normalized, with a label and a colour. Subclasses draw it in snapshot(),
 * which only scales the cached [0, 1] values to pixels. */
#pragma once

#include <gtk/gtk.h>
#include "eit-normalized-series.h"

G_BEGIN_DECLS

/* What a layer needs to know to draw: the area and the time span shown. */
typedef struct {
  double  width;
  double  height;
  gint64  start;   /* monotonic µs at x = 0 */
  gint64  end;     /* monotonic µs at x = width */
} EitChartView;

#define EIT_TYPE_CHART_LAYER (eit_chart_layer_get_type ())
G_DECLARE_DERIVABLE_TYPE (EitChartLayer, eit_chart_layer, EIT, CHART_LAYER, GObject)

struct _EitChartLayerClass
{
  GObjectClass parent_class;

  void (*snapshot) (EitChartLayer      *self,
                    GtkSnapshot        *snapshot,
                    const EitChartView *view);
};

EitNormalizedSeries *eit_chart_layer_get_normalized (EitChartLayer *self);
EitSampleSeries     *eit_chart_layer_get_series     (EitChartLayer *self);
guint                eit_chart_layer_get_column     (EitChartLayer *self);
const char          *eit_chart_layer_get_label      (EitChartLayer *self);
const GdkRGBA       *eit_chart_layer_get_color      (EitChartLayer *self);
/* The largest value in [start, end], or 0. */
double               eit_chart_layer_get_max        (EitChartLayer *self,
                                                     gint64         start,
                                                     gint64         end);
/* The value of the last row at or before time, NAN if none. */
double               eit_chart_layer_get_value_at   (EitChartLayer *self,
                                                     gint64         time);
double               eit_chart_layer_get_last_value (EitChartLayer *self);
void                 eit_chart_layer_snapshot       (EitChartLayer      *self,
                                                     GtkSnapshot        *snapshot,
                                                     const EitChartView *view);

/* Properties: series (EitSampleSeries, construct-only), column (guint,
 * construct-only), label (string), color (GdkRGBA). */

G_END_DECLS
