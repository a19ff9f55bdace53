/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A chart layer drawn as one cairo line, pixel-snapped;
 * points that land in the same pixel column collapse to their
 * minimum and maximum, so an hour of samples costs one pass per frame. */
#pragma once

#include "eit-chart-layer.h"

G_BEGIN_DECLS

#define EIT_TYPE_LINE_LAYER (eit_line_layer_get_type ())
G_DECLARE_FINAL_TYPE (EitLineLayer, eit_line_layer, EIT, LINE_LAYER, EitChartLayer)

EitChartLayer *eit_line_layer_new (EitSampleSeries *series,
                                   guint            column,
                                   const char      *label,
                                   const char      *color);

G_END_DECLS
