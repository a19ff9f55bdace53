/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sysprof's second chart stage: one column of a sample series as floats in
 * [0, 1] against a value range, cached in a ring beside the series and
 * brought up to date incrementally (only rows not yet normalized), so a
 * layer's snapshot() only scales them to pixels. NAN stays NAN (a gap). */
#pragma once

#include "eit-sample-series.h"

G_BEGIN_DECLS

#define EIT_TYPE_NORMALIZED_SERIES (eit_normalized_series_get_type ())
G_DECLARE_FINAL_TYPE (EitNormalizedSeries, eit_normalized_series, EIT, NORMALIZED_SERIES, GObject)

EitNormalizedSeries *eit_normalized_series_new        (EitSampleSeries *series,
                                                       guint            column);
EitSampleSeries     *eit_normalized_series_get_series (EitNormalizedSeries *self);
guint                eit_normalized_series_get_column (EitNormalizedSeries *self);
/* Changing the range renormalizes every held row on the next update. */
void                 eit_normalized_series_set_range  (EitNormalizedSeries *self,
                                                       double               max);
double               eit_normalized_series_get_range  (EitNormalizedSeries *self);
/* Normalizes the rows appended since the last call; returns how many. */
guint                eit_normalized_series_update     (EitNormalizedSeries *self);
float                eit_normalized_series_get        (EitNormalizedSeries *self,
                                                       guint64              row);

G_END_DECLS
