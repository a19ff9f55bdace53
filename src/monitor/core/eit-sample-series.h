/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sample model of the charts (Sysprof's first stage): a fixed-capacity
 * ring of rows, each a monotonic time and one double per named column.
 * Memory never grows past the capacity, however long the monitor runs.
 * Rows are addressed by an absolute index that only grows; the rows still
 * held are [first, n_rows). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EIT_TYPE_SAMPLE_SERIES (eit_sample_series_get_type ())
G_DECLARE_FINAL_TYPE (EitSampleSeries, eit_sample_series, EIT, SAMPLE_SERIES, GObject)

EitSampleSeries *eit_sample_series_new            (const char * const *column_names,
                                                   guint               capacity);
guint            eit_sample_series_get_n_columns  (EitSampleSeries *self);
const char      *eit_sample_series_get_column_name (EitSampleSeries *self,
                                                    guint            column);
guint            eit_sample_series_get_capacity   (EitSampleSeries *self);

/* Appends one row (values has n_columns entries; NAN means "no value") and
 * emits "sampled". time is monotonic µs and must not go backwards. */
void             eit_sample_series_append         (EitSampleSeries *self,
                                                   gint64           time,
                                                   const double    *values);

guint64          eit_sample_series_get_n_rows     (EitSampleSeries *self);
guint64          eit_sample_series_get_first_row  (EitSampleSeries *self);
gint64           eit_sample_series_get_time       (EitSampleSeries *self,
                                                   guint64          row);
double           eit_sample_series_get_value      (EitSampleSeries *self,
                                                   guint64          row,
                                                   guint            column);
/* The first held row whose time is >= time (n_rows if none). */
guint64          eit_sample_series_find_row       (EitSampleSeries *self,
                                                   gint64           time);
/* Wall-clock µs for a row's monotonic time (for exports and tooltips). */
gint64           eit_sample_series_get_real_time  (EitSampleSeries *self,
                                                   guint64          row);
gint64           eit_sample_series_to_real_time   (EitSampleSeries *self,
                                                   gint64           monotonic);

/* Signals: "sampled" (): a row was appended. */

G_END_DECLS
