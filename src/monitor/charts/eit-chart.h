/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small live chart in the Sysprof manner: layers over sample series,
 * normalized incrementally, drawn in snapshot(); redrawn at most once per
 * frame (a tick callback runs only when new samples arrived); hover shows
 * the values under the pointer; the accessible description carries the
 * current values as text. */
#pragma once

#include <gtk/gtk.h>
#include "eit-chart-layer.h"

G_BEGIN_DECLS

typedef enum {
  EIT_CHART_UNIT_COUNT,
  EIT_CHART_UNIT_PER_SECOND,
  EIT_CHART_UNIT_BYTES_PER_SECOND,
  EIT_CHART_UNIT_MILLISECONDS,
} EitChartUnit;

/* The spans a chart offers; the settings key "chart-window" stores one
 * (io.github.eithub.Monitor.ChartWindow has the same values). */
typedef enum {
  EIT_CHART_SPAN_ONE_MINUTE,
  EIT_CHART_SPAN_FIVE_MINUTES,
  EIT_CHART_SPAN_ONE_HOUR,
} EitChartSpan;

guint          eit_chart_span_get_seconds (EitChartSpan span);

#define EIT_TYPE_CHART (eit_chart_get_type ())
G_DECLARE_FINAL_TYPE (EitChart, eit_chart, EIT, CHART, GtkWidget)

GtkWidget     *eit_chart_new            (void);
void           eit_chart_add_layer      (EitChart      *self,
                                         EitChartLayer *layer);
/* A line of one column of a series (an EitLineLayer), in color. */
void           eit_chart_add_line       (EitChart        *self,
                                         EitSampleSeries *series,
                                         guint            column,
                                         const char      *label,
                                         const char      *color);
void           eit_chart_remove_all     (EitChart      *self);
guint          eit_chart_get_n_layers   (EitChart      *self);
const char    *eit_chart_get_title      (EitChart      *self);
void           eit_chart_set_title      (EitChart      *self,
                                         const char    *title);
EitChartUnit   eit_chart_get_unit       (EitChart      *self);
void           eit_chart_set_unit       (EitChart      *self,
                                         EitChartUnit   unit);
guint          eit_chart_get_window     (EitChart      *self);
/* The time span shown, in seconds (eit_chart_span_get_seconds ()). */
void           eit_chart_set_window     (EitChart      *self,
                                         guint          seconds);
/* The text alternative last given to assistive technologies. */
const char    *eit_chart_get_description (EitChart     *self);
/* "1.2 k msg/s" for a value in the chart's unit. */
char          *eit_chart_format_value   (EitChart      *self,
                                         double         value);
/* The number of times the chart was drawn (tests and benchmarks). */
guint          eit_chart_get_n_draws    (EitChart      *self);

/* Properties: title (string), unit (EitChartUnit as int), window (guint s). */

G_END_DECLS
